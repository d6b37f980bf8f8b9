/**
 * Bun's runtime transports: `tcp://` and `ipc://`.
 * @module
 */

export { BunTcpTransport } from "./tcp.ts";
export { BunIpcTransport } from "./ipc.ts";
export { BunStream } from "./stream.ts";

import type { Transport } from "../types.ts";
import { BunIpcTransport } from "./ipc.ts";
import { BunTcpTransport } from "./tcp.ts";

/**
 * Bun's tcp and ipc transports, ready for `createRegistry`.
 *
 * @example
 * ```ts
 * import { bunTransports } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(bunTransports().map((t) => t.scheme), ["tcp", "ipc"]);
 * ```
 */
export function bunTransports(): Transport[] {
  return [new BunTcpTransport(), new BunIpcTransport()];
}
