/**
 * The options the socket core itself reads, whatever the wire family: queue limits, linger,
 * reconnect back-off, timeouts. A family adds its own (ZeroMQ's routing id and heartbeats, for
 * example) with the same rule tables, and gives them its own names if it likes (SP's
 * `sendBuffer` is the core's `sendHighWaterMark`). Times are in milliseconds.
 * @module
 */

import { WeftError } from "./errors.ts";
import type { TransportRegistry } from "../transport/types.ts";

/** The option values the socket core reads (see the module doc). */
export interface CoreOptions {
  /** Messages queued per peer before send blocks or drops; 0 = no limit. */
  sendHighWaterMark: number;
  /** Messages queued per peer before reading from it pauses; 0 = no limit. */
  receiveHighWaterMark: number;
  /** How long close() keeps flushing queued messages, ms; -1 = until sent, 0 = discard. */
  linger: number;
  /** First reconnect delay, ms; -1 = never reconnect. */
  reconnectInterval: number;
  /** Cap of the doubling reconnect delay, ms; 0 = no back-off. */
  reconnectMaxInterval: number;
  /** Connect timeout, ms; 0 = the transport's default. */
  connectTimeout: number;
  /** Waiting sends fail with EAGAIN after this many ms; -1 = wait forever. */
  sendTimeout: number;
  /** Waiting receives fail with EAGAIN after this many ms; -1 = wait forever. */
  receiveTimeout: number;
  /** Queue messages only to completed connections (every connection is then its own pipe). */
  immediate: boolean;
  /** Keep only the newest message in each queue. */
  conflate: boolean;
  /** Connections each listener holds at once; more are refused on accept. 0 = no limit. */
  maxConnections: number;
}

/** What a socket constructor takes: any option, and the transports to use. */
export type OptionsWithTransports<R> = { [K in keyof R]?: R[K] } & {
  /** The transports to use. */
  transports?: TransportRegistry;
};

/** Checks and converts one option value, throwing `EINVAL` that names what was expected. */
export type OptionCheck<T> = (name: string, value: unknown) => T;

/** One check per option: the table a family extends with its own options. */
export type OptionRules<R> = { readonly [K in keyof R]: OptionCheck<R[K]> };

/**
 * An integer option that must be ≥ `min`.
 *
 * @example
 * ```ts
 * import { integerOption } from "./options.ts";
 * import assert from "node:assert/strict";
 * const hwm = integerOption(0);
 * assert.equal(hwm("sendHighWaterMark", 10), 10);
 * assert.throws(() => hwm("sendHighWaterMark", -1), { code: "EINVAL" });
 * ```
 */
export function integerOption(min: number): OptionCheck<number> {
  return (name, value) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new WeftError("EINVAL", `option ${name}: expected an integer ≥ ${min}, got ${value}`);
    }
    return value;
  };
}

/**
 * A boolean option.
 *
 * @example
 * ```ts
 * import { booleanOption } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(booleanOption("immediate", true), true);
 * assert.throws(() => booleanOption("immediate", 1), { code: "EINVAL" });
 * ```
 */
export const booleanOption: OptionCheck<boolean> = (name, value) => {
  if (typeof value !== "boolean") {
    throw new WeftError("EINVAL", `option ${name}: expected a boolean, got ${value}`);
  }
  return value;
};

/** The defaults (libzmq's, which nng shares but for the reconnect time and buffers). */
export const CORE_DEFAULTS: Readonly<CoreOptions> = Object.freeze({
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  linger: -1,
  reconnectInterval: 100,
  reconnectMaxInterval: 0,
  connectTimeout: 0,
  sendTimeout: -1,
  receiveTimeout: -1,
  immediate: false,
  conflate: false,
  maxConnections: 0,
});

/** The checks of {@link CoreOptions} (most integers allow -1 for "none"). */
export const CORE_RULES: OptionRules<CoreOptions> = Object.freeze({
  sendHighWaterMark: integerOption(0),
  receiveHighWaterMark: integerOption(0),
  linger: integerOption(-1),
  reconnectInterval: integerOption(-1),
  reconnectMaxInterval: integerOption(0),
  connectTimeout: integerOption(0),
  sendTimeout: integerOption(-1),
  receiveTimeout: integerOption(-1),
  immediate: booleanOption,
  conflate: booleanOption,
  maxConnections: integerOption(0),
});

/**
 * A socket's option values with their checks: read them as fields, change them with
 * {@link OptionTable.set} (which checks first).
 *
 * @example
 * ```ts
 * import { Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // Every socket keeps its options in an OptionTable: each value is checked before it is set.
 * await using push = new Push({ linger: 0 });
 * push.sendTimeout = 250;
 * assert.equal(push.sendTimeout, 250);
 * assert.throws(() => (push.linger = 1.5), { code: "EINVAL" });
 * assert.equal(push.linger, 0);
 * ```
 */
export class OptionTable<R extends object> {
  /** The current values (the object stays the same; `set` changes it in place). */
  readonly values: R;
  readonly #rules: OptionRules<R>;

  /** Resolves `given` against `defaults`, checking each value given. */
  constructor(defaults: Readonly<R>, rules: OptionRules<R>, given: { [K in keyof R]?: R[K] }) {
    this.#rules = rules;
    this.values = { ...defaults } as R;
    for (const key of Object.keys(defaults) as (keyof R)[]) {
      const value = given[key];
      if (value !== undefined) this.values[key] = this.check(key, value);
    }
  }

  /** Checks and converts one value; throws `EINVAL` naming what was expected. */
  check<K extends keyof R>(name: K, value: unknown): R[K] {
    const rule = this.#rules[name];
    if (!rule) throw new WeftError("EINVAL", `unknown option ${String(name)}`);
    return rule(String(name), value);
  }

  /** Checks a value and sets it. */
  set<K extends keyof R>(name: K, value: unknown): void {
    this.values[name] = this.check(name, value);
  }
}
