/**
 * The error of a request the server answered with an error response.
 * @module
 */

/**
 * A request the server answered with an error: a RESPONSE with flag bit 0x20 (weft/nano and
 * pitaya), whose body is usually `{code, message}`.
 *
 * @example
 * ```ts
 * import { ServerError } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const e = new ServerError("room.join", { code: 404, message: "no such route" });
 * assert.equal(e.code, 404);
 * assert.match(e.message, /room.join.*404.*no such route/);
 * ```
 */
export class ServerError extends Error {
  /** The body's `code` (a number for weft/nano: 400, 403, 404, 408, 500…), if any. */
  readonly code: unknown;
  /** The decoded error body. */
  readonly body: unknown;

  /** Builds the error from the route and the decoded body. */
  constructor(route: string, body: unknown) {
    const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    const detail = typeof b.message === "string" ? `: ${b.message}` : "";
    super(`request ${route}: the server answered with error ${String(b.code)}${detail}`);
    this.name = "ServerError";
    this.code = b.code;
    this.body = body;
  }
}
