/**
 * Mapping Deno's I/O errors to {@link WeftError} codes, with messages that name the endpoint.
 * @module
 */

import { type ErrorCode, WeftError } from "../../core/errors.ts";
import { failureMessage } from "../posix_errors.ts";

/**
 * Wraps a Deno error as a `WeftError` whose message names what was being done and where.
 *
 * @example
 * ```ts
 * import { toWeftError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const err = toWeftError(new Deno.errors.ConnectionRefused("refused"), "connect to tcp://h:1");
 * assert.equal(err.code, "ECONNREFUSED");
 * assert.match(err.message, /tcp:\/\/h:1/);
 * ```
 */
export function toWeftError(error: unknown, doing: string): WeftError {
  if (error instanceof WeftError) return error;
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new WeftError(code, failureMessage(doing, code, detail), { cause: error });
}

function codeOf(error: unknown): ErrorCode {
  const e = Deno.errors;
  if (error instanceof e.ConnectionRefused) return "ECONNREFUSED";
  // A unix socket path with nothing behind it is "nothing listening", as for tcp.
  if (error instanceof e.NotFound) return "ECONNREFUSED";
  if (error instanceof e.AddrInUse) return "EADDRINUSE";
  if (error instanceof e.TimedOut) return "ETIMEDOUT";
  if (
    error instanceof e.ConnectionReset || error instanceof e.BrokenPipe ||
    error instanceof e.ConnectionAborted || error instanceof e.BadResource ||
    error instanceof e.NotConnected || error instanceof e.UnexpectedEof
  ) return "ECLOSED";
  return "EINVAL";
}

/** True for the errors a read or accept raises because the resource was closed locally. */
export function isClosedLocally(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}
