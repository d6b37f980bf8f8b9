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
import { EMPTY, fromPipe } from "./message.ts";
import type { SpMessage } from "./message.ts";
import type { SpOptions } from "./options.ts";
import { Context } from "./context.ts";
import type { CoreContext } from "./context.ts";
import { ContextSocket, HostedContext, LiveIds } from "./context_socket.ts";
import { Responder } from "./reqrep.ts";
import { Waiter } from "./waiter.ts";

/**
 * A SURVEYOR context: one survey at a time, with its own survey time.
 *
 * @example
 * ```ts
 * import { Respondent0, Surveyor0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using respondent = new Respondent0();
 * await respondent.listen("inproc://sp-surveyor-context-doc");
 * await using surveyor = new Surveyor0();
 * await surveyor.dial("inproc://sp-surveyor-context-doc");
 * const ctx = surveyor.openContext();
 * ctx.surveyTime = 5000; // answers are accepted for 5 s
 * await ctx.send("who is there?");
 * await respondent.recv();
 * await respondent.send("me");
 * assert.equal(new TextDecoder().decode(await ctx.recv()), "me");
 * ```
 */
export class SurveyorContext extends Context {
  readonly #survey: CoreContext & { surveyTime: number | undefined };

  /** Wraps a SURVEYOR socket's context (`Surveyor0.openContext()` makes them). */
  constructor(survey: CoreContext & { surveyTime: number | undefined }) {
    super(survey);
    this.#survey = survey;
  }

  /** How long responses are accepted, ms; defaults to the socket's. */
  get surveyTime(): number | undefined {
    return this.#survey.surveyTime;
  }
  set surveyTime(value: number | undefined) {
    this.#survey.surveyTime = value;
  }
}

/** Options of SURVEYOR0 sockets. */
export interface Surveyor0Options extends SpOptions {
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

/**
 * SURVEYOR0: asks every respondent, collects answers until the survey time ends.
 *
 * @example
 * ```ts
 * import { Respondent0, Surveyor0, type Surveyor0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const firstAnswer = async (surveyor: Surveyor0Socket, question: string) => {
 *   await surveyor.send(question); // to every respondent
 *   return new TextDecoder().decode(await surveyor.recv()); // answers until surveyTime ends
 * };
 * await using respondent = new Respondent0();
 * await respondent.listen("inproc://surveyor0-socket-doc");
 * await using surveyor = new Surveyor0({ surveyTime: 1000 });
 * await surveyor.dial("inproc://surveyor0-socket-doc");
 * const answer = firstAnswer(surveyor, "status?");
 * await respondent.recv();
 * await respondent.send("up");
 * assert.equal(await answer, "up");
 * ```
 */
export class Surveyor0Socket extends ContextSocket {
  #surveyTime: number;
  #pipes = new Set<Pipe>();
  #fq = new FairQueue();
  #surveys = new LiveIds<SurveyContext>();

  /** Creates the core (options with transports). */
  constructor(options: Surveyor0Options) {
    super(SpProtocols.surveyor0, options, {
      create: (host) => new SurveyContext(host),
      socket: "surveyor",
      context: "surveyor context",
    });
    this.#surveyTime = options.surveyTime ?? 1000;
  }

  /** A new independent survey context. */
  openContext(): SurveyorContext {
    return new SurveyorContext(this.openCoreContext() as SurveyContext);
  }

  /** Survey duration of the socket (and of contexts without their own), ms. */
  get surveyTime(): number {
    return this.#surveyTime;
  }
  set surveyTime(value: number) {
    this.#surveyTime = value;
  }

  /** Starts a survey on `ctx`, ending the one it had running. */
  protected contextSend(context: HostedContext, body: Uint8Array): Promise<void> {
    const ctx = context as SurveyContext;
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

  /** Receives the next response to `ctx`'s survey. */
  protected contextRecv(context: HostedContext): Promise<SpMessage> {
    const ctx = context as SurveyContext;
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

  /** Ends what the context has pending as it closes. */
  protected abandonContext(context: HostedContext): void {
    const ctx = context as SurveyContext;
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

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#fq.remove(pipe);
  }

  /** Cooked: responses go straight to their survey's context. */
  protected override pipeReadable(pipe: Pipe): void {
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
  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    for (const pipe of this.#pipes) pipe.send(message);
    return true;
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

/**
 * RESPONDENT0: receives a survey, sends its answer; contexts to answer many at once.
 *
 * @example
 * ```ts
 * import { Respondent0, type Respondent0Socket, Surveyor0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const answerOnce = async (respondent: Respondent0Socket, answer: string) => {
 *   await respondent.recv(); // a survey
 *   await respondent.send(answer); // goes to the surveyor that asked
 * };
 * await using respondent = new Respondent0();
 * await respondent.listen("inproc://respondent0-socket-doc");
 * await using surveyor = new Surveyor0({ surveyTime: 1000 });
 * await surveyor.dial("inproc://respondent0-socket-doc");
 * await surveyor.send("status?");
 * await answerOnce(respondent, "up");
 * assert.equal(new TextDecoder().decode(await surveyor.recv()), "up");
 * ```
 */
export class Respondent0Socket extends Responder {
  /** Creates a RESPONDENT0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.respondent0, options);
  }

  /** A new independent response context. */
  openContext(): Context {
    return new Context(this.openCoreContext());
  }
}
