/**
 * Errors a handler (or inbound middleware) throws on purpose, and the error response a client
 * reads: a RESPONSE whose flag byte has bit 0x20 set (pitaya's error bit; pomelo clients ignore
 * it) and whose body is always JSON `{"code": <number>, "message": "<text>"}` (pomelo's
 * `{code: 500}` convention), whatever the app's serializer.
 * @module
 */

/**
 * The codes the framework itself uses in error responses.
 *
 * @example
 * ```ts
 * import { App, ResponseCode } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * await assert.rejects(client.request("room.nope"), { code: ResponseCode.NOT_FOUND });
 * client.close();
 * ```
 */
export const ResponseCode = {
  /** The request body could not be decoded. */
  BAD_REQUEST: 400,
  /** An inbound middleware did not call `next()` and set no response. */
  REJECTED: 403,
  /** No handler at the route. */
  NOT_FOUND: 404,
  /** The handler did not finish within `handlerTimeout`. */
  TIMEOUT: 408,
  /** The handler threw (any error without a numeric `code`). */
  INTERNAL: 500,
  /** Clustered: no node serves the route's server type, or the node vanished. */
  BAD_GATEWAY: 502,
  /** The server is shutting down. */
  UNAVAILABLE: 503,
  /** Clustered: the node serving the route did not answer within `cluster.timeout`. */
  GATEWAY_TIMEOUT: 504,
} as const;

/**
 * The body of an error response.
 *
 * @example
 * ```ts
 * import { type ErrorBody, errorBody, HandlerError } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * // What an error response carries: a handler's HandlerError becomes this body.
 * const body: ErrorBody = errorBody(new HandlerError(409, "room is full"));
 * assert.deepEqual(body, { code: 409, message: "room is full" });
 * ```
 */
export interface ErrorBody {
  /** A status: {@link ResponseCode} or the code of a {@link HandlerError}. */
  readonly code: number;
  /** What went wrong, in words. */
  readonly message: string;
  /** Extra data from a {@link HandlerError}, when given. */
  readonly data?: unknown;
}

/**
 * Thrown by a handler to answer with a chosen code and message (and optional data).
 *
 * @example
 * ```ts
 * import { HandlerError } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const e = new HandlerError(409, "room is full", { capacity: 4 });
 * assert.equal(e.code, 409);
 * assert.deepEqual(e.toBody(), { code: 409, message: "room is full", data: { capacity: 4 } });
 * ```
 */
export class HandlerError extends Error {
  /** The code sent to the client. */
  readonly code: number;
  /** Extra data sent to the client. */
  readonly data: unknown;

  /** An error response with `code`, `message` and optional `data`. */
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "HandlerError";
    this.code = code;
    this.data = data;
  }

  /** The response body. */
  toBody(): ErrorBody {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * The error body for anything thrown: a {@link HandlerError} as it is, an error with a numeric
 * `code` keeps it, everything else is 500 with its message.
 *
 * @example
 * ```ts
 * import { errorBody } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * assert.deepEqual(errorBody(new Error("boom")), { code: 500, message: "boom" });
 * assert.deepEqual(errorBody("oops"), { code: 500, message: "oops" });
 * ```
 */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof HandlerError) return error.toBody();
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "number" ? code : 500, message: error.message };
  }
  return { code: 500, message: String(error) };
}
