/**
 * PUSH and PULL: a pipeline. PUSH round-robins to PULL peers and waits when all are at their
 * high-water mark; PULL fair-queues from PUSH peers.
 * @module
 */

import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "./options.ts";

/**
 * Sends messages round-robin to connected PULL sockets.
 *
 * The machinery of `Push` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Push` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pull, Push, type PushSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const submit = (push: PushSocket, job: string) => push.send(["job", job]);
 * await using pull = new Pull();
 * await pull.bind("inproc://push-socket-doc");
 * await using push = new Push();
 * push.connect("inproc://push-socket-doc");
 * await submit(push, "42");
 * assert.equal(new TextDecoder().decode((await pull.receive())[1]), "42");
 * ```
 */
export class PushSocket extends Socket {
  #lb = new LoadBalancer();

  /** Creates a PUSH socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PUSH", options);
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    return this.#lb.send(message) !== undefined;
  }
}

/**
 * Receives messages fair-queued from connected PUSH sockets.
 *
 * The machinery of `Pull` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Pull` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pull, type PullSocket, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const nextJob = async (pull: PullSocket) => new TextDecoder().decode((await pull.receive())[0]);
 * await using pull = new Pull();
 * await pull.bind("inproc://pull-socket-doc");
 * await using push = new Push();
 * push.connect("inproc://pull-socket-doc");
 * await push.send("job 42");
 * assert.equal(await nextJob(pull), "job 42");
 * ```
 */
export class PullSocket extends Socket {
  #fq = new FairQueue();

  /** Creates a PULL socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PULL", options);
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
    return this.#fq.readMessage();
  }
}
