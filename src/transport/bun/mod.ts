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
 * import { createRegistry } from "../registry.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const registry = createRegistry(bunTransports());
 *   assert.deepEqual(registry.schemes(), ["tcp", "ipc", "tls+tcp"]);
 *   const tcp = registry.get("tcp")!;
 *   const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => s.close());
 *   const client = await tcp.dial(parseEndpoint(listener.endpoint));
 *   client.start({ data() {}, drain() {}, end() {} });
 *   await client.closed; // the server closed it
 *   listener.close();
 * }
 * ```
 */
export function bunTransports(options: { tls?: TlsTransportOptions } = {}): Transport[] {
  return [new BunTcpTransport(), new BunIpcTransport(), new BunTlsTransport(options.tls)];
}
