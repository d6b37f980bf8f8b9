/**
 * The options the socket core itself reads, whatever the wire family: queue limits, linger,
 * reconnect back-off, timeouts. A family adds its own (ZeroMQ's routing id and heartbeats, for
 * example) with the same rule tables, and gives them its own names if it likes (SP's
 * `sendBuffer` is the core's `sendHighWaterMark`). Times are in milliseconds.
 * @module
 */

import { WeftError } from "./errors.ts";
import { closestName } from "./suggest.ts";
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
 * A value as an error message shows it: strings quoted (`'100'`, so a string that looks like a
 * number is told apart), objects by kind.
 *
 * @example
 * ```ts
 * import { describeValue } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeValue("100"), "'100' (a string)");
 * assert.equal(describeValue(1.5), "1.5");
 * assert.equal(describeValue({}), "an object");
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `'${value}' (a string)`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return String(value);
}

/**
 * An integer option that must be ≥ `min`, counted in `unit` (named in the error message).
 *
 * @example
 * ```ts
 * import { integerOption } from "./options.ts";
 * import assert from "node:assert/strict";
 * const timeout = integerOption(-1, "ms");
 * assert.equal(timeout("receiveTimeout", 100), 100);
 * assert.throws(() => timeout("receiveTimeout", "100"), {
 *   code: "EINVAL",
 *   message: "option receiveTimeout: expected a whole number of ms ≥ -1, got '100' (a string)",
 * });
 * ```
 */
export function integerOption(min: number, unit?: string): OptionCheck<number> {
  const expected = unit ? `a whole number of ${unit} ≥ ${min}` : `an integer ≥ ${min}`;
  return (name, value) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected ${expected}, got ${describeValue(value)}`,
      );
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
    throw new WeftError(
      "EINVAL",
      `option ${name}: expected true or false, got ${describeValue(value)}`,
    );
  }
  return value;
};

/**
 * The option names a kind of socket (or app, or client) accepts, for refusing typos at run
 * time: plain JavaScript and untyped callers get no compile-time check.
 */
export interface OptionNames {
  /** Who owns the options, as the error says it: "a ZeroMQ option", "an SP option". */
  readonly owner: string;
  /** Every accepted name. */
  readonly known: ReadonlySet<string>;
  /** Other families' spellings and what they are called here (`recvTimeout` → `receiveTimeout`). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Whose spellings `aliases` holds, for the hint ("nng's name"). */
  readonly aliasesFrom?: string;
  /** Other likely mistakes and the name meant (`timeout` → `receiveTimeout`). */
  readonly guesses?: Readonly<Record<string, string>>;
}

/**
 * The `EINVAL` error for an option name that `names` does not know, naming the closest one.
 *
 * @example
 * ```ts
 * import { unknownOptionError } from "./options.ts";
 * import assert from "node:assert/strict";
 * const names = { owner: "a ZeroMQ option", known: new Set(["receiveTimeout", "linger"]) };
 * assert.equal(
 *   unknownOptionError("recieveTimeout", names).message,
 *   "`recieveTimeout` is not a ZeroMQ option; did you mean `receiveTimeout`?",
 * );
 * ```
 */
export function unknownOptionError(name: string, names: OptionNames): WeftError {
  const near = closestName(name, names.known, { ...names.guesses, ...names.aliases });
  const alias = names.aliases && Object.hasOwn(names.aliases, name) && names.aliasesFrom
    ? ` (\`${name}\` is ${names.aliasesFrom} name for it)`
    : "";
  const hint = near
    ? `did you mean \`${near}\`?${alias}`
    : `expected one of ${[...names.known].map((n) => `\`${n}\``).join(", ")}`;
  return new WeftError("EINVAL", `\`${name}\` is not ${names.owner}; ${hint}`);
}

/** Value checks by option name (names without one take any value). */
export type OptionChecks = Readonly<Record<string, OptionCheck<unknown>>>;

/**
 * Checks an options object in one pass: {@link unknownOptionError} for a name `names` does not
 * know, and each defined value against its rule in `checks`.
 *
 * @example
 * ```ts
 * import { checkOptions, integerOption } from "./options.ts";
 * import assert from "node:assert/strict";
 * const names = { owner: "a nano App option", known: new Set(["port", "host"]) };
 * const checks = { port: integerOption(0) };
 * checkOptions({ port: 3250, host: "127.0.0.1" }, names, checks);
 * assert.throws(() => checkOptions({ prot: 3250 }, names, checks), { message: /did you mean `port`/ });
 * assert.throws(() => checkOptions({ port: "3250" }, names, checks), { code: "EINVAL" });
 * ```
 */
export function checkOptions(given: object, names: OptionNames, checks: OptionChecks): void {
  for (const key in given) {
    if (!Object.hasOwn(given, key)) continue;
    if (!names.known.has(key)) throw unknownOptionError(key, names);
    const value = (given as Record<string, unknown>)[key];
    if (value !== undefined) checks[key]?.(key, value);
  }
}

/**
 * The `EINVAL` error for an argument given to a call that takes none (`receive({ timeout })`):
 * it names the socket option to set instead.
 *
 * @example
 * ```ts
 * import { noCallOptionsError } from "./options.ts";
 * import assert from "node:assert/strict";
 * const err = noCallOptionsError("receive()", { timeout: 100 }, "receiveTimeout");
 * assert.equal(err.code, "EINVAL");
 * assert.match(err.message, /receive\(\) takes no options.*`receiveTimeout`/);
 * ```
 */
export function noCallOptionsError(call: string, given: unknown, option: string): WeftError {
  const keys = given !== null && typeof given === "object" ? Object.keys(given) : [];
  const got = keys.length ? `{ ${keys.join(", ")} }` : describeValue(given);
  return new WeftError(
    "EINVAL",
    `${call} takes no options (got ${got}); did you mean the socket's \`${option}\` ` +
      `(set it in the constructor or as a property: \`socket.${option} = 100\`)?`,
  );
}

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
  sendHighWaterMark: integerOption(0, "messages"),
  receiveHighWaterMark: integerOption(0, "messages"),
  linger: integerOption(-1, "ms"),
  reconnectInterval: integerOption(-1, "ms"),
  reconnectMaxInterval: integerOption(0, "ms"),
  connectTimeout: integerOption(0, "ms"),
  sendTimeout: integerOption(-1, "ms"),
  receiveTimeout: integerOption(-1, "ms"),
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
    if (!rule) {
      const known = new Set(Object.keys(this.#rules));
      throw unknownOptionError(String(name), { owner: "an option of this socket", known });
    }
    return rule(String(name), value);
  }

  /** Checks a value and sets it. */
  set<K extends keyof R>(name: K, value: unknown): void {
    this.values[name] = this.check(name, value);
  }
}
