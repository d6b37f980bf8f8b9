/**
 * Options of the nano client: {@link ClientOptions} for `connect`, {@link RequestOptions} for
 * one request, {@link ReconnectOptions} for the reconnect policy.
 * @module
 */

import { booleanOption, checkOptions, integerOption } from "../../core/options.ts";
import type { OptionChecks, OptionNames } from "../../core/options.ts";
import type { Connector } from "./connector.ts";

/**
 * Reconnect policy of {@link ClientOptions.reconnect}: delays double from `initialDelayMs` up to
 * `maxDelayMs`; after `maxAttempts` failed attempts in a row the client closes.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("echo.say", (_session, body: unknown) => body);
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`, {
 *   reconnect: { initialDelayMs: 100, maxDelayMs: 2000, maxAttempts: 5 }, // if the link drops
 * });
 * client.onReconnect((attempt) => console.log(`reconnected after ${attempt} attempt(s)`));
 * assert.deepEqual(await client.request("echo.say", "hi"), "hi");
 * client.close();
 * ```
 */
export interface ReconnectOptions {
  /** Delay before the first attempt (default 500 ms). */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts (default 10 000 ms). */
  readonly maxDelayMs?: number;
  /** Failed attempts in a row before giving up (default: no limit). */
  readonly maxAttempts?: number;
}

/**
 * Options of `connect`.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("auth.whoami", (session) => session.handshake?.user);
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`, {
 *   user: { token: "t-1" }, // sent in the handshake
 *   requestTimeoutMs: 5000,
 * });
 * assert.deepEqual(await client.request("auth.whoami"), { token: "t-1" });
 * client.close();
 * ```
 */
export interface ClientOptions {
  /** Opens the connection (default `websocketConnector`: ws:// and wss://). */
  readonly connector?: Connector;
  /** Extra handshake `sys` fields; `type` defaults to "js-websocket", `version` to weft's version. */
  readonly sys?: Readonly<Record<string, unknown>>;
  /** The handshake's `user` object (what a server-side handshake validator sees). */
  readonly user?: unknown;
  /** Default request timeout (default 30 000 ms; 0 waits forever). */
  readonly requestTimeoutMs?: number;
  /** Time allowed to open the connection and finish the handshake (default 10 000 ms; 0 = none). */
  readonly handshakeTimeoutMs?: number;
  /** Reconnect after a lost connection (not after close() or a kick). Default off. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** Largest accepted packet body (default 16 MiB − 1, the format's limit). */
  readonly maxBody?: number;
}

/**
 * Options of `Client.request`.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("slow.op", () => new Promise((r) => setTimeout(() => r("late"), 200)));
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * await assert.rejects(client.request("slow.op", {}, { timeoutMs: 20 }), { code: "ETIMEDOUT" });
 * client.close();
 * ```
 */
export interface RequestOptions {
  /** Reject with `ETIMEDOUT` after this many ms (default: the client's; 0 waits forever). */
  readonly timeoutMs?: number;
}

const ms = integerOption(0, "ms");

const RECONNECT_NAMES: OptionNames = {
  owner: "a reconnect option",
  known: new Set(Object.keys(
    { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 } satisfies Record<
      keyof ReconnectOptions,
      1
    >,
  )),
  guesses: { initialDelay: "initialDelayMs", maxDelay: "maxDelayMs", attempts: "maxAttempts" },
};
const RECONNECT_CHECKS: OptionChecks = {
  initialDelayMs: ms,
  maxDelayMs: ms,
  maxAttempts: (name, value) => value === Infinity ? value : integerOption(0)(name, value),
};

const CLIENT_NAMES: OptionNames = {
  owner: "a nano client option",
  known: new Set(Object.keys(
    {
      connector: 1,
      sys: 1,
      user: 1,
      requestTimeoutMs: 1,
      handshakeTimeoutMs: 1,
      reconnect: 1,
      maxBody: 1,
    } satisfies Record<keyof ClientOptions, 1>,
  )),
  guesses: {
    timeout: "requestTimeoutMs",
    timeoutMs: "requestTimeoutMs",
    requestTimeout: "requestTimeoutMs",
    handshakeTimeout: "handshakeTimeoutMs",
  },
};
const CLIENT_CHECKS: OptionChecks = {
  requestTimeoutMs: ms,
  handshakeTimeoutMs: ms,
  maxBody: integerOption(0, "bytes"),
  reconnect: (name, value) => {
    if (typeof value === "object" && value !== null) {
      checkOptions(value, RECONNECT_NAMES, RECONNECT_CHECKS);
      return value;
    }
    return booleanOption(name, value);
  },
};

const REQUEST_NAMES: OptionNames = {
  owner: "a request option",
  known: new Set(["timeoutMs"]),
  guesses: { timeout: "timeoutMs", requestTimeoutMs: "timeoutMs" },
};
const REQUEST_CHECKS: OptionChecks = { timeoutMs: ms };

/**
 * Checks `connect`'s options: `EINVAL` for an unknown name (naming the closest: "`timeout` is
 * not a nano client option; did you mean `requestTimeoutMs`?") or a value of the wrong type.
 *
 * @example
 * ```ts
 * import { checkClientOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * checkClientOptions({ requestTimeoutMs: 5000, reconnect: { maxAttempts: 3 } });
 * assert.throws(() => checkClientOptions({ requestTimeout: 5000 } as never), {
 *   code: "EINVAL",
 *   message: /did you mean `requestTimeoutMs`/,
 * });
 * ```
 */
export function checkClientOptions(options: ClientOptions): void {
  checkOptions(options, CLIENT_NAMES, CLIENT_CHECKS);
}

/**
 * Checks `Client.request`'s options, as {@link checkClientOptions} does.
 *
 * @example
 * ```ts
 * import { checkRequestOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * checkRequestOptions({ timeoutMs: 100 });
 * assert.throws(() => checkRequestOptions({ timeout: 100 } as never), /did you mean `timeoutMs`/);
 * ```
 */
export function checkRequestOptions(options: RequestOptions): void {
  checkOptions(options, REQUEST_NAMES, REQUEST_CHECKS);
}
