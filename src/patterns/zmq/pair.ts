/**
 * PAIR: one peer, both directions, blocking at the high-water mark. A second peer is refused
 * while the first is connected (libzmq's behaviour).
 * @module
 */

import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "../../core/options.ts";

/** An exclusive two-way connection to one other PAIR socket. */
export class PairSocket extends Socket {
  #pipe: Pipe | undefined;

  /** Creates a PAIR socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PAIR", options);
  }

  protected override xaccept(pipe: Pipe): string | undefined {
    if (this.#pipe && this.#pipe !== pipe) return "PAIR already has a peer";
    return undefined;
  }

  protected xattach(pipe: Pipe): void {
    if (!this.#pipe) this.#pipe = pipe;
  }

  protected xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = undefined;
  }

  protected override xsend(message: Message): boolean {
    return this.#pipe !== undefined && this.#pipe.send(message);
  }

  protected override xrecv(): Message | undefined {
    return this.#pipe?.read();
  }
}
