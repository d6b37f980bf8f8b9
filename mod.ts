/**
 * weft: ZeroMQ (ZMTP 3.1), nanomsg/nng Scalability Protocols and pomelo/nano messaging for
 * Deno and Bun, sharing one hot path compiled from AssemblyScript to WebAssembly.
 *
 * @example
 * ```ts
 * import { WeftError } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new WeftError("EINVAL", "expected a port").code, "EINVAL");
 * ```
 * @module
 */

export { ErrorCode, WeftError } from "./src/core/errors.ts";
