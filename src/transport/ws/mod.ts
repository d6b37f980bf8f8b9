/**
 * The WebSocket transport (`ws://`) and its building blocks, for serving raw TCP, WebSocket
 * and plain HTTP on one port: peek at the first bytes ({@link PeekStream}, {@link looksLikeHttp}),
 * then upgrade ({@link upgradeServerStream}) or answer the request yourself (`onRequest`) — or
 * let {@link frontDoor} do all of it.
 *
 * @example
 * ```ts
 * import { looksLikeHttp, WsTransport } from "./mod.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new WsTransport(new InprocTransport(new InprocNamespace())).scheme, "ws");
 * assert.equal(looksLikeHttp(new TextEncoder().encode("GET /")), true);
 * ```
 * @module
 */

export { WsTransport, type WsTransportOptions } from "./transport.ts";
export {
  type ClientUpgradeOptions,
  type ServerUpgradeOptions,
  upgradeClientStream,
  upgradeServerStream,
  type WsRoute,
} from "./upgrade.ts";
export {
  DEFAULT_FRAGMENT_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  WsStream,
  type WsStreamOptions,
} from "./stream.ts";
export { PeekStream } from "./peek.ts";
export { PreparedMessage, serverFrame } from "./prepared.ts";
export { frontDoor } from "./front_door.ts";
export {
  formatResponse,
  type HttpRequestHead,
  type HttpResponseHead,
  looksLikeHttp,
  MAX_HEAD_BYTES,
} from "./http.ts";
export { CloseCode, Opcode } from "./frame.ts";
