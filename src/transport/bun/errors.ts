/**
 * Bun's socket errors carry POSIX `code`s: {@link toWeftError} maps them to WeftError codes.
 * @module
 */

export {
  /**
   * Wraps a Bun error as a `WeftError` whose message names what was being done and where.
   *
   * @example
   * ```ts
   * import { toWeftError } from "./errors.ts";
   * import assert from "node:assert/strict";
   * const cause = Object.assign(new Error("Failed to listen"), { code: "EADDRINUSE" });
   * const err = toWeftError(cause, "bind to tcp://127.0.0.1:5555");
   * assert.equal(err.code, "EADDRINUSE");
   * assert.match(err.message, /127\.0\.0\.1:5555/);
   * ```
   */
  posixToWeftError as toWeftError,
} from "../posix_errors.ts";
