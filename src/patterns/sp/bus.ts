/**
 * BUS0: every message goes to every directly connected peer, best effort (a full peer misses
 * it); nothing is forwarded. Raw mode exposes the source pipe id as a 4-byte header that is
 * never sent: sending with it skips that pipe, so a device does not echo a message back.
 * @module
 */

import { FairQueue } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { readU32, u32 } from "../../protocol/sp/backtrace.ts";
import { EMPTY, fromPipe } from "./message.ts";
import { SpSocket } from "./socket.ts";
import type { SpMessage } from "./message.ts";
import type { SpOptions } from "./options.ts";

/**
 * BUS0: every message to every direct peer, best effort.
 *
 * @example
 * ```ts
 * import { Bus0, type Bus0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const announce = (node: Bus0Socket, name: string) => node.send(`${name} joined`);
 * await using a = new Bus0();
 * await a.listen("inproc://bus0-socket-doc");
 * await using b = new Bus0();
 * await b.dial("inproc://bus0-socket-doc");
 * await announce(b, "b"); // to every directly connected peer
 * assert.equal(new TextDecoder().decode(await a.recv()), "b joined");
 * ```
 */
export class Bus0Socket extends SpSocket {
  #pipes = new Set<Pipe>();
  #fq = new FairQueue();

  /** Creates a BUS0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.bus0, options);
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

  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const header = message[0]!;
    const skip = this.raw && header.length >= 4 ? readU32(header, 0) : -1;
    const out = [EMPTY, message[1]!];
    for (const pipe of this.#pipes) if (pipe.id !== skip) pipe.send(out);
    return true;
  }

  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    const next = this.#fq.read();
    if (!next) return undefined;
    return fromPipe(this.raw ? u32(next.pipe.id) : EMPTY, next.message[0]!, next.pipe);
  }

  /** Raw `send(bytes)` mirrors raw `recv()`: the first 4 bytes are the source pipe id. */
  protected override splitRaw(data: Uint8Array): SpMessage {
    if (data.length < 4) return { header: EMPTY, body: data };
    return { header: data.subarray(0, 4), body: data.subarray(4) };
  }
}
