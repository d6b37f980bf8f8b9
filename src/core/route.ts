/**
 * Which transport serves an endpoint URL: the one lookup bind and connect share.
 * @module
 */

import { parseEndpoint } from "./endpoint.ts";
import type { Endpoint } from "./endpoint.ts";
import { WeftError } from "./errors.ts";
import type { Transport, TransportRegistry } from "../transport/types.ts";

/** An endpoint URL parsed, with the transport for its scheme. */
export interface Route {
  /** The parsed endpoint. */
  readonly endpoint: Endpoint;
  /** The transport for its scheme. */
  readonly transport: Transport;
}

/**
 * Parses `url` and finds its transport in `transports`; throws `ENOTSUP` naming the schemes
 * there are when none serves it (and `EINVAL` for a malformed URL).
 *
 * @example
 * ```ts
 * import { route } from "./route.ts";
 * import { createRegistry } from "../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * assert.equal(route(transports, "inproc://jobs").endpoint.scheme, "inproc");
 * assert.throws(() => route(transports, "tcp://127.0.0.1:5555"), { code: "ENOTSUP" });
 * ```
 */
export function route(transports: TransportRegistry, url: string): Route {
  const endpoint = parseEndpoint(url);
  const transport = transports.get(endpoint.scheme);
  if (!transport) {
    throw new WeftError(
      "ENOTSUP",
      `${url}: no transport for ${endpoint.scheme}:// (available: ${
        transports.schemes().join(", ")
      })`,
    );
  }
  return { endpoint, transport };
}
