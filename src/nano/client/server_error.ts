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
 * import { App, HandlerError } from "@weft/weft/nano";
 * import { connect, ServerError } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("room.join", () => {
 *   throw new HandlerError(409, "room is full");
 * });
 * const client = await connect(`ws://127.0.0.1:${(await app.listen()).port}/`);
 * const e = await client.request("room.join", {}).catch((e) => e);
 * assert.ok(e instanceof ServerError);
 * assert.equal(e.code, 409);
 * assert.deepEqual(e.body, { code: 409, message: "room is full" });
 * client.close();
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
