/**
 * Bun's runtime transports: `tcp://`, `ipc://` and `tls+tcp://`.
 * @module
 */

export { BunTcpTransport } from "./tcp.ts";
export { BunIpcTransport } from "./ipc.ts";
export { BunTlsTransport } from "./tls.ts";
export { BunStream } from "./stream.ts";

import type { TlsTransportOptions } from "../tls.ts";
import type { Transport } from "../types.ts";
import { BunIpcTransport } from "./ipc.ts";
import { BunTcpTransport } from "./tcp.ts";
import { BunTlsTransport } from "./tls.ts";

/**
 * Bun's tcp, ipc and tls+tcp transports, ready for `createRegistry`. `tls` goes to the TLS
 * transport (server `cert` and `key` to listen; `caCerts` to trust for every dial).
 *
 * @example
 * ```ts
 * import { bunTransports } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(bunTransports().map((t) => t.scheme), ["tcp", "ipc", "tls+tcp"]);
 * ```
 */
export function bunTransports(options: { tls?: TlsTransportOptions } = {}): Transport[] {
  return [new BunTcpTransport(), new BunIpcTransport(), new BunTlsTransport(options.tls)];
}
