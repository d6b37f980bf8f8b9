/**
 * REQ and REP: strict request-reply. REQ sends `["", ...request]` round-robin and accepts only
 * the reply from the peer it asked; REP strips the envelope (everything up to the empty
 * delimiter), hands the request up, and sends the reply back along the saved envelope.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "./options.ts";

const DELIMITER = new Uint8Array(0);
const asBatch = (message: Message): Message[] => [message];

/** Options of REQ sockets. */
export interface ReqOptions extends SocketOptions {
  /** Prefix requests with a 4-byte id and drop replies that don't carry it. */
  correlate?: boolean;
  /** Allow a new request before the reply to the last one (use with `correlate`). */
  relaxed?: boolean;
}

/**
 * Sends a request, then receives its reply, alternately.
 *
 * The machinery of `Req` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Req` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Rep, Req, type ReqSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const ask = async (req: ReqSocket, question: string) => {
 *   await req.send(question);
 *   return new TextDecoder().decode((await req.receive())[0]); // the reply, before the next send
 * };
 * await using rep = new Rep();
 * await rep.bind("inproc://req-socket-doc");
 * await using req = new Req();
 * req.connect("inproc://req-socket-doc");
 * const answer = ask(req, "ping");
 * await rep.receive();
 * await rep.send("pong");
 * assert.equal(await answer, "pong");
 * ```
 */
export class ReqSocket extends Socket {
  #lb = new LoadBalancer();
  #fq = new FairQueue();
  #replyPipe: Pipe | undefined;
  #awaitingReply = false;
  #requestId = (Math.random() * 0xffffffff) >>> 0;
  #correlate: boolean;
  #relaxed: boolean;

  /** Creates a REQ socket (see {@link ReqOptions}). */
  constructor(options: ReqOptions) {
    super("REQ", options);
    this.#correlate = options.correlate ?? false;
    this.#relaxed = options.relaxed ?? false;
  }

  /** Prefix requests with an id and match replies to it. */
  get correlate(): boolean {
    return this.#correlate;
  }
  set correlate(value: boolean) {
    this.#correlate = value;
  }

  /** Allow a new request while a reply is outstanding. */
  get relaxed(): boolean {
    return this.#relaxed;
  }
  set relaxed(value: boolean) {
    this.#relaxed = value;
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
    this.#fq.remove(pipe);
    if (this.#replyPipe === pipe) this.#replyPipe = undefined;
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    if (this.#awaitingReply && !this.#relaxed) {
      throw new WeftError("ESTATE", "REQ send: expected receive() of the pending reply first");
    }
    const pipe = this.#lb.pick();
    if (!pipe) return false;
    this.#requestId = (this.#requestId + 1) >>> 0;
    // The frames are laid out by hand: spreading an envelope array and the message cost ~400 B
    // of garbage per request on V8 (minor GCs, hence round trips that meet one).
    const head = this.#correlate ? 2 : 1;
    const frames = new Array<Uint8Array>(head + message.length);
    if (this.#correlate) frames[0] = this.#idFrame(this.#requestId);
    frames[head - 1] = DELIMITER;
    for (let i = 0; i < message.length; i++) frames[head + i] = message[i]!;
    if (!pipe.send(frames)) return false;
    this.#replyPipe = pipe;
    this.#awaitingReply = true;
    return true;
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    if (!this.#awaitingReply && !this.sendPending) {
      throw new WeftError("ESTATE", "REQ receive: expected send() of a request first");
    }
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      if (next.pipe !== this.#replyPipe) continue; // a stale reply from another peer
      const frames = next.message;
      let at = 0;
      if (this.#correlate) {
        const id = frames[0];
        if (
          !id || id.length !== 4 ||
          new DataView(id.buffer, id.byteOffset).getUint32(0) !== this.#requestId
        ) {
          continue;
        }
        at = 1;
      }
      if (frames[at]?.length !== 0 || frames.length < at + 2) continue; // no delimiter: malformed
      this.#awaitingReply = false;
      this.#replyPipe = undefined;
      return frames.slice(at + 1);
    }
    return undefined;
  }

  #idFrame(id: number): Uint8Array {
    const frame = new Uint8Array(4);
    new DataView(frame.buffer).setUint32(0, id);
    return frame;
  }
}

/**
 * Receives a request, then sends its reply, alternately.
 *
 * The machinery of `Rep` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Rep` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Rep, type RepSocket, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const serveOnce = async (rep: RepSocket) => {
 *   const [question] = await rep.receive();
 *   await rep.send(`re: ${new TextDecoder().decode(question)}`); // back to the asker
 * };
 * await using rep = new Rep();
 * await rep.bind("inproc://rep-socket-doc");
 * await using req = new Req();
 * req.connect("inproc://rep-socket-doc");
 * await req.send("ping");
 * await serveOnce(rep);
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "re: ping");
 * ```
 */
export class RepSocket extends Socket {
  #fq = new FairQueue();
  #replyTo: { pipe: Pipe; envelope: Message } | undefined;

  /** Creates a REP socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("REP", options);
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    if (this.#replyTo) {
      throw new WeftError("ESTATE", "REP receive: expected send() of the reply first");
    }
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const frames = next.message;
      let delimiter = 0;
      while (delimiter < frames.length && frames[delimiter]!.length !== 0) delimiter++;
      // No delimiter, or nothing after it: malformed, drop.
      if (delimiter >= frames.length - 1) continue;
      this.#replyTo = { pipe: next.pipe, envelope: frames.slice(0, delimiter + 1) };
      return frames.slice(delimiter + 1);
    }
    return undefined;
  }

  /**
   * The batch path (`receiveBatch`, `for await`): REP holds one request until it is answered,
   * so a batch is that one request. The shared batch loop would try a second receive, which
   * throws ESTATE and is caught: an error object and its stack trace per request (~800 B of
   * garbage and a few µs on the hot path of every `for await` server).
   */
  protected override receiveReady(): Promise<Message[]> {
    return this.receiveFrames().then(asBatch);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const to = this.#replyTo;
    if (!to) throw new WeftError("ESTATE", "REP send: expected receive() of a request first");
    this.#replyTo = undefined;
    // The requester may be gone, or full: the reply is dropped, as libzmq does.
    if (!to.pipe.closed) to.pipe.send(to.envelope.concat(message));
    this.wakeReceivers();
    return true;
  }
}
