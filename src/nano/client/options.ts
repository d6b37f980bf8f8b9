/**
 * Options of the nano client: {@link ClientOptions} for `connect`, {@link RequestOptions} for
 * one request, {@link ReconnectOptions} for the reconnect policy.
 * @module
 */

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
