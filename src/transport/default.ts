/**
 * The default transports for the running runtime, chosen once: tcp and ipc from `deno/` or
 * `bun/` (feature-detected), ws over that tcp, plus inproc. On any other runtime, inproc only.
 * @module
 */

import { bunTransports } from "./bun/mod.ts";
import { denoTransports } from "./deno/mod.ts";
import { type InprocNamespace, InprocTransport } from "./inproc/inproc.ts";
import { createRegistry } from "./registry.ts";
import type { Transport, TransportRegistry } from "./types.ts";
import { WsTransport } from "./ws/transport.ts";

/**
 * A registry with the runtime's tcp and ipc transports and inproc over `namespace`.
 *
 * @example
 * ```ts
 * import { defaultTransports } from "./default.ts";
 * import { InprocNamespace } from "./inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const registry = defaultTransports(new InprocNamespace());
 * assert.ok(registry.get("inproc"));
 * assert.equal(registry.get("tcp")?.scheme, "tcp"); // on Deno or Bun
 * assert.equal(registry.get("ws")?.scheme, "ws");
 * ```
 */
export function defaultTransports(namespace: InprocNamespace): TransportRegistry {
  const runtime: Transport[] = "Bun" in globalThis
    ? bunTransports()
    : "Deno" in globalThis
    ? denoTransports()
    : [];
  const tcp = runtime.find((t) => t.scheme === "tcp");
  const ws = tcp ? [new WsTransport(tcp)] : [];
  return createRegistry([...runtime, ...ws, new InprocTransport(namespace)]);
}
