/**
 * The default transports for the running runtime, chosen once: tcp and ipc from `deno/` or
 * `bun/` (feature-detected), plus inproc. On any other runtime, inproc only.
 * @module
 */

import { bunTransports } from "./bun/mod.ts";
import { denoTransports } from "./deno/mod.ts";
import { type InprocNamespace, InprocTransport } from "./inproc/inproc.ts";
import { createRegistry } from "./registry.ts";
import type { Transport, TransportRegistry } from "./types.ts";

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
 * ```
 */
export function defaultTransports(namespace: InprocNamespace): TransportRegistry {
  const runtime: Transport[] = "Bun" in globalThis
    ? bunTransports()
    : "Deno" in globalThis
    ? denoTransports()
    : [];
  return createRegistry([...runtime, new InprocTransport(namespace)]);
}
