/**
 * `weft/nano/client`: a pomelo/nano client for browsers, Deno and Bun. It speaks the pomelo
 * wire protocol (handshake with route dictionary, heartbeats, requests, notifies, pushes, kick)
 * over WebSocket by default; pass a `connector` to use another byte stream (weft/nano's
 * `tcpConnector` for raw TCP on Deno and Bun). Browser-safe: no runtime APIs, bundles into one
 * ES module (`node tools/build_client.mjs` → dist/weft-nano-client.js).
 *
 * @example
 * ```ts
 * import { connect, WeftError } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * // Nothing listens on port 1: connect() rejects with a typed error.
 * const err = await connect("ws://127.0.0.1:1/", { handshakeTimeoutMs: 2000 }).catch((e) => e);
 * assert.ok(err instanceof WeftError);
 * ```
 * @module
 */

export {
  Client,
  type ClientState,
  connect,
  type HandshakeInfo,
  type PushHandler,
} from "./nano/client/client.ts";
export type { ClientOptions, ReconnectOptions, RequestOptions } from "./nano/client/options.ts";
export { ServerError } from "./nano/client/server_error.ts";
export {
  type ClientConnection,
  type ConnectionEvents,
  type Connector,
  websocketConnector,
} from "./nano/client/connector.ts";
export { ErrorCode, WeftError } from "./core/errors.ts";
