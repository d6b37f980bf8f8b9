/**
 * ZeroMQ socket options, named as zeromq.js names them (times in milliseconds). Defaults follow
 * libzmq's `zmq_setsockopt` documentation. The socket core's options come first; ZMTP's own
 * (routing id, heartbeats, handshake limit, maximum message size) are added here.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import {
  booleanOption,
  checkOptions,
  CORE_DEFAULTS,
  CORE_RULES,
  integerOption,
} from "../../core/options.ts";
import type { CoreOptions, OptionChecks, OptionNames, OptionRules } from "../../core/options.ts";
import type { TransportRegistry } from "../../transport/types.ts";
import { SECURITY_DEFAULTS, SECURITY_RULES } from "./security.ts";
import type { SecurityOptions, SecurityValues } from "./security.ts";
import { toCurveKey } from "../../protocol/zmtp/curve/keys.ts";

/** Options every ZeroMQ socket accepts (in the constructor object or as properties). */
export interface SocketOptions extends SecurityOptions {
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
  /** Largest inbound message frame, bytes; -1 = no limit (default; the built-in cap is 4 GiB − 1). */
  maxMessageSize?: number;
  /**
   * Connections each bound endpoint holds at once; more are closed on accept with an
   * `accept:error` event. 0 = no limit (default, as libzmq; the process's file limit bounds it).
   */
  maxConnections?: number;
  /**
   * send() rejects with `EAGAIN` after this many ms; -1 = wait forever. `EAGAIN`, not
   * `ETIMEDOUT`, because that is what libzmq's `ZMQ_SNDTIMEO` gives (and zeromq.js passes on),
   * so code ported from them keeps its checks; SP sockets follow nng and give `ETIMEDOUT`.
   */
  sendTimeout?: number;
  /**
   * receive() rejects with `EAGAIN` after this many ms; -1 = wait forever. `EAGAIN` as libzmq's
   * `ZMQ_RCVTIMEO` (see `sendTimeout`); SP's `recvTimeout` gives nng's `ETIMEDOUT`.
   */
  receiveTimeout?: number;
  /** Queue messages only to completed connections. Default false (as libzmq). */
  immediate?: boolean;
  /** Keep only the newest message in each queue (no multipart). Default false. */
  conflate?: boolean;
  /**
   * Be a CURVE server (RFC 26): every connection, accepted or dialled, is encrypted and
   * needs `curveSecretKey`. Clients must be given the matching public key. Default false.
   */
  curveServer?: boolean;
  /** Our long-term CURVE secret key: 32 bytes or 40 Z85 characters (see `curveKeyPair()`). */
  curveSecretKey?: string | Uint8Array | null;
  /** Our long-term CURVE public key (a client's; derived from `curveSecretKey` when left out). */
  curvePublicKey?: string | Uint8Array | null;
  /** The server's public key: setting it makes this socket a CURVE client. */
  curveServerKey?: string | Uint8Array | null;
  /** The transports to use (default: the runtime's tcp and ipc, plus inproc). */
  transports?: TransportRegistry;
}

/** Resolved values of {@link SocketOptions} (everything but `transports`). */
export interface ResolvedOptions extends CoreOptions, SecurityValues {
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
  /** Be a CURVE server. */
  curveServer: boolean;
  /** Our CURVE secret key (32 bytes), or null. */
  curveSecretKey: Uint8Array | null;
  /** Our CURVE public key (32 bytes), or null (derived from the secret key). */
  curvePublicKey: Uint8Array | null;
  /** The CURVE server's public key (32 bytes), or null when not a CURVE client. */
  curveServerKey: Uint8Array | null;
}

/** libzmq's defaults. */
export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  ...CORE_DEFAULTS,
  ...SECURITY_DEFAULTS,
  routingId: new Uint8Array(0),
  handshakeInterval: 30000,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTimeToLive: 0,
  maxMessageSize: -1,
  curveServer: false,
  curveSecretKey: null,
  curvePublicKey: null,
  curveServerKey: null,
});

/** The checks of {@link ResolvedOptions}: the core's plus ZMTP's. */
export const RULES: OptionRules<ResolvedOptions> = Object.freeze({
  ...CORE_RULES,
  ...SECURITY_RULES,
  routingId: (_name: string, value: unknown) => toRoutingId(value),
  handshakeInterval: integerOption(0, "ms"),
  heartbeatInterval: integerOption(0, "ms"),
  heartbeatTimeout: integerOption(-1, "ms"),
  heartbeatTimeToLive: integerOption(0, "ms"),
  maxMessageSize: integerOption(-1, "bytes"),
  curveServer: booleanOption,
  curveSecretKey: curveKeyOption,
  curvePublicKey: curveKeyOption,
  curveServerKey: curveKeyOption,
});

/** A CURVE key option: 32 bytes or 40 Z85 characters, or null to clear it. */
function curveKeyOption(name: string, value: unknown): Uint8Array | null {
  return value === null ? null : toCurveKey(name, value);
}

/** The options only some socket types take, by ZMTP type, with their checks. */
const TYPE_OPTIONS: Readonly<Record<string, OptionChecks>> = {
  ROUTER: { routerMandatory: booleanOption, routerHandover: booleanOption },
  REQ: { correlate: booleanOption, relaxed: booleanOption },
  XPUB: { xpubVerbose: booleanOption, xpubVerboser: booleanOption },
};
const NO_CHECKS: OptionChecks = {};

/** nng's option names (SP sockets, `weft/sp`) and what ZeroMQ calls them. */
const NNG_SPELLINGS: Readonly<Record<string, string>> = {
  recvTimeout: "receiveTimeout",
  recvBuffer: "receiveHighWaterMark",
  sendBuffer: "sendHighWaterMark",
  reconnectTime: "reconnectInterval",
  reconnectMaxTime: "reconnectMaxInterval",
  recvMaxSize: "maxMessageSize",
};

/** Other names people reach for (zeromq.js 5's `identity`, a bare `timeout`). */
const GUESSES: Readonly<Record<string, string>> = {
  identity: "routingId",
  timeout: "receiveTimeout",
  hwm: "sendHighWaterMark",
};

const COMMON_NAMES = [...Object.keys(RULES), "transports"];
const namesByType = new Map<string, OptionNames>();

/**
 * The option names sockets of a ZMTP type accept (every socket's, plus the type's own), with
 * nng's spellings as hints.
 *
 * @example
 * ```ts
 * import { optionNames } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.ok(optionNames("ROUTER").known.has("routerMandatory"));
 * assert.ok(!optionNames("DEALER").known.has("routerMandatory"));
 * ```
 */
export function optionNames(socketType: string): OptionNames {
  let names = namesByType.get(socketType);
  if (!names) {
    names = {
      owner: "a ZeroMQ option",
      known: new Set([...COMMON_NAMES, ...Object.keys(TYPE_OPTIONS[socketType] ?? {})]),
      aliases: NNG_SPELLINGS,
      aliasesFrom: "nng's",
      guesses: GUESSES,
    };
    namesByType.set(socketType, names);
  }
  return names;
}

/**
 * Checks a ZeroMQ socket's constructor options as a whole: `EINVAL` for a name the type does
 * not take (naming the closest one: "`recvTimeout` is not a ZeroMQ option; did you mean
 * `receiveTimeout`?") and for a type-specific flag that is not a boolean. The common options'
 * values are checked by {@link RULES} as they are resolved.
 *
 * @example
 * ```ts
 * import { checkSocketOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * checkSocketOptions("ROUTER", { routerMandatory: true, linger: 0 });
 * assert.throws(() => checkSocketOptions("PULL", { recvTimeout: 100 }), {
 *   code: "EINVAL",
 *   message: /did you mean `receiveTimeout`/,
 * });
 * assert.throws(() => checkSocketOptions("REQ", { relaxed: "yes" }), { code: "EINVAL" });
 * ```
 */
export function checkSocketOptions(socketType: string, options: object): void {
  checkOptions(options, optionNames(socketType), TYPE_OPTIONS[socketType] ?? NO_CHECKS);
}

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
