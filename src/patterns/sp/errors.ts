/**
 * nng's error codes where the socket core's differ: a send or receive that timed out is
 * `ETIMEDOUT` in nng (the core, as libzmq, says `EAGAIN`).
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/**
 * The error as nng would report it (`EAGAIN` becomes `ETIMEDOUT`; the rest pass as they are).
 *
 * @example
 * ```ts
 * import { toNngError } from "./errors.ts";
 * import { WeftError } from "../../core/errors.ts";
 * import assert from "node:assert/strict";
 * const e = toNngError(new WeftError("EAGAIN", "recv: nothing within 10 ms"));
 * assert.equal((e as WeftError).code, "ETIMEDOUT");
 * ```
 */
export function toNngError(error: unknown): unknown {
  if (error instanceof WeftError && error.code === "EAGAIN") {
    return new WeftError("ETIMEDOUT", error.message, { cause: error });
  }
  return error;
}

/** Throws the error as nng would report it (a promise's rejection handler). */
export function nngError(error: unknown): never {
  throw toNngError(error);
}
