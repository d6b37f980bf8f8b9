/**
 * PUSH0 and PULL0: a pipeline. PUSH round-robins to PULL peers with back-pressure; PULL
 * fair-queues. No SP header; raw mode behaves the same.
 * @module
 */

import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { EMPTY, fromPipe, SpCore } from "./core.ts";
import type { SpCoreOptions } from "./core.ts";

/** PUSH0's core: round-robin sends, waiting while every peer is full. */
export class Push0Core extends SpCore {
  #lb = new LoadBalancer();

  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.push0, options);
  }

  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
  }

  protected override xsend(message: Message): boolean {
    return this.#lb.send([EMPTY, message[1]!]) !== undefined;
  }
}

/** PULL0's core: fair-queued receives. */
export class Pull0Core extends SpCore {
  #fq = new FairQueue();

  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.pull0, options);
  }

  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

  protected override xrecv(): Message | undefined {
    const next = this.#fq.read();
    return next && fromPipe(EMPTY, next.message[0]!, next.pipe);
  }
}
