/**
 * `node:net` errors (`error.code` is the errno name) as {@link WeftError}s.
 * @module
 */

import { type ErrorCode, WeftError } from "../../core/errors.ts";

const CODES: Record<string, ErrorCode> = {
  ECONNREFUSED: "ECONNREFUSED",
  ENOENT: "ECONNREFUSED", // nothing behind the address: "nothing listening", as for tcp
  EADDRINUSE: "EADDRINUSE",
  ETIMEDOUT: "ETIMEDOUT",
  ECONNRESET: "ECLOSED",
  EPIPE: "ECLOSED",
  ECONNABORTED: "ECLOSED",
  ENOTCONN: "ECLOSED",
  ERR_SOCKET_CLOSED: "ECLOSED",
  ERR_STREAM_DESTROYED: "ECLOSED",
};

/**
 * Wraps a `node:net` error as a {@link WeftError} whose message says what was being done.
 *
 * @example
 * ```ts
 * import { toWeftError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * const e = toWeftError(refused, "connect to tcp://127.0.0.1:9");
 * assert.equal(e.code, "ECONNREFUSED");
 * assert.match(e.message, /connect to tcp:\/\/127\.0\.0\.1:9 failed/);
 * ```
 */
export function toWeftError(error: unknown, doing: string): WeftError {
  if (error instanceof WeftError) return error;
  const name = (error as { code?: unknown } | null)?.code;
  const code = typeof name === "string" ? CODES[name] ?? "EINVAL" : "EINVAL";
  const detail = error instanceof Error ? error.message : String(error);
  return new WeftError(code, `${doing} failed: ${detail}`, { cause: error });
}
