/**
 * One accepted connection inside the app: the byte stream, the pomelo protocol session, the
 * ordered inbound queue (one handler at a time per session) and the bounded outbound queue.
 * Internal: users see it through {@link Session}.
 * @module
 */

import {
  MessageFlag,
  MessageType,
  type PomeloEncoder,
  type PomeloMessage,
  type RouteDictionary,
} from "../codec/pomelo.ts";
import { concat } from "../core/bytes.ts";
import { Fifo } from "../core/fifo.ts";
import type { LogThrottle } from "../core/log_throttle.ts";
import type { ErrorCode } from "../core/errors.ts";
import type { ClientHandshake } from "../protocol/pomelo/handshake.ts";
import {
  PomeloServerSession,
  type PomeloSessionEvents,
  type PomeloSessionOptions,
} from "../protocol/pomelo/session.ts";
import { type SharedMessage, writeShared } from "../transport/shared_message.ts";
import { type HoldsPushes, mergePackets, type Packet, type PushMerger } from "./push_merge.ts";
import type { ByteStream, StreamHandler } from "../transport/types.ts";
import { type ErrorBody, errorBody, HandlerError, ResponseCode } from "./errors.ts";
import { compose, type InboundContext, type Middleware, type OutboundContext } from "./pipeline.ts";
import { isRawHandler, RawBody } from "./raw_body.ts";
import type { BodyKind, Serializer } from "./serializer.ts";
import { Session, type SessionLink, type Uid } from "./session.ts";
import type { Clock } from "./timers.ts";
import type { Handler } from "./types.ts";

/** What a connection needs from its app (internal). */
export interface ConnectionHost {
  readonly encoder: PomeloEncoder;
  readonly serializer: Serializer;
  readonly clock: Clock;
  /** The app's logger behind a per-kind rate limit: every line a peer can cause goes here. */
  readonly log: LogThrottle;
  readonly inbound: readonly Middleware<InboundContext>[];
  readonly outbound: readonly Middleware<OutboundContext>[];
  readonly limits: ConnectionLimits;
  readonly dictionary: RouteDictionary | undefined;
  /** Clustered: this node's id (sessions report it as their gate). */
  readonly gateId: string | undefined;
  /** The pomelo session options every connection shares (each passes its own `now`). */
  readonly sessionOptions: PomeloSessionOptions;
  /** With `mergePushes`: releases held pushes at the end of the interval (else undefined). */
  readonly merger: PushMerger | undefined;
  handler(route: string): Handler | undefined;
  ready(connection: Connection): void;
  closed(connection: Connection, reason: string): void;
  bound(session: Session, uid: Uid | undefined, previous: Uid | undefined): void;
}

/** Resolved per-connection settings (internal). */
export interface ConnectionLimits {
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number | undefined;
  readonly handshakeTimeout: number;
  readonly handlerTimeout: number;
  readonly maxBody: number;
  readonly maxOutboundBytes: number;
  readonly maxOutboundMessages: number;
  readonly inboundQueueLimit: number;
  readonly closeLinger: number;
  readonly checkClient: ((type: unknown, version: unknown) => boolean) | undefined;
  readonly onHandshake: ((handshake: ClientHandshake) => unknown) | undefined;
}

const te = new TextEncoder();

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}

function kindOf(m: PomeloMessage): BodyKind {
  return m.type === MessageType.REQUEST ? "request" : "notify";
}

// Connection's flags.
const BUSY = 1;
const PAUSED = 2;
const RESPONDED = 4;
const BLOCKED = 8;
const FLUSH_SCHEDULED = 16;
const DEAD = 32;

const wallClock = () => Date.now();
const bytesOf = (p: Uint8Array | SharedMessage) => p instanceof Uint8Array ? p : p.bytes;
const sizeOf = (p: Uint8Array | SharedMessage) => bytesOf(p).length;
const EMPTY_INBOX = new Fifo<PomeloMessage>(4);

/** One connection (internal; see the module notes). */
export class Connection implements SessionLink, HoldsPushes {
  readonly session: Session;
  readonly transport: string;
  #host: ConnectionHost;
  #stream: ByteStream;
  #proto: PomeloServerSession;
  // inbound (queues are made on first use: idle sessions hold none)
  #inbox: Fifo<PomeloMessage> | undefined;
  #current: PomeloMessage | undefined;
  // outbound
  #out: Fifo<Uint8Array | SharedMessage> | undefined;
  #outBytes = 0;
  #outChain: Promise<void> | undefined;
  #drainWaiters: (() => void)[] | undefined;
  #held: Packet[] | undefined; // mergePushes: this interval's pushes
  #heldBytes = 0;
  // Six flags in one number (idle sessions are what a server holds most of): BUSY, PAUSED,
  // RESPONDED, BLOCKED, FLUSH_SCHEDULED, DEAD; read with #is, set with |= and &= ~.
  #flags = 0;
  // lifetime
  #reason: string | undefined;
  #hooks: Set<(reason: string) => void> | undefined;
  #closed: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * Wires a connection's stream and protocol events to it: one small object per connection
   * instead of seven closures (idle sessions are what a server holds most of).
   */
  static #Wiring = class implements StreamHandler, PomeloSessionEvents {
    readonly c: Connection;
    constructor(c: Connection) {
      this.c = c;
    }
    // stream
    data(chunk: Uint8Array): void {
      this.c.#proto.feed(chunk, this.c.#host.clock.now());
    }
    drain(): void {
      this.c.#flags &= ~BLOCKED;
      this.c.#flush();
    }
    end(error?: Error): void {
      this.c.#proto.ended(
        error ? `connection error: ${error.message}` : "connection closed by the peer",
      );
    }
    // protocol
    write(bytes: Uint8Array): void {
      this.c.#send(bytes, true);
    }
    message(m: PomeloMessage): void {
      this.c.#enqueue(m);
    }
    ready(): void {
      this.c.#host.ready(this.c);
    }
    close(reason: string, code?: ErrorCode): void {
      this.c.#teardown(reason, code);
    }
  };
  #wiring: StreamHandler & PomeloSessionEvents;

  constructor(
    host: ConnectionHost,
    stream: ByteStream,
    options: { id: number; transport: string },
  ) {
    this.#host = host;
    this.#stream = stream;
    this.transport = options.transport;
    this.session = new Session(options.id, this);
    this.#wiring = new Connection.#Wiring(this);
    this.#proto = new PomeloServerSession(this.#wiring, host.sessionOptions, host.clock.now());
  }

  /** The pomelo session options of a host's connections (a host makes them once). */
  static sessionOptions(
    limits: ConnectionLimits,
    serializer: string,
    dictionary: RouteDictionary | undefined,
  ): PomeloSessionOptions {
    const l = limits;
    return {
      now: 0,
      heartbeatInterval: l.heartbeatInterval,
      handshakeTimeout: l.handshakeTimeout,
      maxBody: l.maxBody,
      serializer,
      wallClock,
      ...(l.heartbeatTimeout !== undefined ? { heartbeatTimeout: l.heartbeatTimeout } : {}),
      ...(dictionary ? { dictionary } : {}),
      ...(l.checkClient ? { checkClient: l.checkClient } : {}),
      ...(l.onHandshake ? { onHandshake: l.onHandshake } : {}),
    };
  }

  /** Starts reading. */
  start(): void {
    this.#stream.start(this.#wiring);
  }

  /** Heartbeats and timeouts; called by the app's ticker. */
  tick(now: number): void {
    this.#proto.tick(now);
  }

  /** Whether the handshake is complete and the session is exchanging data. */
  get working(): boolean {
    return this.#proto.state === "working";
  }

  /** Outbound bytes queued here (not yet handed to the transport). */
  get queuedBytes(): number {
    return this.#outBytes;
  }

  /** Settles when the connection is gone and the close hooks have run (made on first use). */
  get closed(): Promise<void> {
    if (!this.#closed) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#closed = { promise, resolve };
      if (this.#is(DEAD)) resolve();
    }
    return this.#closed.promise;
  }

  /**
   * Settles once the transport has let go of the connection: after a close, what was queued
   * has been written to the kernel (within `closeLinger`), or the peer is gone.
   */
  get released(): Promise<void> {
    return this.#stream.closed;
  }

  /**
   * Resolves once no handler runs, nothing waits in the inbox and the outbound queue is handed
   * to the transport — or the connection is gone.
   */
  settled(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    return new Promise((r) => (this.#drainWaiters ??= []).push(r));
  }

  #isSettled(): boolean {
    return this.#is(DEAD) ||
      (!this.#is(BUSY) && !this.#inbox?.length && !this.#out?.length && !this.#is(BLOCKED) &&
        !this.#held?.length);
  }

  #is(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  // ---- SessionLink ----

  get remoteAddress(): string {
    return this.#stream.remoteAddress;
  }

  get gate(): string | undefined {
    return this.#host.gateId;
  }

  get handshake(): ClientHandshake | undefined {
    return this.#proto.handshake;
  }

  isClosed(): boolean {
    return this.#is(DEAD);
  }

  push(route: string, data: unknown): boolean {
    if (this.#is(DEAD)) return false;
    return this.#emit("push", 0, route, data, false);
  }

  /** mergePushes: writes this interval's pushes as one packet (called by the merger). */
  releaseHeld(merged: (held: readonly Packet[]) => Packet): void {
    const held = this.#held;
    if (!held?.length) return;
    this.#held = undefined;
    this.#heldBytes = 0;
    if (this.#is(DEAD)) return;
    this.#send(merged(held), true); // counted against the limits when held
    if (this.#drainWaiters?.length) this.#wakeSettled();
  }

  respond(data: unknown): boolean {
    const m = this.#current;
    if (!m || this.#is(RESPONDED) || this.#is(DEAD)) return false;
    this.#flags |= RESPONDED;
    if (m.type !== MessageType.REQUEST) return true; // a notify has no answer
    return this.#emit("response", m.id, m.route, data, false);
  }

  write(bytes: Uint8Array | SharedMessage): boolean {
    return this.#send(bytes, false, true);
  }

  kick(reason: string): void {
    this.#proto.kick(reason);
  }

  close(): void {
    this.#proto.close();
  }

  bound(uid: Uid | undefined, previous: Uid | undefined): void {
    this.#host.bound(this.session, uid, previous);
  }

  onClosed(fn: (reason: string) => void): () => void {
    if (this.#is(DEAD)) {
      queueMicrotask(() => this.#runHook(fn));
      return () => {};
    }
    const hooks = this.#hooks ??= new Set();
    hooks.add(fn);
    return () => hooks.delete(fn);
  }

  // ---- inbound ----

  #enqueue(m: PomeloMessage): void {
    if (this.#is(BUSY) || this.#inbox?.length) {
      const inbox = this.#inbox ??= new Fifo<PomeloMessage>(4);
      inbox.push(m);
      if (!this.#is(PAUSED) && inbox.length >= this.#host.limits.inboundQueueLimit) {
        // Stop reading: the kernel buffer fills and the client slows down.
        this.#flags |= PAUSED;
        this.#stream.pause();
      }
      return;
    }
    this.#pump(m);
  }

  #pump(first?: PomeloMessage): void {
    const inbox = this.#inbox ?? EMPTY_INBOX;
    let m = first ?? inbox.shift();
    while (m && !this.#is(DEAD)) {
      const pending = this.#dispatch(m);
      if (pending) {
        this.#flags |= BUSY;
        pending.then(() => {
          this.#flags &= ~BUSY;
          this.#pump();
        });
        return;
      }
      m = inbox.shift();
    }
    if (this.#is(PAUSED) && !this.#is(DEAD)) {
      this.#flags &= ~PAUSED;
      this.#stream.resume();
    }
    if (this.#drainWaiters?.length) queueMicrotask(() => this.#wakeSettled());
  }

  /** Handles one message; returns a promise when it did not finish synchronously. */
  #dispatch(m: PomeloMessage): Promise<void> | undefined {
    if (m.type !== MessageType.REQUEST && m.type !== MessageType.NOTIFY) {
      this.#host.log.warn(
        "ignored packets",
        `${this.remoteAddress}: ignored a ${m.type === 2 ? "RESPONSE" : "PUSH"} from a client`,
      );
      return undefined;
    }
    const host = this.#host;
    if (host.inbound.length > 0) return this.#viaPipeline(m);
    const handler = host.handler(m.route);
    if (!handler) {
      this.#fail(m, new HandlerError(ResponseCode.NOT_FOUND, `no handler at route ${m.route}`));
      return undefined;
    }
    let data: unknown;
    try {
      // A forwarding handler (clustered gate) takes the body as the client sent it.
      data = isRawHandler(handler) ? m.body : host.serializer.decode(m.body, m.route, kindOf(m));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.#fail(m, new HandlerError(ResponseCode.BAD_REQUEST, `bad body for ${m.route}: ${why}`));
      return undefined;
    }
    this.#current = m;
    this.#flags &= ~RESPONDED;
    let result: unknown;
    try {
      result = (handler as unknown as (s: Session, p: unknown, k: BodyKind) => unknown)(
        this.session,
        data,
        kindOf(m),
      );
    } catch (e) {
      this.#fail(m, e);
      return undefined;
    }
    if (isThenable(result)) return this.#settle(m, result);
    this.#done(m, result);
    return undefined;
  }

  #viaPipeline(m: PomeloMessage): Promise<void> {
    const host = this.#host;
    let handled = false;
    const ctx: InboundContext = {
      session: this.session,
      type: m.type === MessageType.REQUEST ? "request" : "notify",
      id: m.id,
      route: m.route,
      body: m.body,
      data: undefined,
      response: undefined,
    };
    const run = compose(host.inbound, async (c) => {
      const handler = host.handler(c.route);
      if (!handler) {
        throw new HandlerError(ResponseCode.NOT_FOUND, `no handler at route ${c.route}`);
      }
      try {
        c.data = isRawHandler(handler) ? c.body : host.serializer.decode(c.body, c.route, c.type);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new HandlerError(ResponseCode.BAD_REQUEST, `bad body for ${c.route}: ${why}`);
      }
      this.#current = m;
      this.#flags &= ~RESPONDED;
      c.response = await (handler as unknown as (s: Session, p: unknown, k: BodyKind) => unknown)(
        this.session,
        c.data,
        c.type,
      );
      handled = true;
    });
    const result = run(ctx).then(() => {
      if (handled || ctx.response !== undefined || this.#is(RESPONDED)) return ctx.response;
      throw new HandlerError(ResponseCode.REJECTED, `rejected by middleware: ${m.route}`);
    });
    return this.#settle(m, result);
  }

  /** Waits for a handler's promise, at most `handlerTimeout`. Never rejects. */
  #settle(m: PomeloMessage, result: PromiseLike<unknown>): Promise<void> {
    const timeout = this.#host.limits.handlerTimeout;
    const clock = this.#host.clock;
    return new Promise<void>((resolve) => {
      let over = false;
      const timer = timeout > 0
        ? clock.setTimeout(() => {
          if (over) return;
          over = true;
          this.#fail(
            m,
            new HandlerError(
              ResponseCode.TIMEOUT,
              `handler ${m.route} timed out after ${timeout} ms`,
            ),
          );
          resolve();
        }, timeout)
        : undefined;
      result.then((value) => {
        if (over) return;
        over = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        this.#done(m, value);
        resolve();
      }, (error) => {
        if (over) return;
        over = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        this.#fail(m, error);
        resolve();
      });
    });
  }

  #done(m: PomeloMessage, value: unknown): void {
    const responded = this.#current === m && this.#is(RESPONDED);
    if (this.#current === m) this.#current = undefined;
    if (m.type !== MessageType.REQUEST || responded || this.#is(DEAD)) return;
    this.#emit("response", m.id, m.route, value, false);
  }

  #fail(m: PomeloMessage, error: unknown): void {
    const responded = this.#current === m && this.#is(RESPONDED);
    if (this.#current === m) this.#current = undefined;
    const body = errorBody(error);
    const log = this.#host.log;
    const what = `${
      m.type === MessageType.REQUEST ? "request" : "notify"
    } ${m.route} from ${this.remoteAddress}`;
    if (body.code >= 500 && body.code !== ResponseCode.UNAVAILABLE) {
      log.error("failed requests", `${what} failed:`, error);
    } else log.warn(`error answers (${body.code})`, `${what}: ${body.code} ${body.message}`);
    if (m.type !== MessageType.REQUEST || responded || this.#is(DEAD)) return;
    this.#emit("response", m.id, m.route, body, true);
  }

  // ---- outbound ----

  /** Serializes, runs outbound middleware, encodes and queues a response or push. */
  #emit(
    type: "response" | "push",
    id: number,
    route: string,
    data: unknown,
    error: boolean,
  ): boolean {
    const host = this.#host;
    if (host.outbound.length === 0) {
      const bytes = this.#encode(type, id, route, data, error, undefined);
      return bytes ? this.#send(bytes, false, type === "push") : false;
    }
    const ctx: OutboundContext = {
      session: this.session,
      type,
      id,
      route,
      data,
      body: undefined,
      error,
    };
    const run = compose(host.outbound, (c) => {
      if (c.body === undefined) c.body = this.#serialize(c.type, c.route, c.data, c.error);
    });
    // Chained, so async middleware cannot reorder what one session sends.
    this.#outChain = (this.#outChain ?? Promise.resolve()).then(() => run(ctx)).then(() => {
      if (ctx.body === undefined || this.#is(DEAD)) return;
      const bytes = this.#encode(type, id, route, undefined, error, ctx.body);
      if (bytes) this.#send(bytes, false, type === "push");
    }, (e) => {
      host.log.error("outbound middleware failures", `outbound middleware failed on ${route}:`, e);
    });
    return true;
  }

  #serialize(type: "response" | "push", route: string, data: unknown, error: boolean): Uint8Array {
    if (data instanceof RawBody) return data.bytes; // serialized by another node
    if (error) return te.encode(JSON.stringify(data));
    return this.#host.serializer.encode(data, route, type);
  }

  /** The DATA packet bytes; on a serializer failure a response becomes a 500 error. */
  #encode(
    type: "response" | "push",
    id: number,
    route: string,
    data: unknown,
    error: boolean,
    body: Uint8Array | undefined,
  ): Uint8Array | undefined {
    const enc = this.#host.encoder;
    try {
      const b = body ?? this.#serialize(type, route, data, error);
      return type === "push"
        ? enc.encodeMessage({ type: MessageType.PUSH, route, body: b })
        : enc.encodeMessage({
          type: MessageType.RESPONSE,
          id,
          body: b,
          flags: error ? MessageFlag.ERROR : 0, // no spread: it cost 1 % of a request on Bun
        });
    } catch (e) {
      this.#host.log.error("encode failures", `could not encode the ${type} on ${route}:`, e);
      if (type === "push" || error) return undefined;
      const fallback: ErrorBody = {
        code: ResponseCode.INTERNAL,
        message: `could not encode the response: ${e instanceof Error ? e.message : String(e)}`,
      };
      return this.#encode(type, id, route, fallback, true, undefined);
    }
  }

  /**
   * Hands a packet to the stream, or queues it while the stream is blocked; `force` skips the
   * overflow check (protocol packets). A `push` is held for the merger under `mergePushes`;
   * anything else first releases what is held, so the order on the wire stays the order sent.
   */
  #send(packet: Uint8Array | SharedMessage, force: boolean, push = false): boolean {
    if (this.#is(DEAD)) return false;
    const l = this.#host.limits;
    const merger = this.#host.merger;
    if (merger) {
      if (push) return this.#hold(packet, merger);
      if (this.#held?.length) this.releaseHeld(mergePackets);
    }
    if (!this.#is(BLOCKED) && !this.#out?.length) {
      // The stream has room: it queues and coalesces the burst itself (one packet per ws
      // message, as nano sends them: some stock clients, e.g. npm pomelo-client-websocket
      // 1.0.13, decode only the first packet of a message).
      if (!this.#put(packet)) this.#flags |= BLOCKED;
      return true;
    }
    const n = sizeOf(packet);
    if (
      !force &&
      (this.#outBytes + n > l.maxOutboundBytes ||
        (this.#out?.length ?? 0) >= l.maxOutboundMessages)
    ) {
      this.#overflow();
      return false;
    }
    (this.#out ??= new Fifo<Uint8Array | SharedMessage>(4)).push(packet);
    this.#outBytes += n;
    if (!this.#is(BLOCKED) && !this.#is(FLUSH_SCHEDULED)) {
      this.#flags |= FLUSH_SCHEDULED;
      queueMicrotask(() => this.#flush());
    }
    return true;
  }

  #hold(packet: Packet, merger: PushMerger): boolean {
    const l = this.#host.limits;
    const n = sizeOf(packet);
    const queued = this.#outBytes + this.#heldBytes;
    const count = (this.#out?.length ?? 0) + (this.#held?.length ?? 0);
    if (queued + n > l.maxOutboundBytes || count >= l.maxOutboundMessages) {
      this.#overflow();
      return false;
    }
    if (!this.#held?.length) merger.hold(this);
    (this.#held ??= []).push(packet);
    this.#heldBytes += n;
    return true;
  }

  #flush(): void {
    this.#flags &= ~FLUSH_SCHEDULED;
    const out = this.#out;
    while (out && out.length > 0 && !this.#is(BLOCKED)) {
      const packet = out.shift()!;
      this.#outBytes -= sizeOf(packet);
      if (!this.#put(packet)) this.#flags |= BLOCKED;
    }
    if (!out?.length && !this.#is(BLOCKED)) this.#wakeSettled();
  }

  /** One packet to the stream: a shared one framed once for every stream that frames alike. */
  #put(packet: Uint8Array | SharedMessage): boolean {
    if (packet instanceof Uint8Array) return this.#stream.write(packet);
    return writeShared(this.#stream, packet);
  }

  #wakeSettled(): void {
    if (!this.#isSettled()) return;
    const waiters = this.#drainWaiters;
    if (!waiters) return;
    this.#drainWaiters = undefined;
    for (const w of waiters) w();
  }

  /** A slow client: drop its queue, tell it why, close. Memory stays bounded. */
  #overflow(): void {
    const l = this.#host.limits;
    this.#host.log.warn(
      "slow clients kicked",
      `${this.remoteAddress}: outbound queue over ${l.maxOutboundBytes} bytes / ${l.maxOutboundMessages} messages; kicked`,
    );
    this.#out?.drain();
    this.#outBytes = 0;
    this.#held = undefined;
    this.#heldBytes = 0;
    this.#proto.kick("outbound queue overflow");
  }

  // ---- lifetime ----

  #teardown(reason: string, code?: ErrorCode): void {
    if (this.#is(DEAD)) return;
    // Hand every queued byte (a refusal, a KICK, last responses) to the transport, then close
    // with a linger so they arrive.
    this.#flags &= ~FLUSH_SCHEDULED;
    const rest = [...(this.#out?.drain() ?? []), ...(this.#held ?? [])].map(bytesOf);
    this.#held = undefined;
    this.#heldBytes = 0;
    if (this.#stream.framing === "messages" && rest.length > 1) this.#stream.write(concat(rest));
    else for (const p of rest) this.#stream.write(p);
    this.#outBytes = 0;
    this.#flags |= DEAD;
    this.#reason = reason;
    if (code) {
      this.#host.log.warn(
        `connections closed (${code})`,
        `${this.remoteAddress}: closed: ${reason}`,
      );
    }
    this.#stream.close(this.#host.limits.closeLinger);
    this.#inbox?.drain();
    this.#current = undefined;
    this.#wakeSettled();
    this.#host.closed(this, reason);
    const hooks = this.#hooks;
    this.#hooks = undefined;
    if (hooks) { for (const fn of [...hooks]) this.#runHook(fn); }
    this.#closed?.resolve();
  }

  #runHook(fn: (reason: string) => void): void {
    try {
      fn(this.#reason ?? "closed");
    } catch (e) {
      this.#host.log.error("session close hook failures", "a session close hook failed:", e);
    }
  }
}
