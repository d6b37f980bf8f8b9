/**
 * SP socket options in nng's names (times in ms), and how they map onto the socket core's:
 * `sendBuffer`/`recvBuffer` are the high-water marks, `reconnectTime`/`reconnectMaxTime` the
 * re-dial back-off, `recvTimeout` the receive timeout. `raw`, `recvMaxSize` and `maxTtl` are
 * SP's own.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { booleanOption, checkOptions, describeValue, integerOption } from "../../core/options.ts";
import type { CoreOptions, OptionCheck, OptionChecks, OptionNames } from "../../core/options.ts";
import type { TransportRegistry } from "../../transport/types.ts";

/** Options every SP socket accepts (in the constructor object or as properties; times in ms). */
export interface SpOptions {
  /** Raw mode: SP headers are exposed on receive and required on send (for devices). */
  raw?: boolean;
  /** Largest message accepted, bytes; larger closes that connection (EMSGSIZE). 0 = no limit. Default 1 MiB. */
  recvMaxSize?: number;
  /**
   * send() fails with `ETIMEDOUT` after this many ms; -1 = wait forever (default). `ETIMEDOUT`,
   * not `EAGAIN`, because that is nng's `NNG_ETIMEDOUT` for `NNG_OPT_SENDTIMEO`, so code ported
   * from nng keeps its checks; ZeroMQ sockets follow libzmq and give `EAGAIN`.
   */
  sendTimeout?: number;
  /**
   * recv() fails with `ETIMEDOUT` after this many ms; -1 = wait forever (default). nng's name
   * and code (`NNG_OPT_RECVTIMEO`, `NNG_ETIMEDOUT`); the ZeroMQ sockets' `receiveTimeout` gives
   * libzmq's `EAGAIN` instead (see `sendTimeout`).
   */
  recvTimeout?: number;
  /** Most hops a routed message may have taken (1–15). Default 8. */
  maxTtl?: number;
  /** Messages queued per peer before send waits (or PUB/BUS/SURVEYOR drop). Default 128 (PUB 16). */
  sendBuffer?: number;
  /** Messages queued per peer before reading from it pauses. Default 128. */
  recvBuffer?: number;
  /** First re-dial delay, ms. Default 1000 (nng 1.5.2). */
  reconnectTime?: number;
  /** Cap of the doubling re-dial delay, ms; 0 = no back-off. Default 0. */
  reconnectMaxTime?: number;
  /** Longest wait for a peer's SP header, ms; 0 = no limit. Default 10 000 (nng's). */
  handshakeTimeout?: number;
  /**
   * Connections each listener holds at once; more are closed on accept with an `accept:error`
   * event. 0 = no limit (default, as nng; the process's file limit bounds it).
   */
  maxConnections?: number;
  /**
   * How long `close()` keeps flushing messages `send()` accepted, ms; -1 = until written,
   * 0 = drop them (nng's behaviour). Default {@link DEFAULT_LINGER} (nanomsg's `NN_LINGER`).
   */
  linger?: number;
  /** The transports to use (default: the runtime's tcp, ipc and ws, plus inproc). */
  transports?: TransportRegistry;
}

/** Default `sendBuffer` per socket (nng's PUB queues 16 per pipe). */
export const DEFAULT_BUFFER = 128;

/** A time in ms where any integer has a meaning (resendTime: ≤ 0 turns resending off). */
const anyMs: OptionCheck<number> = (name, value) => {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new WeftError(
      "EINVAL",
      `option ${name}: expected a whole number of ms, got ${describeValue(value)}`,
    );
  }
  return value;
};

/** The value checks of {@link SpOptions}, by nng's names (so errors name what the user wrote). */
const SP_RULES: OptionChecks = {
  raw: booleanOption,
  recvMaxSize: (_name, value) => checkSize(value),
  sendTimeout: integerOption(-1, "ms"),
  recvTimeout: integerOption(-1, "ms"),
  maxTtl: (_name, value) => checkTtl(value),
  sendBuffer: integerOption(0, "messages"),
  recvBuffer: integerOption(0, "messages"),
  reconnectTime: integerOption(-1, "ms"),
  reconnectMaxTime: integerOption(0, "ms"),
  handshakeTimeout: integerOption(0, "ms"),
  maxConnections: integerOption(0, "connections"),
  linger: integerOption(-1, "ms"),
};

/** The options only some protocols take, by nng protocol name. */
const PROTOCOL_RULES: Readonly<Record<string, OptionChecks>> = {
  req: { resendTime: anyMs },
  surveyor: { surveyTime: integerOption(-1, "ms") },
};

/** ZeroMQ's option names (`weft/zmq`) and what nng calls them. */
const ZMQ_SPELLINGS: Readonly<Record<string, string>> = {
  receiveTimeout: "recvTimeout",
  receiveHighWaterMark: "recvBuffer",
  sendHighWaterMark: "sendBuffer",
  reconnectInterval: "reconnectTime",
  reconnectMaxInterval: "reconnectMaxTime",
  maxMessageSize: "recvMaxSize",
};

/** Other names people reach for. */
const GUESSES: Readonly<Record<string, string>> = {
  timeout: "recvTimeout",
  ttl: "maxTtl",
};

const byProtocol = new Map<string, { names: OptionNames; checks: OptionChecks }>();

function protocolOptions(protocol: string): { names: OptionNames; checks: OptionChecks } {
  let found = byProtocol.get(protocol);
  if (!found) {
    const checks = { ...SP_RULES, ...PROTOCOL_RULES[protocol] };
    found = {
      names: {
        owner: "an SP option",
        known: new Set([...Object.keys(checks), "transports"]),
        aliases: ZMQ_SPELLINGS,
        aliasesFrom: "ZeroMQ's",
        guesses: GUESSES,
      },
      checks,
    };
    byProtocol.set(protocol, found);
  }
  return found;
}

/**
 * The option names an SP protocol's sockets accept (every socket's, plus the protocol's own),
 * with ZeroMQ's spellings as hints.
 *
 * @example
 * ```ts
 * import { spOptionNames } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.ok(spOptionNames("req").known.has("resendTime"));
 * assert.ok(!spOptionNames("rep").known.has("resendTime"));
 * ```
 */
export function spOptionNames(protocol: string): OptionNames {
  return protocolOptions(protocol).names;
}

/**
 * Checks an SP socket's constructor options as a whole, by nng's names: `EINVAL` for a name
 * the protocol does not take (naming the closest: "`receiveTimeout` is not an SP option; did
 * you mean `recvTimeout`?") and for a value of the wrong type or range.
 *
 * @example
 * ```ts
 * import { checkSpOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * checkSpOptions("req", { resendTime: 500, recvTimeout: 100 });
 * assert.throws(() => checkSpOptions("pull", { receiveTimeout: 100 }), {
 *   code: "EINVAL",
 *   message: /did you mean `recvTimeout`/,
 * });
 * assert.throws(() => checkSpOptions("pull", { recvTimeout: "100" }), { code: "EINVAL" });
 * ```
 */
export function checkSpOptions(protocol: string, options: object): void {
  const { names, checks } = protocolOptions(protocol);
  checkOptions(options, names, checks);
}

/**
 * Checks one SP option value set as a property (`socket.recvTimeout = 100`), by nng's name.
 *
 * @example
 * ```ts
 * import { checkSpOption } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkSpOption("recvTimeout", 100), 100);
 * assert.throws(() => checkSpOption("recvTimeout", "100"), { code: "EINVAL" });
 * ```
 */
export function checkSpOption<T>(name: keyof SpOptions, value: T): T {
  SP_RULES[name]?.(name, value);
  return value;
}

/**
 * Default `linger`, ms: how long an SP socket's `close()` keeps flushing what `send()`
 * accepted. nng drops queued messages on close; weft flushes them for up to a second, the
 * default nanomsg documented for `NN_LINGER`, so `close(); await closed` does not cut off a
 * burst, yet a peer that stopped reading cannot hold a close for long.
 */
export const DEFAULT_LINGER = 1000;

/**
 * The socket core's options for {@link SpOptions}: every connection its own pipe
 * (`immediate`), as in nng, so a dropped peer is detached at once (REQ resends, PAIR frees
 * its slot).
 *
 * @example
 * ```ts
 * import { coreOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * const core = coreOptions({ sendBuffer: 0, recvTimeout: 250 });
 * assert.equal(core.sendHighWaterMark, 1); // at least one message per peer
 * assert.equal(core.receiveTimeout, 250);
 * assert.equal(core.reconnectInterval, 1000);
 * ```
 */
export function coreOptions(options: SpOptions, sendBuffer = DEFAULT_BUFFER): Partial<CoreOptions> {
  return {
    sendHighWaterMark: Math.max(1, options.sendBuffer ?? sendBuffer),
    receiveHighWaterMark: Math.max(1, options.recvBuffer ?? DEFAULT_BUFFER),
    reconnectInterval: options.reconnectTime ?? 1000,
    reconnectMaxInterval: options.reconnectMaxTime ?? 0,
    sendTimeout: options.sendTimeout ?? -1,
    receiveTimeout: options.recvTimeout ?? -1,
    linger: options.linger ?? DEFAULT_LINGER,
    immediate: true,
    maxConnections: options.maxConnections ?? 0,
  };
}

/**
 * Checks `recvMaxSize` (0..2^32-1).
 *
 * @example
 * ```ts
 * import { checkSize } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkSize(4096), 4096);
 * assert.throws(() => checkSize(-1), { code: "EINVAL" });
 * ```
 */
export function checkSize(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WeftError(
      "EINVAL",
      `option recvMaxSize: expected a whole number of bytes 0..2^32-1, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Checks `maxTtl` (nng accepts 1–15).
 *
 * @example
 * ```ts
 * import { checkTtl } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkTtl(8), 8);
 * assert.throws(() => checkTtl(16), { code: "EINVAL" });
 * ```
 */
export function checkTtl(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 15) {
    throw new WeftError(
      "EINVAL",
      `option maxTtl: expected a whole number of hops 1..15, got ${describeValue(value)}`,
    );
  }
  return value;
}
