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
 * import { Push0Socket } from "./pipeline.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Push0Socket({ transports });
 * assert.equal(socket.protocol, "push");
 * socket.close();
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
 * import { Pull0Socket } from "./pipeline.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Pull0Socket({ transports });
 * assert.equal(socket.protocol, "pull");
 * socket.close();
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
