/**
 * The nano-style server: components and their handlers, sessions, groups, pipeline, timers,
 * one port for raw TCP, WebSocket and plain HTTP (through the front door its entry file wires
 * in), graceful shutdown.
 * @module
 */

import { PomeloEncoder, RouteDictionary } from "../codec/pomelo.ts";
import { MessageType, PomeloLimits } from "../codec/pomelo_types.ts";
import { parseEndpoint } from "../core/endpoint.ts";
import { WeftError } from "../core/errors.ts";
import { LogThrottle } from "../core/log_throttle.ts";
import { booleanOption, checkOptions, integerOption } from "../core/options.ts";
import type { OptionChecks, OptionNames } from "../core/options.ts";
import type { ClientHandshake } from "../protocol/pomelo/handshake.ts";
import type {
  ByteStream,
  FrontDoor,
  HttpHandler,
  HttpRequest,
  StreamListener,
  TransportRegistry,
} from "../transport/types.ts";
import type { ClusterNode } from "./cluster/node.ts";
import {
  type Cluster,
  type ClusterOptions,
  type ClusterSettings,
  clusterSettings,
  type RpcOptions,
} from "./cluster/options.ts";
import { componentRoutes, type RegisterOptions } from "./component.ts";
import { Connection, type ConnectionHost, type ConnectionLimits } from "./connection.ts";
import { Group, type GroupHost } from "./group.ts";
import { PushMerger } from "./push_merge.ts";
import type { InboundContext, Middleware, OutboundContext } from "./pipeline.ts";
import { jsonSerializer, type Serializer } from "./serializer.ts";
import type { Session, Uid } from "./session.ts";
import { type Clock, systemClock, type Timer, Timers } from "./timers.ts";
import type { Handler, Logger } from "./types.ts";

/**
 * Options of {@link App}. Times are in milliseconds.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1", heartbeatInterval: 10_000 });
 * const { port } = await app.listen(); // port 0: a free one
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * assert.equal(client.handshake?.heartbeatMs, 10_000); // the handshake tells the client
 * client.close();
 * ```
 */
export interface AppOptions {
  /** TCP port for raw pomelo, WebSocket and HTTP alike (default 3250; 0 picks a free one). */
  readonly port?: number;
  /** Interface to bind (default "0.0.0.0"). */
  readonly host?: string;
  /**
   * Bind the port with SO_REUSEPORT so several App processes serve one port, the kernel
   * spreading new connections among them (default false). Linux; Bun and Deno (through
   * `node:net`, as `weft/nano` listens there) — see docs/cluster-running.md.
   */
  readonly reusePort?: boolean;
  /**
   * The transports `listen` may use (default: the runtime's, wired by the `weft/nano` entry).
   * The listening scheme is `scheme` (default "tcp"); `tls+tcp` (registered with server
   * credentials) gives raw pomelo over TLS and wss on the one port — `weft/nano`'s `App` does
   * this for you when given `tls: { cert, key }`.
   */
  readonly transports?: TransportRegistry;
  /** The listening transport scheme (default "tcp"). */
  readonly scheme?: string;
  /**
   * Server heartbeat interval in ms (default 30 000, as nano; 0 turns heartbeats off). The server
   * sends one per interval and answers each client heartbeat at once, as pomelo's does (stock
   * clients beat one interval after they hear one).
   */
  readonly heartbeatInterval?: number;
  /** Silence that closes a session (default twice the heartbeat interval). */
  readonly heartbeatTimeout?: number;
  /** Time from accept to a finished handshake (default 15 000). */
  readonly handshakeTimeout?: number;
  /** A request whose handler has not finished by then gets a 408 error (default 30 000; 0 = never). */
  readonly handlerTimeout?: number;
  /** Route compression: nano's `{ route: code }` map, or pomelo's route list (codes 1..N). */
  readonly dictionary?: Readonly<Record<string, number>> | readonly string[];
  /** Body serializer (default JSON). */
  readonly serializer?: Serializer;
  /** Largest inbound packet body (default 64 KiB as nano; at most 16 MiB − 1). */
  readonly maxBody?: number;
  /** Connections beyond this are closed on accept (default: no limit). */
  readonly maxConnections?: number;
  /** Accepts a WebSocket by its `Origin` header (default: all, as nano). */
  readonly checkOrigin?: (origin: string | undefined, request: HttpRequest) => boolean;
  /** Serve WebSocket only at this path (default: any path). */
  readonly wsPath?: string;
  /** Plain HTTP requests on the same port (e.g. static files); without it they get 400. */
  readonly http?: HttpHandler;
  /** Refuses clients by handshake `sys.type` / `sys.version` (answer 501). */
  readonly checkClient?: (type: unknown, version: unknown) => boolean;
  /** Sees each handshake: return data for the answer's `user`, or throw to refuse (500). */
  readonly onHandshake?: (handshake: ClientHandshake) => unknown;
  /**
   * Per-session outbound bytes queued while the transport is saturated (default 1 MiB, on top
   * of the transport's own 1 MiB). Beyond it — or beyond `maxOutboundMessages` — the client is
   * too slow: its queue is dropped, it gets KICK `{"reason":"outbound queue overflow"}` and
   * is closed.
   */
  readonly maxOutboundBytes?: number;
  /** Per-session outbound messages queued (default 16 384); see `maxOutboundBytes`. */
  readonly maxOutboundMessages?: number;
  /** Queued inbound messages per session before reading pauses (default 256). */
  readonly inboundQueueLimit?: number;
  /** How long a closing connection may take to deliver its last bytes (default 1000). */
  readonly closeLinger?: number;
  /** Time source for heartbeats, handler timeouts and timers (default: the system clock). */
  readonly clock?: Clock;
  /** How often `when` timers check their condition (default 100). */
  readonly timerPrecision?: number;
  /** Log sink (default `console`). */
  readonly logger?: Logger;
  /**
   * Rate limit of the lines a peer can cause (refused or closed connections, error answers…):
   * at most `lines` of each kind per `interval` ms, then one line counting the rest
   * (default 5 per 10 000). Lifecycle lines (component hooks, timers) are never limited.
   */
  readonly logLimit?: { readonly lines?: number; readonly interval?: number };
  /**
   * Run as one node of a cluster on NATS (docs/cluster.md): `start()`/`listen()` connect and
   * announce the node, `close()` leaves cleanly. Without it the app is a single process and
   * loads nothing of NATS.
   */
  readonly cluster?: ClusterOptions;
  /**
   * Merge the pushes one session gets within this many ms into one write (default 0: every
   * push is written at once). For WebSocket that is one message carrying several pomelo
   * packets, as pomelo's connector batches them: pomelo-jsclient-websocket, weft's client and
   * raw-TCP clients decode it; npm pomelo-client-websocket 1.0.13 reads only the first packet
   * of a message — leave this off for it. Responses are never delayed (they first release the
   * session's held pushes, so order is kept).
   */
  readonly mergePushes?: number;
}

/** The log kind of connections refused at `maxConnections`. */
const REFUSED = "refused connections";

/** Every {@link AppOptions} name (`satisfies` keeps the list complete), to refuse typos. */
const APP_OPTIONS: OptionNames = {
  owner: "a nano App option",
  known: new Set(Object.keys(
    {
      port: 1,
      host: 1,
      reusePort: 1,
      transports: 1,
      scheme: 1,
      heartbeatInterval: 1,
      heartbeatTimeout: 1,
      handshakeTimeout: 1,
      handlerTimeout: 1,
      dictionary: 1,
      serializer: 1,
      maxBody: 1,
      maxConnections: 1,
      checkOrigin: 1,
      wsPath: 1,
      http: 1,
      checkClient: 1,
      onHandshake: 1,
      maxOutboundBytes: 1,
      maxOutboundMessages: 1,
      inboundQueueLimit: 1,
      closeLinger: 1,
      clock: 1,
      timerPrecision: 1,
      logger: 1,
      logLimit: 1,
      cluster: 1,
      mergePushes: 1,
    } satisfies Record<keyof AppOptions, 1>,
  )),
  guesses: { timeout: "handlerTimeout", heartbeat: "heartbeatInterval", hostname: "host" },
};
const ms = integerOption(0, "ms");
const count = integerOption(0);
const APP_CHECKS: OptionChecks = {
  port: integerOption(0),
  reusePort: booleanOption,
  heartbeatInterval: ms,
  heartbeatTimeout: ms,
  handshakeTimeout: ms,
  handlerTimeout: ms,
  closeLinger: ms,
  timerPrecision: ms,
  mergePushes: ms,
  maxConnections: (name, value) => value === Infinity ? value : count(name, value),
  maxOutboundBytes: count,
  maxOutboundMessages: count,
  inboundQueueLimit: count,
};
const CLOSE_OPTIONS: OptionNames = {
  owner: "an App.close() option",
  known: new Set(["reason", "timeout"]),
};
const CLOSE_CHECKS: OptionChecks = { timeout: ms };

/**
 * Lifecycle hooks a component may have. Startup calls `init` on every component then
 * `afterInit` on every component, in registration order; shutdown calls `beforeShutdown` then
 * (after the sessions are gone) `shutdown`, in reverse order. Hooks may be async.
 *
 * @example
 * ```ts
 * import { App, type Component } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * class Room implements Component {
 *   init(app: App) { seen.push(`init: ${app.routes()}`); }
 *   shutdown() { seen.push("shutdown"); }
 *   join(_s: unknown, p: { name: string }) { return { hello: p.name }; }
 * }
 * const app = new App().register(new Room(), { name: "room" });
 * await app.start();
 * await app.close();
 * assert.deepEqual(seen, ["init: room.join", "shutdown"]);
 * ```
 */
export interface Component {
  /** Called once when the app starts (before it accepts connections). */
  init?(app: App): void | Promise<void>;
  /** Called after every component's `init`. */
  afterInit?(app: App): void | Promise<void>;
  /** Called when the app starts closing, before sessions are drained and kicked. */
  beforeShutdown?(app: App): void | Promise<void>;
  /** Called last, after every session is gone. */
  shutdown?(app: App): void | Promise<void>;
}

/**
 * Options of {@link App.close}.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const app = new App({ port: 0, host: "127.0.0.1" });
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * const kicked = new Promise((resolve) => client.onKick(resolve));
 * await app.close({ reason: "maintenance", timeout: 2000 }); // what the sessions are told
 * assert.equal(await kicked, "maintenance");
 * client.close();
 * ```
 */
export interface CloseOptions {
  /** The KICK reason remaining sessions get (default "server shutdown"). */
  readonly reason?: string;
  /** Longest wait for in-flight handlers and outbound queues to drain (default 5000). */
  readonly timeout?: number;
}

/**
 * Where the app listens, once it does.
 *
 * @example
 * ```ts
 * import { App, type ListenAddress } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * const address: ListenAddress = await app.listen();
 * assert.ok(address.port > 0); // the port the system picked for port 0
 * assert.equal(address.endpoint, `tcp://127.0.0.1:${address.port}`);
 * ```
 */
export interface ListenAddress {
  /** The bound interface. */
  readonly host: string;
  /** The bound port (the real one after port 0). */
  readonly port: number;
  /** The listener endpoint, e.g. `tcp://127.0.0.1:3250`. */
  readonly endpoint: string;
}

/** The front door of an app given none: every stream is raw pomelo. */
const rawOnly: FrontDoor = (raw) => Promise.resolve({ stream: raw, transport: "tcp" });

/**
 * A nano-style server.
 *
 * `weft/nano` exports this class as the type `BaseApp`: it is the machinery its `App` extends
 * (what components' lifecycle hooks receive). Construct `App` from `weft/nano`, which wires in
 * the runtime's transports and the WebSocket transport's front door.
 *
 * Register components (their public methods become handlers at `<name>.<method>`), listen,
 * and the app serves pomelo clients over raw TCP and WebSocket on one port. Handlers of one
 * session run one at a time in arrival order; sessions run concurrently.
 *
 * @example
 * ```ts
 * import { App, createRegistry, InprocNamespace, InprocTransport, type Session } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * class Room {
 *   join(session: Session, payload: { name: string }) {
 *     session.bind(payload.name);
 *     return { code: 0, welcome: payload.name };
 *   }
 * }
 * // weft/nano wires the runtime's tcp; here an in-process transport keeps the example small.
 * const app = new App({
 *   transports: createRegistry([new InprocTransport(new InprocNamespace())]),
 *   scheme: "inproc",
 *   host: "app-example",
 * });
 * app.register(new Room(), { name: "room" });
 * assert.deepEqual(app.routes(), ["room.join"]);
 * await app.listen();
 * await app.close();
 * ```
 */
export class App {
  #options: AppOptions;
  #serializer: Serializer;
  #dictionary: RouteDictionary | undefined;
  #encoder: PomeloEncoder;
  #clock: Clock;
  #logger: Logger;
  #log: LogThrottle;
  #limits: ConnectionLimits;
  #handlers = new Map<string, Handler>();
  #remotes = new Map<string, Handler>(); // registerRemote: RPC only, never clients
  #components: Component[] = [];
  #inbound: Middleware<InboundContext>[] = [];
  #outbound: Middleware<OutboundContext>[] = [];
  #connections = new Set<Connection>();
  #sniffing = 0;
  #byUid = new Map<Uid, Session>();
  #byId = new Map<number, Session>();
  #clusterSettings: ClusterSettings | undefined;
  #handshaken = new WeakSet<Connection>(); // clustered: whose close other nodes hear of
  #cluster: ClusterNode | undefined;
  #groups = new Map<string, Group>();
  #sessionHooks = new Set<(session: Session) => void>();
  #timers: Timers;
  #ticker: Timer | undefined;
  #tickClock: Timers;
  #listener: StreamListener | undefined;
  #address: ListenAddress | undefined;
  #nextId = 1;
  #state: "new" | "starting" | "running" | "closing" | "closed" = "new";
  #host: ConnectionHost;
  #groupHost: GroupHost;
  #frontDoor: FrontDoor;

  /**
   * `frontDoor` decides what each accepted stream carries: `weft/nano`'s `App` passes the
   * WebSocket transport's (raw pomelo, WebSocket and plain HTTP on one port); without one every
   * stream is raw pomelo. Throws `WeftError("EINVAL")` for bad options (an unknown name, naming
   * the closest; a number of the wrong type; dictionary, maxBody).
   */
  constructor(options: AppOptions = {}, frontDoor: FrontDoor = rawOnly) {
    checkOptions(options, APP_OPTIONS, APP_CHECKS);
    this.#options = options;
    this.#clusterSettings = options.cluster ? clusterSettings(options.cluster) : undefined;
    this.#frontDoor = frontDoor;
    this.#serializer = options.serializer ?? jsonSerializer();
    this.#dictionary = options.dictionary ? new RouteDictionary(options.dictionary) : undefined;
    this.#encoder = new PomeloEncoder(this.#dictionary ? { dictionary: this.#dictionary } : {});
    this.#clock = options.clock ?? systemClock();
    this.#logger = options.logger ?? console;
    this.#log = new LogThrottle(this.#logger, { ...options.logLimit, clock: this.#clock });
    const maxBody = options.maxBody ?? PomeloLimits.DEFAULT_MAX_BODY;
    if (!Number.isInteger(maxBody) || maxBody < 0 || maxBody > PomeloLimits.MAX_BODY) {
      throw new WeftError("EINVAL", `maxBody: expected an integer in 0..16777215, got ${maxBody}`);
    }
    this.#limits = {
      heartbeatInterval: options.heartbeatInterval ?? 30_000,
      heartbeatTimeout: options.heartbeatTimeout,
      handshakeTimeout: options.handshakeTimeout ?? 15_000,
      handlerTimeout: options.handlerTimeout ?? 30_000,
      maxBody,
      maxOutboundBytes: options.maxOutboundBytes ?? 1 << 20,
      maxOutboundMessages: options.maxOutboundMessages ?? 16_384,
      inboundQueueLimit: options.inboundQueueLimit ?? 256,
      closeLinger: options.closeLinger ?? 1000,
      checkClient: options.checkClient,
      onHandshake: options.onHandshake,
    };
    const onError = (e: unknown) => this.#logger.error("timer callback failed:", e);
    this.#timers = new Timers(this.#clock, { precision: options.timerPrecision ?? 100, onError });
    this.#tickClock = new Timers(this.#clock, { onError });
    const nodeId = () => this.#cluster?.nodeId; // read when asked: the cluster joins at start
    this.#host = {
      encoder: this.#encoder,
      serializer: this.#serializer,
      clock: this.#clock,
      log: this.#log,
      inbound: this.#inbound,
      outbound: this.#outbound,
      limits: this.#limits,
      dictionary: this.#dictionary,
      sessionOptions: Connection.sessionOptions(
        this.#limits,
        this.#serializer.name,
        this.#dictionary,
      ),
      get gateId() {
        return nodeId();
      },
      merger: options.mergePushes ? new PushMerger(this.#clock, options.mergePushes) : undefined,
      handler: (route) => this.#handlers.get(route) ?? this.#cluster?.remoteHandler(route),
      ready: (c) => this.#ready(c),
      closed: (c, reason) => this.#closed(c, reason),
      bound: (session, uid, previous) => this.#bound(session, uid, previous),
    };
    this.#groupHost = {
      // Encode once for every member, unless outbound middleware must see each push.
      encodePush: (route, data) => {
        if (this.#outbound.length > 0) return undefined;
        const body = this.#serializer.encode(data, route, "push");
        return this.#encoder.encodeMessage({ type: MessageType.PUSH, route, body });
      },
      dropGroup: (group) => {
        if (this.#groups.get(group.name) === group) this.#groups.delete(group.name);
      },
      fanout: (route, data, byGate) => this.#cluster?.fanoutRemote(route, data, byGate),
      get nodeId() {
        return nodeId();
      },
    };
  }

  // ---- handlers ----

  /**
   * Registers a component: its public methods become handlers at `<name>.<method>` (name: the
   * class name unless `options.name`; method names through `options.nameFunc`). Lifecycle hooks
   * run at start and close; registering on a running app runs `init` and `afterInit` at once.
   * Throws `WeftError("EINVAL")` when a route is taken.
   */
  register(component: object, options: RegisterOptions = {}): this {
    const routes = componentRoutes(component, options);
    for (const route of routes.keys()) this.#free(route);
    for (const [route, handler] of routes) this.#handlers.set(route, handler);
    this.#components.push(component as Component);
    if (this.#state === "running") void this.#startComponents([component as Component]);
    return this;
  }

  /** Registers one handler at `route` (for apps without component classes). */
  handle(route: string, handler: (session: Session, payload: never) => unknown): this {
    this.#free(route);
    this.#handlers.set(route, handler);
    return this;
  }

  /** The registered routes, sorted. */
  routes(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  /**
   * Registers a component whose methods only other nodes reach, through {@link App.rpc} and
   * {@link App.notifyServer} (pomelo's `remote/` beside `handler/`): a client asking for one
   * of its routes, directly or through a gate, gets 404. Routes are `<name>.<method>` as for
   * {@link App.register} (lifecycle hooks are not run for it); a route taken by either kind
   * throws `WeftError("EINVAL")`.
   *
   * @example
   * ```ts
   * import { App } from "@weft/weft/nano";
   * import assert from "node:assert/strict";
   * class Wallet {
   *   debit(_s: unknown, p: { uid: string; amount: number }) { return { ok: p.amount > 0 }; }
   * }
   * const app = new App().registerRemote(new Wallet(), { name: "wallet" });
   * assert.deepEqual(app.remoteRoutes(), ["wallet.debit"]); // app.rpc("store", "wallet.debit", …)
   * assert.deepEqual(app.routes(), []); // clients see nothing
   * ```
   */
  registerRemote(component: object, options: RegisterOptions = {}): this {
    const routes = componentRoutes(component, options);
    for (const route of routes.keys()) this.#free(route);
    for (const [route, handler] of routes) this.#remotes.set(route, handler);
    return this;
  }

  /** The routes registered with {@link App.registerRemote}, sorted (RPC only). */
  remoteRoutes(): string[] {
    return [...this.#remotes.keys()].sort();
  }

  #free(route: string): void {
    if (this.#handlers.has(route) || this.#remotes.has(route)) {
      throw new WeftError("EINVAL", `route ${route}: already registered`);
    }
  }

  /** Adds inbound middleware (runs around every handler, in the order added). */
  inbound(middleware: Middleware<InboundContext>): this {
    this.#inbound.push(middleware);
    return this;
  }

  /** Adds outbound middleware (runs on every response and push, in the order added). */
  outbound(middleware: Middleware<OutboundContext>): this {
    this.#outbound.push(middleware);
    return this;
  }

  /** Calls `fn` for every session whose handshake completed; returns a remover. */
  onSession(fn: (session: Session) => void): () => void {
    this.#sessionHooks.add(fn);
    return () => this.#sessionHooks.delete(fn);
  }

  // ---- sessions and groups ----

  /** Sessions whose handshake completed. */
  sessions(): Session[] {
    const out: Session[] = [];
    for (const c of this.#connections) if (c.working) out.push(c.session);
    return out;
  }

  /** The session with this id (any state), if connected. */
  session(id: number): Session | undefined {
    return this.#byId.get(id);
  }

  /** The session last bound to `uid`, if connected. */
  sessionByUid(uid: Uid): Session | undefined {
    return this.#byUid.get(uid);
  }

  /**
   * Pushes to the sessions bound to `uids` — clustered, on every gate (one message to all
   * gates, serialized once). Returns how many of them this node holds and pushed to.
   */
  pushTo(uids: readonly Uid[], route: string, data: unknown): number {
    let here = 0;
    for (const uid of uids) if (this.#byUid.get(uid)?.push(route, data)) here++;
    this.#cluster?.pushToUsers(uids, route, data);
    return here;
  }

  /** Kicks the sessions bound to `uids`, on every gate when clustered. */
  kickUser(uids: Uid | readonly Uid[], reason = "kicked"): void {
    const list = Array.isArray(uids) ? uids : [uids as Uid];
    for (const uid of list) this.#byUid.get(uid)?.kick(reason);
    this.#cluster?.kickUsers(list, reason);
  }

  /** The cluster side of the app (undefined without the `cluster` option, or before `start`). */
  get cluster(): Cluster | undefined {
    return this.#cluster;
  }

  /**
   * Calls the handler at `route` on a node of `target` (a server type, or a node id) and
   * resolves with its answer (decoded by this app's serializer). Rejects with
   * `WeftError("EHOSTUNREACH")` when no such node is live or it vanished, `WeftError("ETIMEDOUT")`
   * after `timeout`, a `HandlerError` with the remote code when the handler failed, and
   * `WeftError("ENOTSUP")` on an app without `cluster` (or not started).
   */
  rpc<T = unknown>(
    target: string,
    route: string,
    data?: unknown,
    options: RpcOptions = {},
  ): Promise<T> {
    try {
      return this.#clusterOr("rpc").rpc(target, route, data, options) as Promise<T>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Sends `route` to a node of `target` without an answer (throws as {@link App.rpc}). */
  notifyServer(target: string, route: string, data?: unknown, options: RpcOptions = {}): void {
    this.#clusterOr("notifyServer").notifyServer(target, route, data, options);
  }

  #clusterOr(call: string): ClusterNode {
    if (this.#cluster) return this.#cluster;
    throw new WeftError(
      "ENOTSUP",
      this.#clusterSettings
        ? `${call}: the app has not started (await app.start() or app.listen() first)`
        : `${call}: expected an app made with the cluster option`,
    );
  }

  /** Open connections (handshaking or working). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** The group of this name, made on first use (until it is closed). */
  group(name: string): Group {
    let g = this.#groups.get(name);
    if (!g) this.#groups.set(name, g = new Group(name, this.#groupHost));
    return g;
  }

  // ---- timers ----

  /** Calls `fn` every `interval` ms on the app's clock until stopped (or the app closes). */
  every(interval: number, fn: () => void): Timer {
    return this.#timers.every(interval, fn);
  }

  /** Calls `fn` every `interval` ms, `count` times. */
  times(interval: number, count: number, fn: () => void): Timer {
    return this.#timers.times(interval, count, fn);
  }

  /** Calls `fn` once after `delay` ms. */
  after(delay: number, fn: () => void): Timer {
    return this.#timers.after(delay, fn);
  }

  /** Calls `fn` once when `condition()` turns true (checked every `timerPrecision` ms). */
  when(condition: () => boolean, fn: () => void): Timer {
    return this.#timers.when(condition, fn);
  }

  /** The app's clock. */
  get clock(): Clock {
    return this.#clock;
  }

  // ---- running ----

  /**
   * Runs `init` then `afterInit` on every component, then listens on `host:port`.
   * Rejects with `WeftError` (`EADDRINUSE`, `ENOTSUP`…) when it cannot bind.
   */
  async listen(): Promise<ListenAddress> {
    await this.start();
    if (this.#listener) return this.#address!;
    const o = this.#options;
    const transports = o.transports;
    if (!transports) {
      throw new WeftError(
        "ENOTSUP",
        "no transports: import App from weft/nano (it wires the runtime's tcp) or pass `transports`",
      );
    }
    const scheme = o.scheme ?? "tcp";
    const transport = transports.get(scheme);
    if (!transport) {
      throw new WeftError(
        "ENOTSUP",
        `expected one of ${transports.schemes().join(", ")}, got ${scheme}`,
      );
    }
    const host = o.host ?? "0.0.0.0";
    const url = scheme === "inproc"
      ? `inproc://${host}`
      : `${scheme}://${host.includes(":") ? `[${host}]` : host}:${o.port ?? 3250}`;
    let lastReport = -Infinity; // accept errors repeat while descriptors are out: one line per 10 s
    const onError = (e: Error) => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      this.#logger.error(`cannot accept on ${url} (retrying with back-off):`, e.message);
    };
    const listener = await transport.listen(parseEndpoint(url), (raw) => this.#acceptRaw(raw), {
      onError,
      ...(o.reusePort ? { reusePort: true } : {}),
    });
    this.#listener = listener;
    this.#cluster?.listening();
    const bound = parseEndpoint(listener.endpoint);
    this.#address = { host: bound.host, port: bound.port, endpoint: listener.endpoint };
    return this.#address;
  }

  /** Where the app listens (undefined before `listen`). */
  get address(): ListenAddress | undefined {
    return this.#address;
  }

  /**
   * Starts components and the heartbeat ticker without listening (for apps that only
   * {@link App.accept} streams). `listen` calls it.
   */
  async start(): Promise<void> {
    if (this.#state !== "new") return;
    this.#state = "starting";
    if (this.#clusterSettings) await this.#joinCluster(this.#clusterSettings);
    await this.#startComponents(this.#components);
    await this.#cluster?.announce(); // routed to once every component is ready; the others known
    const interval = this.#limits.heartbeatInterval;
    const period = Math.max(5, Math.min(1000, interval > 0 ? interval / 4 : 1000));
    this.#ticker = this.#tickClock.every(period, () => {
      const now = this.#clock.now();
      for (const c of [...this.#connections]) c.tick(now);
    });
    this.#state = "running";
  }

  async #joinCluster(settings: ClusterSettings): Promise<void> {
    // Loaded only here: a single-process app never imports NATS.
    const { ClusterNode } = await import("./cluster/node.ts");
    try {
      this.#cluster = await ClusterNode.connect(settings, {
        serializer: this.#serializer,
        logger: this.#logger,
        handler: (route) => this.#handlers.get(route),
        remoteHandler: (route) => this.#remotes.get(route),
        session: (id) => this.#byId.get(id),
        sessionByUid: (uid) => this.#byUid.get(uid),
        encodePush: (route, body) =>
          this.#outbound.length > 0
            ? undefined
            : this.#encoder.encodeMessage({ type: MessageType.PUSH, route, body }),
      });
    } catch (e) {
      this.#state = "new";
      throw e;
    }
  }

  /**
   * Serves pomelo on an already connected stream: byte streams carry raw pomelo, message
   * streams (WebSocket) one or more packets per message. `transport` names it for
   * `session.transport`. Returns the session, or undefined when refused (closing,
   * `maxConnections`).
   */
  accept(stream: ByteStream, transport = "tcp"): Session | undefined {
    if (this.#state !== "running" && this.#state !== "starting") {
      stream.close(0);
      return undefined;
    }
    const max = this.#options.maxConnections ?? Infinity;
    if (this.#connections.size >= max) {
      this.#log.warn(REFUSED, `refused ${stream.remoteAddress}: maxConnections (${max}) reached`);
      stream.close(0);
      return undefined;
    }
    const c = new Connection(this.#host, stream, { id: this.#nextId++, transport });
    this.#connections.add(c);
    this.#byId.set(c.session.id, c.session);
    c.start();
    return c.session;
  }

  #acceptRaw(raw: ByteStream): void {
    const max = this.#options.maxConnections ?? Infinity;
    if (this.#state !== "running" || this.#connections.size + this.#sniffing >= max) {
      if (this.#state === "running") {
        this.#log.warn(REFUSED, `refused ${raw.remoteAddress}: maxConnections (${max}) reached`);
      }
      raw.close(0);
      return;
    }
    this.#sniffing++;
    const timeout = this.#limits.handshakeTimeout;
    const expired = () => {
      const why = `handshake timeout: nothing served within ${timeout} ms (handshakeTimeout)`;
      this.#log.warn("connections closed (ETIMEDOUT)", `${raw.remoteAddress}: closed: ${why}`);
      raw.close(0);
    };
    const timer = timeout > 0 ? this.#clock.setTimeout(expired, timeout) : undefined;
    const o = this.#options;
    this.#frontDoor(raw, {
      maxMessageSize: this.#limits.maxBody + 4,
      logger: { error: (...a: unknown[]) => this.#log.error("HTTP handler failures", ...a) },
      ...(o.checkOrigin ? { checkOrigin: o.checkOrigin } : {}),
      ...(o.wsPath !== undefined ? { wsPath: o.wsPath } : {}),
      ...(o.http ? { http: o.http } : {}),
    }).then((sniffed) => {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      this.#sniffing--;
      if (sniffed) this.accept(sniffed.stream, sniffed.transport);
    }, (e) => {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      this.#sniffing--;
      this.#log.warn("connections not served", `could not serve ${raw.remoteAddress}:`, e);
      raw.close(0);
    });
  }

  /**
   * Graceful shutdown: stop accepting; `beforeShutdown` on every component (reverse order);
   * wait for in-flight handlers and every session's outbound queue to drain (up to `timeout`);
   * KICK every remaining session with `reason` (behind what was queued); wait until each
   * connection has written that to the kernel and closed (up to `timeout`; each socket
   * flushes for at most `closeLinger`); `shutdown` on every component; stop timers. So
   * `await app.close(); exit()` loses no push or response sent before it. Idempotent.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    checkOptions(options, CLOSE_OPTIONS, CLOSE_CHECKS);
    if (this.#state === "closing" || this.#state === "closed") return;
    if (this.#state === "new") {
      this.#state = "closed";
      this.#dictionary?.dispose();
      return;
    }
    this.#state = "closing";
    const reason = options.reason ?? "server shutdown";
    const timeout = options.timeout ?? 5000;
    this.#listener?.close();
    // Out of every routing table first: other nodes stop sending while this one drains.
    await this.#cluster?.leave(timeout);
    const reversed = [...this.#components].reverse();
    for (const c of reversed) await this.#hook(c, "beforeShutdown");
    await this.#within(timeout, Promise.all([...this.#connections].map((c) => c.settled())));
    const closing = [...this.#connections];
    for (const c of closing) c.kick(reason);
    await this.#within(timeout, Promise.all(closing.map((c) => c.closed)));
    // Kicked connections flush their last bytes (the KICK included) before closing.
    await this.#within(timeout, Promise.all(closing.map((c) => c.released)));
    this.#ticker?.stop();
    this.#tickClock.stopAll();
    this.#timers.stopAll();
    for (const g of [...this.#groups.values()]) g.close();
    for (const c of reversed) await this.#hook(c, "shutdown");
    await this.#cluster?.stop(); // after the last session-closed events are published
    await this.#listener?.closed;
    this.#dictionary?.dispose();
    this.#log.flush(); // the counts of lines left out, before the app is gone
    this.#state = "closed";
  }

  /** `await using app = new App(...)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #within(ms: number, p: Promise<unknown>): Promise<void> {
    let handle: unknown;
    await Promise.race([p, new Promise<void>((r) => (handle = this.#clock.setTimeout(r, ms)))]);
    this.#clock.clearTimeout(handle);
  }

  async #startComponents(components: Component[]): Promise<void> {
    for (const c of components) await this.#hook(c, "init");
    for (const c of components) await this.#hook(c, "afterInit");
  }

  async #hook(
    c: Component,
    name: "init" | "afterInit" | "beforeShutdown" | "shutdown",
  ): Promise<void> {
    const fn = c[name];
    if (typeof fn !== "function") return;
    if (name === "init" || name === "afterInit") {
      await fn.call(c, this); // a failing init fails listen()
      return;
    }
    try {
      await fn.call(c, this);
    } catch (e) {
      this.#logger.error(`${name} of ${c.constructor?.name} failed:`, e);
    }
  }

  #ready(c: Connection): void {
    if (this.#cluster) this.#handshaken.add(c);
    for (const fn of this.#sessionHooks) {
      try {
        fn(c.session);
      } catch (e) {
        this.#logger.error("an onSession hook failed:", e);
      }
    }
  }

  #closed(c: Connection, reason: string): void {
    this.#connections.delete(c);
    this.#byId.delete(c.session.id);
    const uid = c.session.uid;
    // Compared, not just deleted: a quick reconnect may have bound the uid to a newer session.
    if (uid !== undefined && this.#byUid.get(uid) === c.session) this.#byUid.delete(uid);
    if (this.#handshaken.delete(c)) this.#cluster?.sessionClosed(c.session, reason);
  }

  #bound(session: Session, uid: Uid | undefined, previous: Uid | undefined): void {
    if (previous !== undefined && this.#byUid.get(previous) === session) {
      this.#byUid.delete(previous);
    }
    const displaced = uid === undefined ? undefined : this.#byUid.get(uid);
    if (uid !== undefined && !session.isClosed) this.#byUid.set(uid, session);
    if (!session.isClosed) this.#cluster?.sessionBound(session, uid, displaced);
  }
}
