/**
 * ZeroMQ socket options, named as zeromq.js names them (times in milliseconds). Defaults follow
 * libzmq's `zmq_setsockopt` documentation. The socket core's options come first; ZMTP's own
 * (routing id, heartbeats, handshake limit, maximum message size) are added here.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { CORE_DEFAULTS, CORE_RULES, integerOption } from "../../core/options.ts";
import type { CoreOptions, OptionRules } from "../../core/options.ts";
import type { TransportRegistry } from "../../transport/types.ts";

/** Options every ZeroMQ socket accepts (in the constructor object or as properties). */
export interface SocketOptions {
  /** Messages queued per peer before send blocks or drops; 0 = no limit. Default 1000. */
  sendHighWaterMark?: number;
  /** Messages queued per peer before reading from it pauses; 0 = no limit. Default 1000. */
  receiveHighWaterMark?: number;
  /**
   * How long close() keeps flushing queued messages, ms; -1 = until sent (default), 0 = discard.
   * `closed` settles once the flush is over.
   */
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
export interface ResolvedOptions extends CoreOptions {
  /** Our identity, sent to ROUTER peers. */
  routingId: Uint8Array;
  /** Longest a ZMTP handshake may take, ms; 0 = no limit. */
  handshakeInterval: number;
  /** PING interval, ms; 0 = off. */
  heartbeatInterval: number;
  /** Silence after a PING that closes the connection, ms; -1 = the interval. */
  heartbeatTimeout: number;
  /** TTL advertised in our PINGs, ms. */
  heartbeatTimeToLive: number;
  /** Largest inbound frame, bytes; -1 = no limit. */
  maxMessageSize: number;
}

/** libzmq's defaults. */
export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  ...CORE_DEFAULTS,
  routingId: new Uint8Array(0),
  handshakeInterval: 30000,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTimeToLive: 0,
  maxMessageSize: -1,
});

/** The checks of {@link ResolvedOptions}: the core's plus ZMTP's. */
export const RULES: OptionRules<ResolvedOptions> = Object.freeze({
  ...CORE_RULES,
  routingId: (_name: string, value: unknown) => toRoutingId(value),
  handshakeInterval: integerOption(0),
  heartbeatInterval: integerOption(0),
  heartbeatTimeout: integerOption(-1),
  heartbeatTimeToLive: integerOption(0),
  maxMessageSize: integerOption(-1),
});

/**
 * Converts a routing id option (string or bytes, 0–255 bytes, first byte not 0).
 *
 * @example
 * ```ts
 * import { toRoutingId } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(toRoutingId("w1"), new TextEncoder().encode("w1"));
 * assert.throws(() => toRoutingId(new Uint8Array([0, 1])), { code: "EINVAL" });
 * ```
 */
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
