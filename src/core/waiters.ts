/**
 * The send and receive waiter queues: calls that could not complete at once wait here in call
 * order (no EBUSY), each with an optional timeout, until the pattern can take or give a message.
 * The socket serves them when a pipe becomes writable or readable.
 * @module
 */

import { WeftError } from "./errors.ts";
import { Fifo } from "./fifo.ts";
import type { Message } from "./pipe.ts";

type Timer = ReturnType<typeof setTimeout> | undefined;

interface SendWaiter {
  readonly message: Message;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: Timer;
}

interface ReceiveWaiter {
  readonly resolve: (message: Message) => void;
  readonly reject: (error: Error) => void;
  timer: Timer;
}

/**
 * Sends waiting for room, in call order.
 *
 * @example
 * ```ts
 * import { SendWaiters } from "./waiters.ts";
 * import assert from "node:assert/strict";
 * const waiting = new SendWaiters();
 * const sent: string[] = [];
 * const done = new Promise<void>((resolve, reject) =>
 *   waiting.add([new TextEncoder().encode("hi")], resolve, reject, -1)
 * );
 * waiting.serve((m) => (sent.push(new TextDecoder().decode(m[0])), true));
 * await done;
 * assert.deepEqual(sent, ["hi"]);
 * ```
 */
export class SendWaiters {
  readonly #queue = new Fifo<SendWaiter>();

  /** How many sends wait. */
  get length(): number {
    return this.#queue.length;
  }

  /** Queues a send; after `timeoutMs` (if ≥ 0) it fails with EAGAIN. */
  add(
    message: Message,
    resolve: () => void,
    reject: (error: Error) => void,
    timeoutMs: number,
  ): void {
    const waiter: SendWaiter = { message, resolve, reject, timer: undefined };
    if (timeoutMs >= 0) {
      waiter.timer = setTimeout(() => {
        if (this.#queue.remove((w) => w === waiter)) {
          reject(
            new WeftError("EAGAIN", `send: no peer could take the message within ${timeoutMs} ms`),
          );
        }
      }, timeoutMs);
    }
    this.#queue.push(waiter);
  }

  /** Hands waiting messages to `trySend` in order until it returns false (no room yet). */
  serve(trySend: (message: Message) => boolean): void {
    for (let w = this.#queue.peek(); w; w = this.#queue.peek()) {
      let sent: boolean;
      try {
        sent = trySend(w.message);
      } catch (error) {
        this.#queue.shift();
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.reject(error as Error);
        continue;
      }
      if (!sent) return;
      this.#queue.shift();
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve();
    }
  }

  /** Fails every waiting send with the error `reason` makes. */
  rejectAll(reason: () => Error): void {
    for (let w = this.#queue.shift(); w; w = this.#queue.shift()) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(reason());
    }
  }
}

/**
 * Receives waiting for a message, in call order.
 *
 * @example
 * ```ts
 * import { ReceiveWaiters } from "./waiters.ts";
 * import assert from "node:assert/strict";
 * const waiting = new ReceiveWaiters();
 * const next = waiting.wait(-1);
 * waiting.serve(() => [new TextEncoder().encode("hi")]);
 * assert.equal(new TextDecoder().decode((await next)[0]), "hi");
 * ```
 */
export class ReceiveWaiters {
  readonly #queue = new Fifo<ReceiveWaiter>();

  /** How many receives wait. */
  get length(): number {
    return this.#queue.length;
  }

  /** Waits for the next message; after `timeoutMs` (if ≥ 0) it fails with EAGAIN. */
  wait(timeoutMs: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      const waiter: ReceiveWaiter = { resolve, reject, timer: undefined };
      if (timeoutMs >= 0) {
        waiter.timer = setTimeout(() => {
          if (this.#queue.remove((w) => w === waiter)) {
            reject(new WeftError("EAGAIN", `receive: no message arrived within ${timeoutMs} ms`));
          }
        }, timeoutMs);
      }
      this.#queue.push(waiter);
    });
  }

  /** Gives waiting receives what `tryReceive` returns, in order, until it returns nothing. */
  serve(tryReceive: () => Message | undefined): void {
    while (this.#queue.length > 0) {
      let message: Message | undefined;
      try {
        message = tryReceive();
      } catch (error) {
        const w = this.#queue.shift()!;
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.reject(error as Error);
        continue;
      }
      if (!message) return;
      const w = this.#queue.shift()!;
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve(message);
    }
  }

  /** Fails every waiting receive with the error `reason` makes. */
  rejectAll(reason: () => Error): void {
    for (let w = this.#queue.shift(); w; w = this.#queue.shift()) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(reason());
    }
  }
}
