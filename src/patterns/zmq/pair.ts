/**
 * PAIR: one peer, both directions, blocking at the high-water mark. A second peer is refused
 * while the first is connected (libzmq's behaviour).
 * @module
 */

import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "./options.ts";

/**
 * An exclusive two-way connection to one other PAIR socket.
 *
 * The machinery of `Pair` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Pair` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pair, type PairSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const ping = async (pair: PairSocket) => {
 *   await pair.send("ping");
 *   return new TextDecoder().decode((await pair.receive())[0]);
 * };
 * await using a = new Pair();
 * await a.bind("inproc://pair-socket-doc");
 * await using b = new Pair();
 * b.connect("inproc://pair-socket-doc");
 * const answer = ping(b);
 * await a.receive();
 * await a.send("pong");
 * assert.equal(await answer, "pong");
 * ```
 */
export class PairSocket extends Socket {
  #pipe: Pipe | undefined;

  /** Creates a PAIR socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PAIR", options);
  }

  /** Checks a peer after its handshake; a reason refuses it. */
  protected override xaccept(pipe: Pipe): string | undefined {
    if (this.#pipe && this.#pipe !== pipe) return "PAIR already has a peer";
    return undefined;
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    if (!this.#pipe) this.#pipe = pipe;
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = undefined;
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    return this.#pipe !== undefined && this.#pipe.send(message);
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    return this.#pipe?.read();
  }
}
