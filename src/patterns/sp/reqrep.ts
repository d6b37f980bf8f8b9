/**
 * REQ0 and REP0 (and RESPONDENT0, which answers like REP). REQ prefixes each request with a
 * u32 id (high bit set, from a random start), load-balances it, resends it after `resendTime`
 * and at once when the pipe that carried it drops, and accepts only the reply carrying that
 * id. REP moves the backtrace into the header (hops > maxTtl: dropped; no id word: the pipe
 * is closed) and replies along it to the pipe the request came from, dropping the reply when
 * that pipe is gone or full. Each context is an independent request (or reply) state machine.
 * @module
 */

import { concat } from "../../core/bytes.ts";
import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import { WeftError } from "../../core/errors.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import {
  BACKTRACE_GARBAGE,
  backtraceLength,
  readU32,
  splitBacktrace,
  u32,
} from "../../protocol/sp/backtrace.ts";
import { EMPTY, fromPipe } from "./message.ts";
import type { SpMessage } from "./message.ts";
import type { SpOptions } from "./options.ts";
import { Context } from "./context.ts";
import type { CoreContext } from "./context.ts";
import { ContextSocket, HostedContext, LiveIds } from "./context_socket.ts";
import { Waiter } from "./waiter.ts";

export { nextId, randomId } from "./context_socket.ts";

/**
 * A REQ context: one request in flight, with its own resend time.
 *
 * @example
 * ```ts
 * import { Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using rep = new Rep0();
 * await rep.listen("inproc://sp-req-context-doc");
 * await using req = new Req0();
 * await req.dial("inproc://sp-req-context-doc");
 * const ctx = req.openContext();
 * ctx.resendTime = 200; // this request is resent every 200 ms until answered
 * await ctx.send("ping");
 * await rep.send(`${new TextDecoder().decode(await rep.recv())}/pong`);
 * assert.equal(new TextDecoder().decode(await ctx.recv()), "ping/pong");
 * ```
 */
export class ReqContext extends Context {
  readonly #request: CoreContext & { resendTime: number | undefined };

  /** Wraps a REQ socket's context (`Req0.openContext()` makes them). */
  constructor(request: CoreContext & { resendTime: number | undefined }) {
    super(request);
    this.#request = request;
  }

  /** Resend interval, ms (≤ 0: never); defaults to the socket's. */
  get resendTime(): number | undefined {
    return this.#request.resendTime;
  }
  set resendTime(value: number | undefined) {
    this.#request.resendTime = value;
  }
}

/** Options of REQ0 sockets. */
export interface Req0Options extends SpOptions {
  /** Resend an unanswered request after this many ms (≤ 0: never). Default 60000. */
  resendTime?: number;
}

/** The state of one REQ context: its request, where it went, who waits. */
class RequestContext extends HostedContext {
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

/**
 * REQ0: sends a request, receives its reply; contexts for many in flight.
 *
 * @example
 * ```ts
 * import { Rep0, Req0, type Req0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const ask = async (req: Req0Socket, question: string) => {
 *   const ctx = req.openContext(); // one request in flight per context
 *   await ctx.send(question);
 *   return new TextDecoder().decode(await ctx.recv());
 * };
 * await using rep = new Rep0();
 * await rep.listen("inproc://req0-socket-doc");
 * await using req = new Req0();
 * await req.dial("inproc://req0-socket-doc");
 * const answer = ask(req, "ping");
 * await rep.send(`${new TextDecoder().decode(await rep.recv())}/pong`);
 * assert.equal(await answer, "ping/pong");
 * ```
 */
export class Req0Socket extends ContextSocket {
  #resendTime: number;
  #lb = new LoadBalancer();
  #fq = new FairQueue();
  #requests = new LiveIds<RequestContext>();
  #queue: RequestContext[] = [];

  /** Creates the core (options with transports). */
  constructor(options: Req0Options) {
    super(SpProtocols.req0, options, {
      create: (host) => new RequestContext(host),
      socket: "req socket",
      context: "req context",
    });
    this.#resendTime = options.resendTime ?? 60_000;
  }

  /** A new independent request context. */
  openContext(): ReqContext {
    return new ReqContext(this.openCoreContext() as RequestContext);
  }

  /** Resend interval of the socket (and of contexts without their own), ms. */
  get resendTime(): number {
    return this.#resendTime;
  }
  set resendTime(value: number) {
    this.#resendTime = value;
  }

  /** Sends a request on `ctx`, cancelling the one it had in flight. */
  protected contextSend(context: HostedContext, body: Uint8Array): Promise<void> {
    const ctx = context as RequestContext;
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

  /** Receives the reply to `ctx`'s request. */
  protected contextRecv(context: HostedContext): Promise<SpMessage> {
    const ctx = context as RequestContext;
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

  /** Ends what the context has pending as it closes. */
  protected abandonContext(context: HostedContext): void {
    const ctx = context as RequestContext;
    this.#abandon(ctx, new WeftError("ECLOSED", "req: the context was closed"));
  }

  #abandon(ctx: RequestContext, error?: WeftError): void {
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

  #enqueue(ctx: RequestContext): void {
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

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
    this.#fq.add(pipe);
    this.#runQueue();
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
    this.#fq.remove(pipe);
    // nng resends at once what the lost pipe carried.
    for (const ctx of this.#requests.values()) {
      if (ctx.pipe === pipe && !ctx.reply) this.#enqueue(ctx);
    }
  }

  /** Room again: requests waiting for a pipe go out. */
  protected override pipeWritable(pipe: Pipe): void {
    super.pipeWritable(pipe);
    if (this.#queue.length > 0) this.#runQueue();
  }

  /** Cooked: replies go straight to the contexts waiting for them. */
  protected override pipeReadable(pipe: Pipe): void {
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
  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    return this.#lb.send(message) !== undefined;
  }

  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl);
      if (split.ok) return fromPipe(split.header, split.body, next.pipe);
    }
    return undefined;
  }

  /** Splits a raw `send(bytes)` into this protocol's header and body. */
  protected override splitRaw(data: Uint8Array): SpMessage {
    const split = splitBacktrace(data, 255);
    return split.ok ? { header: split.header, body: split.body } : { header: EMPTY, body: data };
  }
}

class ResponderContext extends HostedContext {
  recvW: Waiter<SpMessage> | undefined;
  pending: { pipe: Pipe; header: Uint8Array } | undefined;
}

/**
 * The answering side REP0 and RESPONDENT0 share (identical in nng 1.5.2): a context receives
 * a request, then sends its reply along the request's backtrace.
 *
 * @example
 * ```ts
 * import { Rep0, Req0, type Responder } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // Serves a REP0 or a RESPONDENT0 alike: receive, then answer along the same path.
 * const serveOnce = async (server: Responder) => {
 *   const question = await server.recv();
 *   await server.send(`re: ${new TextDecoder().decode(question)}`);
 * };
 * await using rep = new Rep0();
 * await rep.listen("inproc://responder-doc");
 * await using req = new Req0();
 * await req.dial("inproc://responder-doc");
 * await req.send("ping");
 * await serveOnce(rep);
 * assert.equal(new TextDecoder().decode(await req.recv()), "re: ping");
 * ```
 */
export abstract class Responder extends ContextSocket {
  #fq = new FairQueue();
  #byId = new Map<number, Pipe>();
  #waiting: ResponderContext[] = [];

  /** Subclasses pass their protocol (rep0 or respondent0) and the user's options. */
  protected constructor(protocol: SpProtocol, options: SpOptions) {
    super(protocol, options, {
      create: (host) => new ResponderContext(host),
      socket: `${protocol.name} socket`,
      context: "context",
    });
  }

  /** Receives the next request on `ctx` (forgetting one it left unanswered). */
  protected contextRecv(context: HostedContext): Promise<SpMessage> {
    const ctx = context as ResponderContext;
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
      `${this.protocol} recv`,
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

  /** Replies on `ctx` to the request it received. */
  protected contextSend(context: HostedContext, body: Uint8Array): Promise<void> {
    const ctx = context as ResponderContext;
    const closed = this.refuseClosed(ctx, "send");
    if (closed) return closed;
    const to = ctx.pending;
    if (!to) {
      return Promise.reject(
        new WeftError("ESTATE", `${this.protocol} send: expected a recv() of a request first`),
      );
    }
    ctx.pending = undefined;
    // Gone or full: the reply is dropped, never blocked (the requester resends).
    if (to.pipe.attached) to.pipe.send([to.header, body]);
    return Promise.resolve();
  }

  /** Ends what the context has pending as it closes. */
  protected abandonContext(context: HostedContext): void {
    const ctx = context as ResponderContext;
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
  /** Whether arrivals are screened (see `refuseArrival`). */
  protected override get screensArrivals(): boolean {
    return true;
  }

  /** Screens a payload as it arrives: a reason closes its connection. */
  protected override refuseArrival(payload: Uint8Array): string | undefined {
    const ttl = this.raw ? this.maxTtl - 1 : this.maxTtl;
    if (backtraceLength(payload, ttl) !== BACKTRACE_GARBAGE) return undefined;
    return `${this.protocol}: expected a backtrace ending in an id`;
  }

  /** The next well-formed request, dropping those with too many hops. */
  #take(): (SpMessage & { from: Pipe }) | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl);
      if (split.ok) return { header: split.header, body: split.body, from: next.pipe };
      if (split.error === "garbage") {
        next.pipe.abort("EPROTO", `${this.protocol}: expected a backtrace ending in an id`);
      }
    }
    return undefined;
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
    this.#byId.set(pipe.id, pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
    this.#byId.delete(pipe.id);
  }

  /** Cooked: requests go straight to the contexts waiting for one. */
  protected override pipeReadable(pipe: Pipe): void {
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
  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const split = splitBacktrace(next.message[0]!, this.maxTtl - 1);
      if (split.ok) {
        return fromPipe(concat([u32(next.pipe.id), split.header]), split.body, next.pipe);
      }
      if (split.error === "garbage") {
        next.pipe.abort("EPROTO", `${this.protocol}: expected a backtrace ending in an id`);
      }
    }
    return undefined;
  }

  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const header = message[0]!;
    if (header.length < 8) return true; // no pipe id and id: dropped
    const pipe = this.#byId.get(readU32(header, 0));
    pipe?.send([header.subarray(4), message[1]!]);
    return true;
  }

  /** Splits a raw `send(bytes)` into this protocol's header and body. */
  protected override splitRaw(data: Uint8Array): SpMessage {
    const split = splitBacktrace(data.subarray(4), 255);
    if (data.length < 4 || !split.ok) return { header: EMPTY, body: data };
    return { header: data.subarray(0, 4 + split.header.length), body: split.body };
  }
}

/**
 * REP0: receives a request, sends its reply; contexts to serve many at once.
 *
 * @example
 * ```ts
 * import { Rep0, type Rep0Socket, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const serveOnce = async (rep: Rep0Socket) => {
 *   const question = await rep.recv();
 *   await rep.send(`re: ${new TextDecoder().decode(question)}`); // back along the request's path
 * };
 * await using rep = new Rep0();
 * await rep.listen("inproc://rep0-socket-doc");
 * await using req = new Req0();
 * await req.dial("inproc://rep0-socket-doc");
 * await req.send("ping");
 * await serveOnce(rep);
 * assert.equal(new TextDecoder().decode(await req.recv()), "re: ping");
 * ```
 */
export class Rep0Socket extends Responder {
  /** Creates a REP0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.rep0, options);
  }

  /** A new independent reply context. */
  openContext(): Context {
    return new Context(this.openCoreContext());
  }
}
