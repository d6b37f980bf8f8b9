/**
 * PUSH0 and PULL0: a pipeline. PUSH round-robins to PULL peers with back-pressure; PULL
 * fair-queues. No SP header; raw mode behaves the same.
 * @module
 */

import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { EMPTY, fromPipe } from "./message.ts";
import { SpSocket } from "./socket.ts";
import type { SpOptions } from "./options.ts";

/**
 * PUSH0: round-robin to PULL peers, waiting while all are full.
 *
 * @example
 * ```ts
 * import { Pull0, Push0, type Push0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const submit = (push: Push0Socket, job: string) => push.send(`job ${job}`);
 * await using pull = new Pull0();
 * await pull.listen("inproc://push0-socket-doc");
 * await using push = new Push0();
 * await push.dial("inproc://push0-socket-doc");
 * await submit(push, "42");
 * assert.equal(new TextDecoder().decode(await pull.recv()), "job 42");
 * ```
 */
export class Push0Socket extends SpSocket {
  #lb = new LoadBalancer();

  /** Creates a PUSH0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.push0, options);
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
  }

  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    return this.#lb.send([EMPTY, message[1]!]) !== undefined;
  }
}

/**
 * PULL0: fair-queued from PUSH peers.
 *
 * @example
 * ```ts
 * import { Pull0, type Pull0Socket, Push0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const nextJob = async (pull: Pull0Socket) => new TextDecoder().decode(await pull.recv());
 * await using pull = new Pull0();
 * await pull.listen("inproc://pull0-socket-doc");
 * await using push = new Push0();
 * await push.dial("inproc://pull0-socket-doc");
 * await push.send("job 42");
 * assert.equal(await nextJob(pull), "job 42");
 * ```
 */
export class Pull0Socket extends SpSocket {
  #fq = new FairQueue();

  /** Creates a PULL0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.pull0, options);
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    const next = this.#fq.read();
    return next && fromPipe(EMPTY, next.message[0]!, next.pipe);
  }
}
