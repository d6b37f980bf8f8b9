/**
 * Deno's runtime transports: `tcp://` and `ipc://`.
 * @module
 */

export { DenoTcpTransport } from "./tcp.ts";
export { DenoIpcTransport } from "./ipc.ts";
export { DenoStream } from "./stream.ts";

import type { Transport } from "../types.ts";
import { DenoIpcTransport } from "./ipc.ts";
import { DenoTcpTransport } from "./tcp.ts";

/**
 * Deno's tcp and ipc transports, ready for `createRegistry`.
 *
 * @example
 * ```ts
 * import { denoTransports } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(denoTransports().map((t) => t.scheme), ["tcp", "ipc"]);
 * ```
 */
export function denoTransports(): Transport[] {
  return [new DenoTcpTransport(), new DenoIpcTransport()];
}
