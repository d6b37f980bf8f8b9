/**
 * Typed errors. Every error weft raises is a {@link WeftError} with a stable `code`
 * (POSIX/nng-style names) and a message that says what was expected and what came.
 * @module
 */

/** The error codes weft uses, as an `as const` object (no enums). */
export const ErrorCode = {
  /** A protocol rule was broken by the peer (bad bytes, wrong state). */
  EPROTO: "EPROTO",
  /** A message or frame is larger than the configured maximum. */
  EMSGSIZE: "EMSGSIZE",
  /** An operation did not complete in time. */
  ETIMEDOUT: "ETIMEDOUT",
  /** The socket or connection is closed. */
  ECLOSED: "ECLOSED",
  /** The operation is not valid in the current state (e.g. REQ receive before send). */
  ESTATE: "ESTATE",
  /** No route to the addressed peer (ROUTER with `routerMandatory`). */
  EHOSTUNREACH: "EHOSTUNREACH",
  /** An argument or option is invalid. */
  EINVAL: "EINVAL",
  /** The endpoint's transport is not known to the socket's transport registry. */
  ENOTSUP: "ENOTSUP",
  /** The address is already in use. */
  EADDRINUSE: "EADDRINUSE",
  /** The peer refused the connection. */
  ECONNREFUSED: "ECONNREFUSED",
  /** The operation was cancelled by a later one (nng: a new request cancels the pending one). */
  ECANCELED: "ECANCELED",
  /** A queue is full and the operation would block. */
  EAGAIN: "EAGAIN",
  /** Authentication refused (a ZMTP PLAIN/CURVE login the authenticator turned down). */
  EACCES: "EACCES",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/**
 * The base class of every error weft raises.
 *
 * @example
 * ```ts
 * import { Push, WeftError } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using push = new Push();
 * const err = await push.bind("tcp://127.0.0.1:70000").catch((e) => e); // no such port
 * assert.ok(err instanceof WeftError);
 * assert.equal(err.code, "EINVAL"); // branch on the code, not the message
 * ```
 */
export class WeftError extends Error {
  /** The stable error code, for programs to branch on. */
  readonly code: ErrorCode;

  /** Builds an error with a code and a message that says what was expected. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WeftError";
    this.code = code;
  }
}
