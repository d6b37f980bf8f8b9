/**
 * Deno's runtime transports: `tcp://`, `ipc://` and `tls+tcp://`.
 * @module
 */

export { DenoTcpTransport } from "./tcp.ts";
export { DenoIpcTransport } from "./ipc.ts";
export { DenoTlsTransport } from "./tls.ts";
export { DenoStream } from "./stream.ts";

import type { TlsTransportOptions } from "../tls.ts";
import type { Transport } from "../types.ts";
import { DenoIpcTransport } from "./ipc.ts";
import { DenoTcpTransport } from "./tcp.ts";
import { DenoTlsTransport } from "./tls.ts";

/**
 * Deno's tcp, ipc and tls+tcp transports, ready for `createRegistry`. `tls` goes to the TLS
 * transport (server `cert` and `key` to listen; `caCerts` to trust for every dial).
 *
 * @example
 * ```ts
 * import { denoTransports } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(denoTransports().map((t) => t.scheme), ["tcp", "ipc", "tls+tcp"]);
 * ```
 */
export function denoTransports(options: { tls?: TlsTransportOptions } = {}): Transport[] {
  return [new DenoTcpTransport(), new DenoIpcTransport(), new DenoTlsTransport(options.tls)];
}
