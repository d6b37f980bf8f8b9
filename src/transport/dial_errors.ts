/**
 * The errors every runtime transport's `dial` gives alike: an endpoint it cannot connect to
 * (a wildcard host or port), and a connect that missed its deadline.
 * @module
 */

import type { Endpoint } from "../core/endpoint.ts";
import { WeftError } from "../core/errors.ts";

/**
 * The EINVAL error for dialing `endpoint` when it names no single host and port (`*` or port
 * 0, which only a listener can use), or undefined when it can be dialed.
 *
 * @example
 * ```ts
 * import { undialable } from "./dial_errors.ts";
 * import { parseEndpoint } from "../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(undialable(parseEndpoint("tcp://*:5555"))?.code, "EINVAL");
 * assert.equal(undialable(parseEndpoint("tcp://127.0.0.1:5555")), undefined);
 * ```
 */
export function undialable(endpoint: Endpoint): WeftError | undefined {
  if (endpoint.port !== 0 && endpoint.host !== "*") return undefined;
  return new WeftError("EINVAL", `expected a host and port to connect to, got ${endpoint.url}`);
}

/**
 * The ETIMEDOUT error for a connect to `url` that did not complete within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { connectTimeoutError } from "./dial_errors.ts";
 * import assert from "node:assert/strict";
 * const error = connectTimeoutError("tcp://127.0.0.1:5555", 250);
 * assert.equal(error.code, "ETIMEDOUT");
 * assert.match(error.message, /within 250 ms/);
 * ```
 */
export function connectTimeoutError(url: string, timeoutMs: number, cause?: unknown): WeftError {
  const message = `connect to ${url} did not complete within ${timeoutMs} ms`;
  return cause === undefined
    ? new WeftError("ETIMEDOUT", message)
    : new WeftError("ETIMEDOUT", message, { cause });
}
