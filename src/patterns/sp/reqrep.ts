/**
 * REQ0 and REP0 (and RESPONDENT0, which answers like REP). REQ prefixes each request with a
 * u32 id (high bit set, from a random start), load-balances it, resends it after `resendTime`
 * and at once when the pipe that carried it drops, and accepts only the reply carrying that
 * id. REP moves the backtrace into the header (hops > maxTtl: dropped; no id word: the pipe
 * is closed) and replies along it to the pipe the request came from, dropping the reply when
 * that pipe is gone or full. Each context is an independent request (or reply) state machine.
 * @module
 */

import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import { WeftError } from "../../core/errors.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import {
  BACKTRACE_GARBAGE,
  backtraceLength,
  concat,
  readU32,
  splitBacktrace,
  u32,
} from "../../protocol/sp/backtrace.ts";
import { EMPTY, fromPipe } from "./core.ts";
import type { SpCoreOptions, SpMessage } from "./core.ts";
import { ContextCore, HostedContext, LiveIds } from "./context_core.ts";
import { Waiter } from "./waiter.ts";

export { nextId, randomId } from "./context_core.ts";

/** Options of REQ0 sockets. */
export interface Req0CoreOptions extends SpCoreOptions {
  /** Resend an unanswered request after this many ms (≤ 0: never). Default 60000. */
  resendTime?: number;
}

class ReqContext extends HostedContext {
  resendTime: number | undefined;
  id = 0;
  message: Message | undefined;
  pipe: Pipe | undefined;
  queued = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  sendW: Waiter<void> | undefined;
  recvW: Waiter<SpMessage> | undefined;
  reply: SpMessage | undefined;
}

/** REQ0's core (see the module doc). */
export class Req0Core extends ContextCore<ReqContext> {
  /** Default resend interval of new contexts, ms. */
  resendTime: number;
  #lb = new LoadBalancer();
  #fq = new FairQueue();
  #requests = new LiveIds<ReqContext>();
  #queue: ReqContext[] = [];

  /** Creates the core (options with transports). */
  constructor(options: Req0CoreOptions) {
    super(SpProtocols.req0, options, {
      create: (host) => new ReqContext(host),
      socket: "req socket",
      context: "req context",
    });
    this.resendTime = options.resendTime ?? 60_000;
  }

  /** @internal */
  ctxSend(ctx: ReqContext, body: Uint8Array): Promise<void> {
    const closed = this.refuseClosed(ctx, "send");
    if (closed) return closed;
    this.#abandon(ctx, new WeftError("ECANCELED", "req: a new request cancelled this one"));
    ctx.id = this.#requests.add(ctx);
    ctx.message = [u32(ctx.id), body];
    const w = new Waiter<void>(
      ctx.sendTimeout ?? this.options.sendTimeout,
      "req send",
      () => this.#abandon(ctx),
    );
    ctx.sendW = w;
    this.#enqueue(ctx);
    return w.promise;
  }

  /** @internal */
  ctxRecv(ctx: ReqContext): Promise<SpMessage> {
    const closed = this.refuseClosed(ctx, "recv");
    if (closed) return closed;
    const reply = ctx.reply;
    if (reply) {
      ctx.reply = undefined;
      return Promise.resolve(reply);
    }
    if (ctx.id === 0) {
      return Promise.reject(new WeftError("ESTATE", "req recv: expected a send() first"));
    }
    if (ctx.recvW) {
      return Promise.reject(new WeftError("ESTATE", "req recv: a recv() is already waiting"));
    }
    // A recv that times out abandons the request (as nng): a late reply is dropped.
    const w = new Waiter<SpMessage>(
      ctx.recvTimeout ?? this.options.receiveTimeout,
      "req recv",
      () => {
        ctx.recvW = undefined;
        this.#abandon(ctx);
      },
    );
    ctx.recvW = w;
    return w.promise;
  }

  protected abandonContext(ctx: ReqContext): void {
    this.#abandon(ctx, new WeftError("ECLOSED", "req: the context was closed"));
  }

  #abandon(ctx: ReqContext, error?: WeftError): void {
    if (ctx.id !== 0) this.#requests.delete(ctx.id);
    ctx.id = 0;
    ctx.message = undefined;
    ctx.pipe = undefined;
    ctx.reply = undefined;
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    if (ctx.queued) {
      ctx.queued = false;
      this.#queue.splice(this.#queue.indexOf(ctx), 1);
    }
    const { sendW, recvW } = ctx;
    ctx.sendW = undefined;
    ctx.recvW = undefined;
    if (error) {
      sendW?.reject(error);
      recvW?.reject(error);
    }
  }

  #enqueue(ctx: ReqContext): void {
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    ctx.pipe = undefined;
    if (!ctx.queued) {
      ctx.queued = true;
      this.#queue.push(ctx);
    }
    this.#runQueue();
  }

  #runQueue(): void {
    while (this.#queue.length > 0) {
      const pipe = this.#lb.pick();
      if (!pipe) return;
      const ctx = this.#queue.shift()!;
      ctx.queued = false;
      if (!ctx.message || !pipe.send(ctx.message)) continue;
      ctx.pipe = pipe;
      const resend = ctx.resendTime ?? this.resendTime;
      if (resend > 0) ctx.timer = setTimeout(() => this.#enqueue(ctx), resend);
      const w = ctx.sendW;
      ctx.sendW = undefined;
      w?.resolve();
    }
  }

  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
    this.#fq.add(pipe);
    this.#runQueue();
  }

  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
    this.#fq.remove(pipe);
    // nng resends at once what the lost pipe carried.
    for (const ctx of this.#requests.values()) {
      if (ctx.pipe === pipe && !ctx.reply) this.#enqueue(ctx);
    }
  }

  /** @internal */
  override pipeWritable(pipe: Pipe): void {
    super.pipeWritable(pipe);
    if (this.#queue.length > 0) this.#runQueue();
  }

  /** @internal */
  override pipeReadable(pipe: Pipe): void {
    if (this.raw) return super.pipeReadable(pipe);
    for (let m = pipe.read(); m; m = pipe.read()) this.#reply(m[0]!, pipe);
  }

  #reply(payload: Uint8Array, pipe: Pipe): void {
    if (payload.length < 4 || (payload[0]! & 0x80) === 0) return; // not a reply: dropped
    const ctx = this.#requests.get(readU32(payload, 0));
    if (!ctx) return; // unknown or abandoned request: dropped
    this.#requests.delete(ctx.id);
    ctx.id = 0;
    ctx.message = undefined;
    ctx.pipe = undefined;
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    const reply: SpMessage = { header: EMPTY, body: payload.subarray(4), pipe: pipe.id };
    const w = ctx.recvW;
    ctx.recvW = undefined;
    if (w) w.resolve(reply);
    else ctx.reply = reply;
  }

  // Raw: headers are the user's; requests load-balance, replies fair-queue.
  protected override xsend(message: Message): boolean {
    return this.#lb.send(message) !== undefined;
  }

  protected override xrecv(): Message | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl);
      if (split.ok) return fromPipe(split.header, split.body, next.pipe);
    }
    return undefined;
  }

  override splitRaw(data: Uint8Array): SpMessage {
    const split = splitBacktrace(data, 255);
    return split.ok ? { header: split.header, body: split.body } : { header: EMPTY, body: data };
  }
}

class ResponderContext extends HostedContext {
  recvW: Waiter<SpMessage> | undefined;
  pending: { pipe: Pipe; header: Uint8Array } | undefined;
}

/** The answering side shared by REP0 and RESPONDENT0 (identical in nng 1.5.2). */
export class ResponderCore extends ContextCore<ResponderContext> {
  #fq = new FairQueue();
  #byId = new Map<number, Pipe>();
  #waiting: ResponderContext[] = [];

  /** Creates the core for `protocol` (rep0 or respondent0). A context receives, then replies. */
  constructor(protocol: SpProtocol, options: SpCoreOptions) {
    super(protocol, options, {
      create: (host) => new ResponderContext(host),
      socket: `${protocol.name} socket`,
      context: "context",
    });
  }

  /** @internal */
  ctxRecv(ctx: ResponderContext): Promise<SpMessage> {
    const closed = this.refuseClosed(ctx, "recv");
    if (closed) return closed;
    if (ctx.recvW) {
      return Promise.reject(new WeftError("ESTATE", "recv: a recv() is already waiting"));
    }
    ctx.pending = undefined; // as nng: a new recv forgets an unanswered request
    const got = this.#take();
    if (got) return Promise.resolve(this.#deliver(ctx, got));
    const w = new Waiter<SpMessage>(
      ctx.recvTimeout ?? this.options.receiveTimeout,
      `${this.protocol.name} recv`,
      () => {
        ctx.recvW = undefined;
        const i = this.#waiting.indexOf(ctx);
        if (i >= 0) this.#waiting.splice(i, 1);
      },
    );
    ctx.recvW = w;
    this.#waiting.push(ctx);
    return w.promise;
  }

  /** @internal */
  ctxSend(ctx: ResponderContext, body: Uint8Array): Promise<void> {
    const closed = this.refuseClosed(ctx, "send");
    if (closed) return closed;
    const to = ctx.pending;
    if (!to) {
      return Promise.reject(
        new WeftError("ESTATE", `${this.protocol.name} send: expected a recv() of a request first`),
      );
    }
    ctx.pending = undefined;
    // Gone or full: the reply is dropped, never blocked (the requester resends).
    if (to.pipe.attached) to.pipe.send([to.header, body]);
    return Promise.resolve();
  }

  protected abandonContext(ctx: ResponderContext): void {
    ctx.pending = undefined;
    const i = this.#waiting.indexOf(ctx);
    if (i >= 0) this.#waiting.splice(i, 1);
    const w = ctx.recvW;
    ctx.recvW = undefined;
    w?.reject(new WeftError("ECLOSED", "recv: the context was closed"));
  }

  #deliver(ctx: ResponderContext, got: SpMessage & { from: Pipe }): SpMessage {
    ctx.pending = { pipe: got.from, header: got.header };
    return { header: EMPTY, body: got.body, pipe: got.from.id };
  }

  // Garbage backtraces close their connection as they arrive (as nng), not when taken.
  protected override get screensArrivals(): boolean {
    return true;
  }

  protected override refuseArrival(payload: Uint8Array): string | undefined {
    const ttl = this.raw ? this.maxTtl - 1 : this.maxTtl;
    if (backtraceLength(payload, ttl) !== BACKTRACE_GARBAGE) return undefined;
    return `${this.protocol.name}: expected a backtrace ending in an id`;
  }

  /** The next well-formed request, dropping those with too many hops. */
  #take(): (SpMessage & { from: Pipe }) | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl);
      if (split.ok) return { header: split.header, body: split.body, from: next.pipe };
      if (split.error === "garbage") {
        next.pipe.abort("EPROTO", `${this.protocol.name}: expected a backtrace ending in an id`);
      }
    }
    return undefined;
  }

  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
    this.#byId.set(pipe.id, pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
    this.#byId.delete(pipe.id);
  }

  /** @internal */
  override pipeReadable(pipe: Pipe): void {
    if (this.raw) return super.pipeReadable(pipe);
    while (this.#waiting.length > 0) {
      const got = this.#take();
      if (!got) return;
      const ctx = this.#waiting.shift()!;
      const w = ctx.recvW!;
      ctx.recvW = undefined;
      w.resolve(this.#deliver(ctx, got));
    }
  }

  // Raw: the header starts with the source pipe id (never sent), then the backtrace.
  protected override xrecv(): Message | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl - 1);
      if (split.ok) return fromPipe(concat(u32(next.pipe.id), split.header), split.body, next.pipe);
      if (split.error === "garbage") {
        next.pipe.abort("EPROTO", `${this.protocol.name}: expected a backtrace ending in an id`);
      }
    }
    return undefined;
  }

  protected override xsend(message: Message): boolean {
    const header = message[0]!;
    if (header.length < 8) return true; // no pipe id and id: dropped
    const pipe = this.#byId.get(readU32(header, 0));
    pipe?.send([header.subarray(4), message[1]!]);
    return true;
  }

  override splitRaw(data: Uint8Array): SpMessage {
    const split = splitBacktrace(data.subarray(4), 255);
    if (data.length < 4 || !split.ok) return { header: EMPTY, body: data };
    return { header: data.subarray(0, 4 + split.header.length), body: split.body };
  }
}

/** REP0's core. */
export class Rep0Core extends ResponderCore {
  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.rep0, options);
  }
}
