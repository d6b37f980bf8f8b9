/**
 * Socket errors that carry a POSIX `code` (Bun's sockets, `node:net` on either runtime) as
 * {@link WeftError}s.
 * @module
 */

import { type ErrorCode, WeftError } from "../core/errors.ts";

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
  // node:net's own names for a write to a socket already gone.
  ERR_SOCKET_CLOSED: "ECLOSED",
  ERR_STREAM_DESTROYED: "ECLOSED",
};

/**
 * Wraps an error with a POSIX `code` as a `WeftError` whose message names what was being done
 * and where (unknown codes become `EINVAL`).
 *
 * @example
 * ```ts
 * import { posixToWeftError } from "./posix_errors.ts";
 * import assert from "node:assert/strict";
 * const cause = Object.assign(new Error("Failed to listen"), { code: "EADDRINUSE" });
 * const err = posixToWeftError(cause, "bind to tcp://127.0.0.1:5555");
 * assert.equal(err.code, "EADDRINUSE");
 * assert.match(err.message, /127\.0\.0\.1:5555 failed: Failed to listen \(EADDRINUSE\)/);
 * ```
 */
export function posixToWeftError(error: unknown, doing: string): WeftError {
  if (error instanceof WeftError) return error;
  const posix = (error as { code?: unknown } | null)?.code;
  const code = (typeof posix === "string" ? CODES[posix] : undefined) ?? "EINVAL";
  const detail = error instanceof Error ? error.message : String(error);
  const suffix = typeof posix === "string" && !detail.includes(posix) ? ` (${posix})` : "";
  return new WeftError(code, `${doing} failed: ${detail}${suffix}`, { cause: error });
}
