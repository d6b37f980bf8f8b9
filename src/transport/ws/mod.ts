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
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * // On a shared port the first bytes tell an HTTP request (maybe an upgrade) from raw SP/ZMTP.
 * assert.equal(looksLikeHttp(new TextEncoder().encode("GET / HTTP/1.1\r\n")), true);
 * assert.equal(looksLikeHttp(new Uint8Array([0x00, 0x53, 0x50, 0x00])), false); // an SP header
 * // WebSocket over any byte transport (here in-process): a message in, the same message out.
 * const ws = new WsTransport(new InprocTransport(new InprocNamespace()));
 * const got = Promise.withResolvers<Uint8Array>();
 * const listener = await ws.listen(parseEndpoint("ws://ws-mod-doc:1/"), (s) => {
 *   s.start({ data: got.resolve, drain() {}, end() {} });
 * });
 * const client = await ws.dial(parseEndpoint("ws://ws-mod-doc:1/"));
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new Uint8Array([1, 2]));
 * assert.deepEqual([...await got.promise], [1, 2]);
 * client.close();
 * listener.close();
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
