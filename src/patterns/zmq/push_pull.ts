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
 * import { PushSocket } from "./push_pull.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new PushSocket({ transports });
 * assert.equal(socket.socketType, "PUSH");
 * socket.close();
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
 * import { PullSocket } from "./push_pull.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new PullSocket({ transports });
 * assert.equal(socket.socketType, "PULL");
 * socket.close();
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
    return this.#fq.read()?.message;
  }
}
