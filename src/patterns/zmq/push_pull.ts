/**
 * PUSH and PULL: a pipeline. PUSH round-robins to PULL peers and waits when all are at their
 * high-water mark; PULL fair-queues from PUSH peers.
 * @module
 */

import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "../../core/options.ts";

/** Sends messages round-robin to connected PULL sockets. */
export class PushSocket extends Socket {
  #lb = new LoadBalancer();

  /** Creates a PUSH socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PUSH", options);
  }

  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
  }

  protected override xsend(message: Message): boolean {
    return this.#lb.send(message) !== undefined;
  }
}

/** Receives messages fair-queued from connected PUSH sockets. */
export class PullSocket extends Socket {
  #fq = new FairQueue();

  /** Creates a PULL socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PULL", options);
  }

  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

  protected override xrecv(): Message | undefined {
    return this.#fq.read()?.message;
  }
}
