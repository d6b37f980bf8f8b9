/**
 * tcp through `node:net` (Deno and Bun both implement it): {@link NodeNetTcpTransport} and its
 * {@link NodeNetStream}.
 * @module
 */

export { NodeNetTcpTransport } from "./tcp.ts";
export { NodeNetStream } from "./stream.ts";
