/**
 * Mapping Bun's socket errors (POSIX `code`s) to {@link WeftError} codes.
 * @module
 */

import { type ErrorCode, WeftError } from "../../core/errors.ts";

const CODES: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: "ECONNREFUSED",
  // A unix socket path with nothing behind it is "nothing listening", as for tcp.
  ENOENT: "ECONNREFUSED",
  EADDRINUSE: "EADDRINUSE",
  ETIMEDOUT: "ETIMEDOUT",
  ECONNRESET: "ECLOSED",
  EPIPE: "ECLOSED",
  ECONNABORTED: "ECLOSED",
  ENOTCONN: "ECLOSED",
};

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
export function toWeftError(error: unknown, doing: string): WeftError {
  if (error instanceof WeftError) return error;
  const posix = (error as { code?: unknown } | null)?.code;
  const code = (typeof posix === "string" ? CODES[posix] : undefined) ?? "EINVAL";
  const detail = error instanceof Error ? error.message : String(error);
  const suffix = typeof posix === "string" ? ` (${posix})` : "";
  return new WeftError(code, `${doing} failed: ${detail}${suffix}`, { cause: error });
}
