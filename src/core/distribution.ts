/**
 * The two distribution strategies of socket patterns (ZeroMQ's and nng's alike): round-robin
 * over writable pipes ({@link LoadBalancer}, for PUSH, DEALER, REQ) and fair-queueing over
 * readable pipes ({@link FairQueue}, for PULL, DEALER, ROUTER, SUB, REP…).
 * @module
 */

import type { Message, Pipe } from "./pipe.ts";

/** A rotation of pipes: the shared bookkeeping of {@link LoadBalancer} and {@link FairQueue}. */
export abstract class Rotation {
  /** The pipes in rotation order. */
  protected pipes: Pipe[] = [];
  /** Index of the pipe to try first next time. */
  protected next = 0;

  /** Adds a pipe to the rotation. */
  add(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  /** Removes a pipe from the rotation. */
  remove(pipe: Pipe): void {
    const i = this.pipes.indexOf(pipe);
    if (i < 0) return;
    this.pipes.splice(i, 1);
    if (this.next > i) this.next--;
    if (this.next >= this.pipes.length) this.next = 0;
  }

  /** How many pipes are in the rotation. */
  get size(): number {
    return this.pipes.length;
  }
}

/**
 * Round-robin across pipes: each message goes to the next pipe that has room.
 *
 * @example
 * ```ts
 * import { LoadBalancer } from "./distribution.ts";
 * import assert from "node:assert/strict";
 * const sent: string[] = [];
 * const pipe = (name: string) => ({ writable: true, queue: () => sent.push(name) });
 * const lb = new LoadBalancer();
 * lb.add(pipe("a") as never);
 * lb.add(pipe("b") as never);
 * lb.send([new Uint8Array()]);
 * lb.send([new Uint8Array()]);
 * lb.send([new Uint8Array()]);
 * assert.deepEqual(sent, ["a", "b", "a"]);
 * ```
 */
export class LoadBalancer extends Rotation {
  /** The next pipe with room (advancing the rotation), or undefined when all are full. */
  pick(): Pipe | undefined {
    const n = this.pipes.length;
    for (let i = 0; i < n; i++) {
      const pipe = this.pipes[this.next]!;
      if (++this.next >= n) this.next = 0;
      if (pipe.writable) return pipe;
    }
    return undefined;
  }

  /** Sends to the next pipe with room; returns that pipe, or undefined when none had room. */
  send(message: Message): Pipe | undefined {
    const pipe = this.pick(); // only returns a writable pipe: no second check needed
    pipe?.queue(message);
    return pipe;
  }
}

/**
 * Fair-queueing across pipes: takes one message from each pipe with messages in turn.
 *
 * @example
 * ```ts
 * import { FairQueue } from "./distribution.ts";
 * import assert from "node:assert/strict";
 * const pipe = (msgs: string[]) => ({
 *   get readable() { return msgs.length; },
 *   read: () => msgs.length ? [new TextEncoder().encode(msgs.shift()!)] : undefined,
 * });
 * const fq = new FairQueue();
 * fq.add(pipe(["a1", "a2"]) as never);
 * fq.add(pipe(["b1"]) as never);
 * const got = [];
 * for (let m = fq.read(); m; m = fq.read()) got.push(new TextDecoder().decode(m.message[0]));
 * assert.deepEqual(got, ["a1", "b1", "a2"]);
 * ```
 */
export class FairQueue extends Rotation {
  /** The pipe {@link FairQueue.readMessage} last took a message from. */
  #from: Pipe | undefined;

  /** Removes a pipe from the rotation (and forgets it as the last one read). */
  override remove(pipe: Pipe): void {
    if (this.#from === pipe) this.#from = undefined;
    super.remove(pipe);
  }

  /** The next message in fair order, with the pipe it came from. */
  read(): { message: Message; pipe: Pipe } | undefined {
    const message = this.readMessage();
    return message === undefined ? undefined : { message, pipe: this.#from! };
  }

  /**
   * The next message in fair order, without the pipe: for patterns that do not route replies
   * (PULL, SUB, DEALER), one object less per message.
   */
  readMessage(): Message | undefined {
    const pipes = this.pipes;
    const n = pipes.length;
    for (let i = 0; i < n; i++) {
      const pipe = pipes[this.next]!;
      if (++this.next >= n) this.next = 0;
      if (pipe.readable > 0) {
        const message = pipe.read();
        if (message) {
          this.#from = pipe;
          return message;
        }
      }
    }
    return undefined;
  }
}
