/**
 * One App as a node of a cluster on NATS: discovery, forwarding client messages to the node
 * that serves them, serving forwarded messages and RPCs, session events, user pushes and
 * kicks, group fan-out per gate. Only the App's cluster path imports this file (dynamically),
 * so a single-process App never loads NATS.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { errorBody, HandlerError, ResponseCode } from "../errors.ts";
import { RawBody, rawHandler } from "../raw_body.ts";
import type { BodyKind, Serializer } from "../serializer.ts";
import { Session, type SessionLink, type Uid } from "../session.ts";
import type { Handler, Logger } from "../types.ts";
import {
  type GateOpHeader,
  pack,
  type ReplyHeader,
  type RequestHeader,
  type SessionEventHeader,
  type SessionHeader,
  unpack,
  type UsersOpHeader,
} from "./envelope.ts";
import { type Bus, connectBus } from "./nats.ts";
import type { Cluster, ClusterSettings, NodeInfo, RpcOptions, SessionEvent } from "./options.ts";
import { Registry } from "./registry.ts";
import { RemoteSessions } from "./remote_session.ts";
import { Router } from "./router.ts";
import { Subjects } from "./subjects.ts";

/** What a node needs from its App (internal). */
export interface ClusterHost {
  readonly serializer: Serializer;
  readonly logger: Logger;
  /** The App's own handler at a route. */
  handler(route: string): Handler | undefined;
  /** The App's server-only handler at a route (`registerRemote`: RPC, never clients). */
  remoteHandler(route: string): Handler | undefined;
  /** A local session by id. */
  session(id: number): Session | undefined;
  /** The local session bound to a uid. */
  sessionByUid(uid: Uid): Session | undefined;
  /** A PUSH packet for a serialized body, or undefined when outbound middleware must run. */
  encodePush(route: string, body: Uint8Array): Uint8Array | undefined;
}

const EMPTY = new Uint8Array(0);

/** A session with no client behind it: what an RPC made without a session gets (internal). */
const serverLink: SessionLink = {
  remoteAddress: "rpc",
  transport: "rpc",
  handshake: undefined,
  closed: new Promise(() => {}),
  isClosed: () => false,
  push: () => false,
  respond: () => false,
  write: () => false,
  kick() {},
  close() {},
  bound() {},
  onClosed: () => () => {},
};

/** The cluster side of an App (internal; users see {@link Cluster}). */
export class ClusterNode implements Cluster {
  readonly nodeId: string;
  readonly serverType: string;
  #settings: ClusterSettings;
  #host: ClusterHost;
  #bus: Bus;
  #subjects: Subjects;
  #registry: Registry;
  #router: Router;
  #remote: RemoteSessions;
  #remoteHandlers = new Map<string, Handler | null>();
  #boundHooks = new Set<(e: SessionEvent) => void>();
  #closedHooks = new Set<(e: SessionEvent) => void>();
  #unsubscribe: (() => void)[] = [];
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #serverSession = new Session(0, serverLink);

  private constructor(settings: ClusterSettings, host: ClusterHost, bus: Bus) {
    this.nodeId = settings.nodeId;
    this.serverType = settings.serverType;
    this.#settings = settings;
    this.#host = host;
    this.#bus = bus;
    this.#subjects = new Subjects(settings.name);
    this.#registry = new Registry(bus, this.#subjects, {
      id: settings.nodeId,
      serverType: settings.serverType,
      frontend: settings.frontend ?? false,
    }, settings);
    this.#router = new Router(settings, this.#registry);
    this.#remote = new RemoteSessions({
      toGate: (gate, op, body) => this.#bus.publish(this.#subjects.gate(gate), pack(op, body)),
      encodePush: (route, data) => host.serializer.encode(data, route, "push"),
    });
    this.#registry.onLeft((node) => this.#nodeLeft(node));
  }

  /** Connects to NATS and subscribes (announces later, with {@link ClusterNode.announce}). */
  static async connect(settings: ClusterSettings, host: ClusterHost): Promise<ClusterNode> {
    const bus = await connectBus(settings.servers, `weft ${settings.nodeId}`);
    const node = new ClusterNode(settings, host, bus);
    const s = node.#subjects;
    const guard =
      (what: string, fn: (data: Uint8Array, reply?: (d: Uint8Array) => void) => void) =>
      (
        data: Uint8Array,
        reply: ((d: Uint8Array) => void) | undefined,
      ) => {
        try {
          fn(data, reply);
        } catch (e) {
          host.logger.warn(`cluster: dropped a bad ${what} message:`, (e as Error).message);
        }
      };
    node.#unsubscribe.push(
      bus.subscribe(s.node(settings.nodeId), guard("request", (d, r) => node.#serve(d, r))),
      bus.subscribe(s.gate(settings.nodeId), guard("gate", (d) => node.#gateOp(d))),
      bus.subscribe(s.sessions, guard("session event", (d) => node.#sessionEvent(d))),
      bus.subscribe(s.users, guard("users", (d) => node.#usersOp(d))),
    );
    bus.onDisconnect(() => node.#registry.offline());
    bus.onReconnect(() => node.#registry.online());
    return node;
  }

  /** Joins the routing tables (after the components started); resolves once discovery settled. */
  announce(): Promise<void> {
    return this.#registry.start();
  }

  /** The app listens for clients: it is a gate now (unless `frontend: false`). */
  listening(): void {
    if (this.#settings.frontend !== false) this.#registry.setFrontend();
  }

  /** Leaves the routing tables (no new requests), waits for the ones being served. */
  async leave(timeout: number): Promise<void> {
    this.#registry.stop();
    this.#unsubscribe.shift()?.(); // the node subject: NATS answers "no responders" from now on
    if (this.#inFlight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#idle.push(r)),
        new Promise<void>((r) => (timer = setTimeout(r, timeout))),
      ]);
      clearTimeout(timer);
    }
  }

  /** Flushes what is published (session-closed events of the last sessions) and disconnects. */
  async stop(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.#bus.drain();
  }

  // ---- Cluster ----

  nodes(serverType?: string): NodeInfo[] {
    return serverType === undefined ? this.#registry.all() : [...this.#registry.ofType(serverType)];
  }

  onSessionBound(fn: (event: SessionEvent) => void): () => void {
    this.#boundHooks.add(fn);
    return () => this.#boundHooks.delete(fn);
  }

  onSessionClosed(fn: (event: SessionEvent) => void): () => void {
    this.#closedHooks.add(fn);
    return () => this.#closedHooks.delete(fn);
  }

  // ---- gate side: forwarding ----

  /**
   * The handler that forwards `route` to another server type, or undefined when the route
   * names none (the client then gets 404). Made once per route.
   */
  remoteHandler(route: string): Handler | undefined {
    const known = this.#remoteHandlers.get(route);
    if (known !== undefined) return known ?? undefined;
    const target = this.#router.resolve(route);
    let handler: Handler | null = null;
    if (target && target.serverType === this.serverType) {
      handler = this.#host.handler(target.route) ?? null; // `chat.room.join` on a chat node
    } else if (target) {
      handler = rawHandler((session, body, kind) =>
        this.#forward(session, target.serverType, target.route, body, kind)
      ) as unknown as Handler;
    }
    if (this.#remoteHandlers.size < 10_000) this.#remoteHandlers.set(route, handler);
    return handler ?? undefined;
  }

  async #forward(
    session: Session,
    serverType: string,
    route: string,
    body: Uint8Array,
    kind: BodyKind,
  ): Promise<unknown> {
    const node = this.#router.pick(serverType, route, session);
    if (!node) {
      throw new HandlerError(
        ResponseCode.BAD_GATEWAY,
        `no node of server type "${serverType}" for ${route}`,
      );
    }
    const header: RequestHeader = {
      k: kind === "notify" ? "n" : "r",
      r: route,
      s: this.#sessionHeader(session),
    };
    const subject = this.#subjects.node(node.id);
    if (kind === "notify") {
      this.#bus.publish(subject, pack(header, body));
      return undefined;
    }
    let reply: Uint8Array;
    try {
      reply = await this.#bus.request(subject, pack(header, body), this.#settings.timeout);
    } catch (e) {
      throw this.#gatewayError(e, node, route);
    }
    const r = unpack<ReplyHeader>(reply);
    if (r.header.s) session.restore(r.header.s);
    if (r.header.e) throw new HandlerError(r.header.e.code, r.header.e.message, r.header.e.data);
    return new RawBody(r.body);
  }

  #gatewayError(e: unknown, node: NodeInfo, route: string): HandlerError {
    const code = (e as { code?: unknown }).code;
    if (code === "ETIMEDOUT") {
      return new HandlerError(
        ResponseCode.GATEWAY_TIMEOUT,
        `node ${node.id} did not answer ${route} within ${this.#settings.timeout} ms`,
      );
    }
    if (code === "EHOSTUNREACH") this.#registry.drop(node.id); // it is gone: route elsewhere
    return new HandlerError(
      ResponseCode.BAD_GATEWAY,
      `node ${node.id} (${node.serverType}) is unreachable for ${route}`,
    );
  }

  #sessionHeader(session: Session): SessionHeader {
    const state = session.state();
    let has = false;
    for (const _ in state) {
      has = true;
      break;
    }
    return {
      g: session.gate ?? this.nodeId,
      i: session.id,
      a: session.remoteAddress,
      t: session.transport,
      ...(session.uid !== undefined ? { u: session.uid } : {}),
      ...(has ? { s: state } : {}),
    };
  }

  // ---- backend side: serving ----

  #serve(data: Uint8Array, reply: ((d: Uint8Array) => void) | undefined): void {
    const { header, body } = unpack<RequestHeader>(data);
    const answers = header.k === "r" || header.k === "c";
    const respond = (h: ReplyHeader, b: Uint8Array = EMPTY) => {
      if (answers && reply) reply(pack(h, b));
    };
    // RPCs ("c", "cn") reach server-only handlers first; forwarded client messages never do.
    const rpc = header.k === "c" || header.k === "cn";
    const handler = typeof header.r !== "string"
      ? undefined
      : (rpc ? this.#host.remoteHandler(header.r) : undefined) ?? this.#host.handler(header.r);
    if (!handler) {
      respond({ e: { code: ResponseCode.NOT_FOUND, message: `no handler at route ${header.r}` } });
      return;
    }
    const kind: BodyKind = answers ? "request" : "notify";
    let payload: unknown;
    try {
      payload = this.#host.serializer.decode(body, header.r, kind);
    } catch (e) {
      const why = `bad body for ${header.r}: ${(e as Error).message}`;
      respond({ e: { code: ResponseCode.BAD_REQUEST, message: why } });
      return;
    }
    const entry = header.s ? this.#remote.get(header.s) : undefined;
    const session = entry?.session ?? this.#serverSession;
    const before = header.s ? JSON.stringify(header.s.s ?? {}) : "";
    if (entry) {
      entry.link.inRequest = answers;
      entry.link.answer = undefined;
    }
    this.#inFlight++;
    const finish = (h: ReplyHeader, b?: Uint8Array) => {
      if (entry) {
        const after = JSON.stringify(session.state());
        if (after !== before) h = { ...h, s: session.state() };
        if (!answers && h.s) {
          // A notify has no reply: the state the handler wants kept goes to the gate.
          this.#bus.publish(
            this.#subjects.gate(entry.link.gate),
            pack({ op: "state", i: entry.link.id, s: h.s }),
          );
        }
        entry.link.inRequest = false;
      }
      respond(h, b);
      if (--this.#inFlight === 0) { for (const w of this.#idle.splice(0)) w(); }
    };
    const fail = (e: unknown) => {
      const b = errorBody(e);
      if (b.code >= 500) this.#host.logger.error(`cluster: ${header.r} failed:`, e);
      finish({ e: b });
    };
    const ok = (value: unknown) => {
      if (entry?.link.answer) value = entry.link.answer.value;
      if (!answers) return finish({});
      try {
        const bytes = value instanceof RawBody
          ? value.bytes
          : this.#host.serializer.encode(value, header.r, "response");
        finish({}, bytes);
      } catch (e) {
        fail(e);
      }
    };
    try {
      const result = (handler as (s: Session, p: unknown) => unknown)(session, payload);
      if (result instanceof Promise) result.then(ok, fail);
      else ok(result);
    } catch (e) {
      fail(e);
    }
  }

  // ---- gate side: operations from other nodes ----

  #gateOp(data: Uint8Array): void {
    const { header: op, body } = unpack<GateOpHeader>(data);
    if (op.op === "group") {
      this.#fanout(op.ids ?? [], op.r ?? "", body);
      return;
    }
    const session = op.i === undefined ? undefined : this.#host.session(op.i);
    if (!session || session.isClosed) return; // gone meanwhile: nothing to do
    switch (op.op) {
      case "push":
        session.push(op.r ?? "", new RawBody(body));
        break;
      case "write":
        session.write(body);
        break;
      case "kick":
        session.kick(op.why ?? "kicked");
        break;
      case "close":
        session.close();
        break;
      case "bind":
        if (op.u !== undefined) session.bind(op.u);
        break;
      case "unbind":
        session.unbind();
        break;
      case "state":
        if (op.s) session.restore(op.s);
        break;
    }
  }

  /** A group broadcast for local members: encoded once, the same bytes for every member. */
  #fanout(ids: readonly number[], route: string, body: Uint8Array): void {
    const packet = this.#host.encodePush(route, body);
    for (const id of ids) {
      const s = this.#host.session(id);
      if (!s || s.isClosed) continue;
      if (packet) s.write(packet);
      else s.push(route, new RawBody(body));
    }
  }

  /** Sends a group push to members on other gates: one message per gate (internal). */
  fanoutRemote(route: string, data: unknown, byGate: ReadonlyMap<string, number[]>): void {
    const body = this.#host.serializer.encode(data, route, "push");
    for (const [gate, ids] of byGate) {
      const op: GateOpHeader = { op: "group", ids, r: route };
      if (gate === this.nodeId) this.#fanout(ids, route, body);
      else this.#bus.publish(this.#subjects.gate(gate), pack(op, body));
    }
  }

  // ---- session events ----

  /** A local session got a uid (`displaced`: the local session that had it before). */
  sessionBound(session: Session, uid: Uid | undefined, displaced: Session | undefined): void {
    if (uid === undefined) return;
    if (this.#settings.uniqueSession && displaced && displaced !== session) {
      displaced.kick("logged in elsewhere");
    }
    const ev: SessionEventHeader = { ev: "bound", g: this.nodeId, i: session.id, u: uid };
    this.#bus.publish(this.#subjects.sessions, pack(ev));
  }

  /** A local session closed. */
  sessionClosed(session: Session, reason: string): void {
    const ev: SessionEventHeader = {
      ev: "closed",
      g: this.nodeId,
      i: session.id,
      why: reason,
      ...(session.uid !== undefined ? { u: session.uid } : {}),
    };
    this.#bus.publish(this.#subjects.sessions, pack(ev));
  }

  #sessionEvent(data: Uint8Array): void {
    const { header: ev } = unpack<SessionEventHeader>(data);
    const event: SessionEvent = {
      gate: ev.g,
      id: ev.i,
      ...(ev.u !== undefined ? { uid: ev.u } : {}),
      ...(ev.why !== undefined ? { reason: ev.why } : {}),
    };
    if (ev.ev === "closed") {
      this.#remote.closed(ev.g, ev.i, ev.why ?? "closed");
      this.#emit(this.#closedHooks, event);
      return;
    }
    if (this.#settings.uniqueSession && ev.g !== this.nodeId && ev.u !== undefined) {
      const older = this.#host.sessionByUid(ev.u);
      if (older && !older.isClosed) older.kick("logged in elsewhere");
    }
    this.#emit(this.#boundHooks, event);
  }

  #emit(hooks: Set<(e: SessionEvent) => void>, event: SessionEvent): void {
    for (const fn of hooks) {
      try {
        fn(event);
      } catch (e) {
        this.#host.logger.error("cluster: a session event hook failed:", e);
      }
    }
  }

  #nodeLeft(node: NodeInfo): void {
    for (const s of this.#remote.gateLeft(node.id)) {
      const uid = s.uid;
      this.#emit(this.#closedHooks, {
        gate: node.id,
        id: s.id,
        reason: "gate left the cluster",
        ...(uid !== undefined ? { uid } : {}),
      });
    }
  }

  // ---- users, RPC ----

  /** Pushes to uids on other gates (the caller served its own sessions). */
  pushToUsers(uids: readonly Uid[], route: string, data: unknown): void {
    const body = this.#host.serializer.encode(data, route, "push");
    const op: UsersOpHeader = { op: "push", uids: [...uids], r: route, from: this.nodeId };
    this.#bus.publish(this.#subjects.users, pack(op, body));
  }

  /** Kicks uids on other gates. */
  kickUsers(uids: readonly Uid[], reason: string): void {
    const op: UsersOpHeader = { op: "kick", uids: [...uids], why: reason, from: this.nodeId };
    this.#bus.publish(this.#subjects.users, pack(op));
  }

  #usersOp(data: Uint8Array): void {
    const { header: op, body } = unpack<UsersOpHeader>(data);
    if (op.from === this.nodeId || !Array.isArray(op.uids)) return;
    for (const uid of op.uids) {
      const s = this.#host.sessionByUid(uid);
      if (!s || s.isClosed) continue;
      if (op.op === "push") s.push(op.r ?? "", new RawBody(body));
      else s.kick(op.why ?? "kicked");
    }
  }

  #target(target: string, route: string, session: Session | undefined): NodeInfo {
    const byId = this.#registry.get(target);
    const node = byId ?? this.#router.pick(target, route, session);
    if (!node) {
      throw new WeftError(
        "EHOSTUNREACH",
        `rpc ${route}: expected a live node id or server type, got "${target}" (live: ${
          this.#registry.all().map((n) => `${n.id} (${n.serverType})`).join(", ")
        })`,
      );
    }
    return node;
  }

  #rpcHeader(kind: "c" | "cn", route: string, session: Session | undefined): RequestHeader {
    return session ? { k: kind, r: route, s: this.#sessionHeader(session) } : { k: kind, r: route };
  }

  /** Calls `route` on a node of `target` (a server type or a node id). */
  async rpc(target: string, route: string, data: unknown, options: RpcOptions): Promise<unknown> {
    const node = this.#target(target, route, options.session);
    const timeout = options.timeout ?? this.#settings.timeout;
    const body = this.#host.serializer.encode(data, route, "request");
    let reply: Uint8Array;
    try {
      reply = await this.#bus.request(
        this.#subjects.node(node.id),
        pack(this.#rpcHeader("c", route, options.session), body),
        timeout,
      );
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "EHOSTUNREACH") this.#registry.drop(node.id);
      if (code === "ETIMEDOUT" || code === "EHOSTUNREACH") {
        throw new WeftError(
          code,
          code === "ETIMEDOUT"
            ? `rpc ${route} to ${node.id}: no answer within ${timeout} ms`
            : `rpc ${route} to ${node.id}: the node is gone`,
          { cause: e },
        );
      }
      throw e;
    }
    const r = unpack<ReplyHeader>(reply);
    if (r.header.s && options.session) options.session.restore(r.header.s);
    if (r.header.e) throw new HandlerError(r.header.e.code, r.header.e.message, r.header.e.data);
    return this.#host.serializer.decode(r.body, route, "response");
  }

  /** Sends `route` to a node of `target` without waiting. */
  notifyServer(target: string, route: string, data: unknown, options: RpcOptions): void {
    const node = this.#target(target, route, options.session);
    const body = this.#host.serializer.encode(data, route, "notify");
    this.#bus.publish(
      this.#subjects.node(node.id),
      pack(this.#rpcHeader("cn", route, options.session), body),
    );
  }
}
