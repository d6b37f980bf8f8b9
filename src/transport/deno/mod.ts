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
 * import { createRegistry } from "../registry.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const registry = createRegistry(denoTransports());
 * assert.deepEqual(registry.schemes(), ["tcp", "ipc", "tls+tcp"]);
 * const tcp = registry.get("tcp")!;
 * const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => s.close());
 * const client = await tcp.dial(parseEndpoint(listener.endpoint));
 * client.start({ data() {}, drain() {}, end() {} });
 * await client.closed; // the server closed it
 * listener.close();
 * await listener.closed;
 * ```
 */
export function denoTransports(options: { tls?: TlsTransportOptions } = {}): Transport[] {
  return [new DenoTcpTransport(), new DenoIpcTransport(), new DenoTlsTransport(options.tls)];
}
