/**
 * Building a {@link TransportRegistry}: the set of transports a socket may use.
 * @module
 */

import type { Transport, TransportRegistry } from "./types.ts";

/**
 * A registry over the given transports (later ones replace earlier ones of the same scheme).
 *
 * @example
 * ```ts
 * import { createRegistry, InprocNamespace, InprocTransport } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const registry = createRegistry([new InprocTransport(new InprocNamespace())]);
 * assert.equal(registry.get("inproc")?.scheme, "inproc");
 * assert.deepEqual(registry.schemes(), ["inproc"]);
 * ```
 */
export function createRegistry(transports: Iterable<Transport>): TransportRegistry {
  const map = new Map<string, Transport>();
  for (const t of transports) map.set(t.scheme, t);
  return {
    get: (scheme) => map.get(scheme),
    schemes: () => [...map.keys()],
  };
}
