/**
 * `weft/nano`: a lonng/nano-style real-time server speaking the pomelo protocol, for Deno and
 * Bun. Components with handlers at `<component>.<method>`, sessions, groups with encode-once
 * broadcast, inbound/outbound middleware, JSON or protobuf bodies, timers, graceful shutdown;
 * raw TCP, WebSocket and plain HTTP on one port. Stock pomelo/nano clients work unchanged.
 *
 * Wire conventions clients should know:
 * - handshake answer `{"code":200,"sys":{"heartbeat":<s>,"servertime":<unix s>,"dict":{...},
 *   "serializer":"json"|"protobuf"},"user":{...}}` (`dict` only with a dictionary, `user`
 *   only from `onHandshake`); `{"code":500}` / `{"code":501}` then close;
 * - the server sends a heartbeat on HANDSHAKE_ACK and every `heartbeatInterval`; any packet
 *   from the client counts as life; silence for twice the interval closes the session;
 * - error responses: RESPONSE with flag bit 0x20 and a JSON body `{"code":n,"message":"..."}`
 *   (404 unknown route, 400 bad body, 403 rejected by middleware, 408 handler timeout,
 *   500 handler threw, or a `HandlerError`'s own code);
 * - KICK carries `{"reason":"..."}` (e.g. "server shutdown", "outbound queue overflow").
 *
 * @example
 * ```ts
 * import { App, type Session } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 *
 * class Room {
 *   #app!: App;
 *   init(app: App) {
 *     this.#app = app; // lifecycle hooks get the app
 *   }
 *   // request "room.join": the return value is the response
 *   join(session: Session, payload: { name: string }) {
 *     session.bind(payload.name);
 *     this.#app.group("lobby").add(session);
 *     return { ok: true };
 *   }
 * }
 * const app = new App({ port: 0, host: "127.0.0.1" });
 * app.register(new Room(), { name: "room" });
 * const { port } = await app.listen();
 * assert.ok(port > 0);
 * assert.deepEqual(app.routes(), ["room.join"]);
 * await app.close();
 * ```
 * @module
 */

import { App as BaseApp, type AppOptions } from "./nano/app.ts";
import { defaultTransports } from "./transport/default.ts";
import { InprocNamespace } from "./transport/inproc/inproc.ts";
import { frontDoor } from "./transport/ws/front_door.ts";

export type {
  App as BaseApp,
  AppOptions,
  CloseOptions,
  Component,
  ListenAddress,
} from "./nano/app.ts";
export * from "./runtime.ts";
export { PreparedMessage } from "./transport/ws/prepared.ts";
export { componentRoutes, type RegisterOptions } from "./nano/component.ts";
export type {
  Cluster,
  ClusterOptions,
  NodeInfo,
  RouteContext,
  RpcOptions,
  SessionEvent,
} from "./nano/cluster/options.ts";
export type { Handler, Logger } from "./nano/types.ts";
export { ErrorCode, WeftError } from "./core/errors.ts";
export { type ErrorBody, errorBody, HandlerError, ResponseCode } from "./nano/errors.ts";
export type { HttpHandler, HttpRequest, HttpResponse } from "./transport/types.ts";
export { Group } from "./nano/group.ts";
export {
  compose,
  type InboundContext,
  type Middleware,
  type OutboundContext,
} from "./nano/pipeline.ts";
export {
  type BodyKind,
  jsonSerializer,
  protobufSerializer,
  type ProtobufSerializerOptions,
  type RouteSchema,
  type Serializer,
} from "./nano/serializer.ts";
export { Session, type SessionLink, type Uid } from "./nano/session.ts";
export { type Clock, ManualClock, systemClock, type Timer, Timers } from "./nano/timers.ts";
export { type ClientHandshake, HandshakeCode } from "./protocol/pomelo/handshake.ts";
export {
  MessageType,
  type PomeloMessage,
  RouteDictionary,
  type RouteDictionaryOptions,
  type RouteTable,
} from "./codec/pomelo.ts";
export {
  PomeloServerSession,
  type PomeloSessionEvents,
  type PomeloSessionOptions,
  SessionState,
} from "./protocol/pomelo/session.ts";

/** Options of the {@link App} from this entry: the framework's, plus TLS credentials. */
export interface NanoAppOptions extends AppOptions {
  /**
   * Serve TLS on the one port (raw pomelo over TLS, wss, https): PEM certificate and key. With
   * it the app listens on `tls+tcp` instead of `tcp`. Ignored when `transports` is given.
   */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/**
 * The nano server with the runtime's transports wired in (tcp on Deno or Bun — on Deno through
 * `node:net`, whose writes are synchronous — or TLS when `tls` is given) and the WebSocket
 * transport's front door (raw pomelo, WebSocket and plain HTTP on one port): see
 * `src/nano/app.ts` for everything it does. Pass `transports` to use your own registry.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1", heartbeatInterval: 10_000 });
 * app.handle("echo.say", (_session, payload: unknown) => payload);
 * const address = await app.listen();
 * assert.match(address.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
 * ```
 */
export class App extends BaseApp {
  /** See {@link NanoAppOptions}; `transports` defaults to the runtime's. */
  constructor(options: NanoAppOptions = {}) {
    const { tls, ...rest } = options;
    if (options.transports) {
      super(rest, frontDoor);
      return;
    }
    // On Deno, node:net's synchronous writes halve what a broadcast costs per session.
    const transports = defaultTransports(
      new InprocNamespace(),
      tls ? { tls, denoTcp: "node:net" } : { denoTcp: "node:net" },
    );
    super(tls ? { scheme: "tls+tcp", ...rest, transports } : { ...rest, transports }, frontDoor);
  }
}
