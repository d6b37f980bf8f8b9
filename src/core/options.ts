/**
 * Socket options, named as zeromq.js names them (times in milliseconds). Defaults follow
 * libzmq's `zmq_setsockopt` documentation.
 * @module
 */

import { WeftError } from "./errors.ts";
import type { TransportRegistry } from "../transport/types.ts";

/** Options every ZeroMQ socket accepts (in the constructor object or as properties). */
export interface SocketOptions {
  /** Messages queued per peer before send blocks or drops; 0 = no limit. Default 1000. */
  sendHighWaterMark?: number;
  /** Messages queued per peer before reading from it pauses; 0 = no limit. Default 1000. */
  receiveHighWaterMark?: number;
  /** How long close() keeps flushing queued messages, ms; -1 = until sent, 0 = discard. */
  linger?: number;
  /** Our identity, sent to ROUTER peers (1–255 bytes, first byte not 0). */
  routingId?: string | Uint8Array;
  /** First reconnect delay, ms. Default 100. */
  reconnectInterval?: number;
  /** Cap of the exponential reconnect back-off, ms; 0 = no back-off. Default 0. */
  reconnectMaxInterval?: number;
  /** TCP connect timeout, ms; 0 = OS default. */
  connectTimeout?: number;
  /** Longest a ZMTP handshake may take, ms; 0 = no limit. Default 30000. */
  handshakeInterval?: number;
  /** Send a PING every this many ms; 0 = off. */
  heartbeatInterval?: number;
  /** Close when nothing arrives this long after a PING, ms. Default = heartbeatInterval. */
  heartbeatTimeout?: number;
  /** TTL advertised in our PINGs, ms (deciseconds on the wire; < 100 has no effect). */
  heartbeatTimeToLive?: number;
  /** Largest inbound message frame, bytes; -1 = no limit. */
  maxMessageSize?: number;
  /** send() rejects with EAGAIN after this many ms; -1 = wait forever. */
  sendTimeout?: number;
  /** receive() rejects with EAGAIN after this many ms; -1 = wait forever. */
  receiveTimeout?: number;
  /** Queue messages only to completed connections. Default false (as libzmq). */
  immediate?: boolean;
  /** Keep only the newest message in each queue (no multipart). Default false. */
  conflate?: boolean;
  /** The transports to use (default: the runtime's tcp and ipc, plus inproc). */
  transports?: TransportRegistry;
}

/** Resolved values of {@link SocketOptions} (everything but `transports`). */
export interface ResolvedOptions {
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  linger: number;
  routingId: Uint8Array;
  reconnectInterval: number;
  reconnectMaxInterval: number;
  connectTimeout: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  maxMessageSize: number;
  sendTimeout: number;
  receiveTimeout: number;
  immediate: boolean;
  conflate: boolean;
}

/** libzmq's defaults. */
export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  linger: -1,
  routingId: new Uint8Array(0),
  reconnectInterval: 100,
  reconnectMaxInterval: 0,
  connectTimeout: 0,
  handshakeInterval: 30000,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTimeToLive: 0,
  maxMessageSize: -1,
  sendTimeout: -1,
  receiveTimeout: -1,
  immediate: false,
  conflate: false,
});

const INTEGER_OPTIONS = new Set<keyof ResolvedOptions>([
  "sendHighWaterMark",
  "receiveHighWaterMark",
  "linger",
  "reconnectInterval",
  "reconnectMaxInterval",
  "connectTimeout",
  "handshakeInterval",
  "heartbeatInterval",
  "heartbeatTimeout",
  "heartbeatTimeToLive",
  "maxMessageSize",
  "sendTimeout",
  "receiveTimeout",
]);

/** Values below this are invalid for each integer option (most allow -1 for "none"). */
const MINIMUM: Partial<Record<keyof ResolvedOptions, number>> = {
  sendHighWaterMark: 0,
  receiveHighWaterMark: 0,
  reconnectInterval: -1,
  reconnectMaxInterval: 0,
  connectTimeout: 0,
  handshakeInterval: 0,
  heartbeatInterval: 0,
  heartbeatTimeToLive: 0,
};

/** Checks and converts one option value; throws `EINVAL` naming what was expected. */
export function checkOption<K extends keyof ResolvedOptions>(
  name: K,
  value: unknown,
): ResolvedOptions[K] {
  if (INTEGER_OPTIONS.has(name)) {
    const min = MINIMUM[name] ?? -1;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new WeftError("EINVAL", `option ${name}: expected an integer ≥ ${min}, got ${value}`);
    }
    return value as ResolvedOptions[K];
  }
  if (name === "immediate" || name === "conflate") {
    if (typeof value !== "boolean") {
      throw new WeftError("EINVAL", `option ${name}: expected a boolean, got ${value}`);
    }
    return value as ResolvedOptions[K];
  }
  if (name === "routingId") return toRoutingId(value) as ResolvedOptions[K];
  throw new WeftError("EINVAL", `unknown option ${String(name)}`);
}

/** Converts a routing id option (string or bytes, 0–255 bytes, first byte not 0). */
export function toRoutingId(value: unknown): Uint8Array {
  const bytes = typeof value === "string"
    ? new TextEncoder().encode(value)
    : value instanceof Uint8Array
    ? value
    : undefined;
  if (!bytes) {
    throw new WeftError("EINVAL", `option routingId: expected a string or Uint8Array`);
  }
  if (bytes.length > 255 || (bytes.length > 0 && bytes[0] === 0)) {
    throw new WeftError(
      "EINVAL",
      `option routingId: expected 1–255 bytes not starting with 0x00, got ${bytes.length} bytes`,
    );
  }
  return bytes;
}

/** Resolves a constructor options object against the defaults. */
export function resolveOptions(options: SocketOptions): ResolvedOptions {
  const out: ResolvedOptions = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedOptions)[]) {
    const value = options[key];
    if (value !== undefined) {
      (out as unknown as Record<string, unknown>)[key] = checkOption(key, value);
    }
  }
  return out;
}
