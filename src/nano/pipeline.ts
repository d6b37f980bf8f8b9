/**
 * Middleware chains around message handling, in the koa/Hono style: each middleware gets the
 * context and `next`, may inspect or change the context before and after `await next()`, may
 * skip `next` (the message goes no further) or throw (the message is rejected).
 * @module
 */

import type { Session } from "./session.ts";

/**
 * A middleware of contexts `C`.
 *
 * @example
 * ```ts
 * import type { Middleware } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const log: string[] = [];
 * const mw: Middleware<{ route: string }> = async (ctx, next) => {
 *   log.push(ctx.route);
 *   await next();
 * };
 * await mw({ route: "a.b" }, async () => {});
 * assert.deepEqual(log, ["a.b"]);
 * ```
 */
export type Middleware<C> = (ctx: C, next: () => Promise<void>) => void | Promise<void>;

/**
 * Composes middlewares around `last` into one function. Calling `next()` twice in one
 * middleware rejects.
 *
 * @example
 * ```ts
 * import { compose } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const order: string[] = [];
 * const run = compose<{ n: number }>([
 *   async (ctx, next) => { order.push("a>"); ctx.n++; await next(); order.push("<a"); },
 *   async (ctx, next) => { order.push("b>"); ctx.n *= 10; await next(); order.push("<b"); },
 * ], (ctx) => { order.push(`last ${ctx.n}`); });
 * await run({ n: 1 });
 * assert.deepEqual(order, ["a>", "b>", "last 20", "<b", "<a"]);
 * ```
 */
export function compose<C>(
  middlewares: readonly Middleware<C>[],
  last: (ctx: C) => void | Promise<void>,
): (ctx: C) => Promise<void> {
  return (ctx) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error("next() called more than once"));
      index = i;
      try {
        const fn = i < middlewares.length ? middlewares[i]! : undefined;
        const r = fn ? fn(ctx, () => dispatch(i + 1)) : last(ctx);
        return Promise.resolve(r);
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return dispatch(0);
  };
}

/**
 * What inbound middleware sees: a client request or notify before (and, after `await next()`,
 * after) its handler ran. Change `body` before `next()` to transform the raw bytes (e.g.
 * decrypt), `route` to re-route; read or replace `response` after `next()`. Throwing rejects
 * the message (a request gets an error response built from the error); not calling `next()`
 * skips the handler (a request then gets `response` if one was set, else a 403 error).
 *
 * @example
 * ```ts
 * import { App, HandlerError, type InboundContext, type Middleware } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const onlyBound: Middleware<InboundContext> = async (ctx, next) => {
 *   if (ctx.session.uid === undefined && ctx.route !== "auth.login") {
 *     throw new HandlerError(401, "log in first");
 *   }
 *   await next();
 * };
 * await using app = new App({ port: 0, host: "127.0.0.1" }).inbound(onlyBound);
 * app.handle("auth.login", (session, p: { name: string }) => (session.bind(p.name), {}));
 * app.handle("room.list", () => ["lobby"]);
 * const client = await connect(`ws://127.0.0.1:${(await app.listen()).port}/`);
 * await assert.rejects(client.request("room.list", {}), { code: 401, message: /log in first/ });
 * await client.request("auth.login", { name: "ann" });
 * assert.deepEqual(await client.request("room.list", {}), ["lobby"]);
 * client.close();
 * ```
 */
export interface InboundContext {
  /** The sender. */
  readonly session: Session;
  /** "request" (answered) or "notify" (not answered). */
  readonly type: "request" | "notify";
  /** The request id (0 for a notify). */
  readonly id: number;
  /** The route; middleware may change it before `next()`. */
  route: string;
  /** The raw body; middleware may replace it before `next()`. */
  body: Uint8Array;
  /** The decoded payload, set just before the handler runs. */
  data: unknown;
  /** The handler's response, set after `next()` (requests). */
  response: unknown;
}

/**
 * What outbound middleware sees: a response or push on its way out. `data` is the payload;
 * `body` is undefined before `next()` and holds the serialized bytes after it (replace them
 * to transform, e.g. encrypt). Not calling `next()` drops the message; throwing drops it and
 * logs the error.
 *
 * @example
 * ```ts
 * import { App, type Middleware, type OutboundContext } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const stamp: Middleware<OutboundContext> = async (ctx, next) => {
 *   if (ctx.type === "push") ctx.data = { ...(ctx.data as object), at: 1 };
 *   await next();
 * };
 * await using app = new App({ port: 0, host: "127.0.0.1" }).outbound(stamp);
 * app.handle("room.hi", (session) => (session.push("onHi", { text: "hi" }), {}));
 * const client = await connect(`ws://127.0.0.1:${(await app.listen()).port}/`);
 * const pushed = new Promise((resolve) => client.on("onHi", resolve));
 * await client.request("room.hi", {});
 * assert.deepEqual(await pushed, { text: "hi", at: 1 });
 * client.close();
 * ```
 */
export interface OutboundContext {
  /** The receiver. */
  readonly session: Session;
  /** "response" or "push". */
  readonly type: "response" | "push";
  /** The request id a response answers (0 for a push). */
  readonly id: number;
  /** The push route, or the route of the request a response answers. */
  readonly route: string;
  /** The payload (an `ErrorBody` when `error`). */
  data: unknown;
  /** The body bytes: set by the serializer inside `next()`. */
  body: Uint8Array | undefined;
  /** True for error responses (their body is always JSON). */
  readonly error: boolean;
}
