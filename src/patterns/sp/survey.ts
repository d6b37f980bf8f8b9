/**
 * SURVEYOR0 and RESPONDENT0. A survey goes to every peer (best effort: a full peer misses it)
 * under a u32 id (high bit set, random start); responses are accepted until `surveyTime`
 * expires. A receive waiting at expiry fails with ETIMEDOUT (or the first receive after it,
 * when none was waiting), later ones with ESTATE until the next survey; late responses are
 * dropped; a new survey cancels the old. RESPONDENT answers exactly like REP.
 * @module
 */

import { FairQueue } from "../../core/distribution.ts";
import { WeftError } from "../../core/errors.ts";
import { Fifo } from "../../core/fifo.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { readU32, splitBacktrace, u32 } from "../../protocol/sp/backtrace.ts";
import { EMPTY, fromPipe } from "./core.ts";
import type { SpCoreOptions, SpMessage } from "./core.ts";
import { ContextCore, HostedContext, LiveIds } from "./context_core.ts";
import { ResponderCore } from "./reqrep.ts";
import { Waiter } from "./waiter.ts";

/** Options of SURVEYOR0 sockets. */
export interface Surveyor0CoreOptions extends SpCoreOptions {
  /** How long responses are accepted, ms (-1: until the next survey). Default 1000. */
  surveyTime?: number;
}

class SurveyContext extends HostedContext {
  surveyTime: number | undefined;
  id = 0;
  expired = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  responses: Fifo<SpMessage> = new Fifo<SpMessage>();
  recvW: Waiter<SpMessage> | undefined;
}

/** SURVEYOR0's core (see the module doc). */
export class Surveyor0Core extends ContextCore<SurveyContext> {
  /** Default survey duration of new contexts, ms. */
  surveyTime: number;
  #pipes = new Set<Pipe>();
  #fq = new FairQueue();
  #surveys = new LiveIds<SurveyContext>();

  /** Creates the core (options with transports). */
  constructor(options: Surveyor0CoreOptions) {
    super(SpProtocols.surveyor0, options, {
      create: (host) => new SurveyContext(host),
      socket: "surveyor",
      context: "surveyor context",
    });
    this.surveyTime = options.surveyTime ?? 1000;
  }

  /** @internal */
  ctxSend(ctx: SurveyContext, body: Uint8Array): Promise<void> {
    const closed = this.refuseClosed(ctx, "send");
    if (closed) return closed;
    this.#end(ctx, new WeftError("ECANCELED", "surveyor: a new survey cancelled this one"));
    ctx.expired = false;
    ctx.id = this.#surveys.add(ctx);
    const out = [u32(ctx.id), body];
    for (const pipe of this.#pipes) pipe.send(out); // best effort: a full peer misses it
    const time = ctx.surveyTime ?? this.surveyTime;
    if (time >= 0) {
      ctx.timer = setTimeout(() => {
        ctx.timer = undefined;
        const waiting = ctx.recvW !== undefined;
        this.#end(ctx, new WeftError("ETIMEDOUT", `surveyor recv: the survey ended (${time} ms)`));
        ctx.expired = !waiting;
      }, time);
    }
    return Promise.resolve();
  }

  /** @internal */
  ctxRecv(ctx: SurveyContext): Promise<SpMessage> {
    const closed = this.refuseClosed(ctx, "recv");
    if (closed) return closed;
    const ready = ctx.responses.shift();
    if (ready) return Promise.resolve(ready);
    if (ctx.id === 0) {
      if (ctx.expired) {
        ctx.expired = false;
        return Promise.reject(new WeftError("ETIMEDOUT", "surveyor recv: the survey ended"));
      }
      return Promise.reject(new WeftError("ESTATE", "surveyor recv: expected a survey first"));
    }
    if (ctx.recvW) {
      return Promise.reject(new WeftError("ESTATE", "surveyor recv: a recv() already waits"));
    }
    const w = new Waiter<SpMessage>(
      ctx.recvTimeout ?? this.options.receiveTimeout,
      "surveyor recv",
      () => (ctx.recvW = undefined),
    );
    ctx.recvW = w;
    return w.promise;
  }

  protected abandonContext(ctx: SurveyContext): void {
    this.#end(ctx, new WeftError("ECLOSED", "surveyor: the context was closed"));
  }

  #end(ctx: SurveyContext, error: WeftError): void {
    if (ctx.id !== 0) this.#surveys.delete(ctx.id);
    ctx.id = 0;
    if (ctx.timer !== undefined) clearTimeout(ctx.timer);
    ctx.timer = undefined;
    ctx.responses = new Fifo();
    const w = ctx.recvW;
    ctx.recvW = undefined;
    w?.reject(error);
  }

  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    this.#fq.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#fq.remove(pipe);
  }

  /** @internal */
  override pipeReadable(pipe: Pipe): void {
    if (this.raw) return super.pipeReadable(pipe);
    for (let m = pipe.read(); m; m = pipe.read()) this.#response(m[0]!, pipe);
  }

  #response(payload: Uint8Array, pipe: Pipe): void {
    if (payload.length < 4) {
      pipe.abort("EPROTO", `surveyor: expected a 4-byte survey id, got ${payload.length} bytes`);
      return;
    }
    if ((payload[0]! & 0x80) === 0) return;
    const ctx = this.#surveys.get(readU32(payload, 0));
    if (!ctx) return; // late or unknown: dropped
    const msg: SpMessage = { header: EMPTY, body: payload.subarray(4), pipe: pipe.id };
    const w = ctx.recvW;
    if (w) {
      ctx.recvW = undefined;
      w.resolve(msg);
      return;
    }
    const cap = this.options.receiveHighWaterMark;
    if (cap === 0 || ctx.responses.length < cap) ctx.responses.push(msg);
  }

  // Raw: surveys go to every peer with the user's header; responses expose theirs.
  protected override xsend(message: Message): boolean {
    for (const pipe of this.#pipes) pipe.send(message);
    return true;
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

/** RESPONDENT0's core: answers surveys as REP answers requests. */
export class Respondent0Core extends ResponderCore {
  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.respondent0, options);
  }
}
