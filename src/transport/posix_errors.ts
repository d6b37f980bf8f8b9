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

/** Plain wording for the failures people meet most, the same on every runtime. */
const PLAIN: Readonly<Partial<Record<ErrorCode, string>>> = {
  EADDRINUSE: "address already in use",
  ECONNREFUSED: "connection refused",
};

/**
 * The message of a failed socket operation: what was being done and where (said once), what
 * went wrong (in plain words for the common codes, else the runtime's), and the code once.
 *
 * @example
 * ```ts
 * import { failureMessage } from "./posix_errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   failureMessage("bind to tcp://127.0.0.1:5555", "EADDRINUSE", "Failed to listen at 127.0.0.1"),
 *   "bind to tcp://127.0.0.1:5555 failed: address already in use (EADDRINUSE)",
 * );
 * ```
 */
export function failureMessage(doing: string, code: ErrorCode, detail: string): string {
  const what = PLAIN[code] ?? detail;
  return what.includes(`(${code})`)
    ? `${doing} failed: ${what}`
    : `${doing} failed: ${what} (${code})`;
}

/**
 * Wraps an error with a POSIX `code` as a `WeftError` whose message names what was being done
 * and where (unknown codes become `EINVAL`, and the message keeps the POSIX one).
 *
 * @example
 * ```ts
 * import { posixToWeftError } from "./posix_errors.ts";
 * import assert from "node:assert/strict";
 * const cause = Object.assign(new Error("Failed to listen at 127.0.0.1"), { code: "EADDRINUSE" });
 * const err = posixToWeftError(cause, "bind to tcp://127.0.0.1:5555");
 * assert.equal(err.code, "EADDRINUSE");
 * assert.equal(err.message, "bind to tcp://127.0.0.1:5555 failed: address already in use (EADDRINUSE)");
 * ```
 */
export function posixToWeftError(error: unknown, doing: string): WeftError {
  if (error instanceof WeftError) return error;
  const posix = (error as { code?: unknown } | null)?.code;
  const code = (typeof posix === "string" ? CODES[posix] : undefined) ?? "EINVAL";
  let detail = error instanceof Error ? error.message : String(error);
  if (typeof posix === "string" && posix !== code && !detail.includes(posix)) {
    detail += ` (${posix})`;
  }
  return new WeftError(code, failureMessage(doing, code, detail), { cause: error });
}
