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
 * import type { ReconnectOptions } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const policy: ReconnectOptions = { initialDelayMs: 100, maxAttempts: 5 };
 * assert.equal(policy.maxDelayMs, undefined); // 10 s by default
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
 * import type { ClientOptions } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const options: ClientOptions = { requestTimeoutMs: 5000, reconnect: true };
 * assert.equal(options.reconnect, true);
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
 * import type { RequestOptions } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * assert.equal(({ timeoutMs: 100 } satisfies RequestOptions).timeoutMs, 100);
 * ```
 */
export interface RequestOptions {
  /** Reject with `ETIMEDOUT` after this many ms (default: the client's; 0 waits forever). */
  readonly timeoutMs?: number;
}
