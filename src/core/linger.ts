/**
 * Linger after close, as libzmq does it: a dialer whose pipe still holds queued messages but
 * is not connected (still connecting, or reconnecting) keeps connecting for up to `linger` ms;
 * when its connection comes up, what was queued is flushed and the dialer stops. (Connected
 * pipes linger in {@link Pipe.close}: their outbox keeps flushing, then their stream's close
 * waits for the bytes to leave.)
 * @module
 */

import type { Dialer } from "./dialer.ts";
import type { Pipe } from "./pipe.ts";

/** A kept dialer: when its linger ends, and how to tell the socket it is done. */
interface Held {
  readonly until: number;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
  readonly done: (released: Promise<void>) => void;
}

/**
 * The dialers a closed socket still keeps connecting (see the module doc).
 *
 * @example
 * ```ts
 * import { Pull, Push } from "../zmq.ts";
 * import assert from "node:assert/strict";
 * const push = new Push(); // linger -1: until sent
 * push.connect("inproc://linger-doc"); // nobody listens yet
 * await push.send("queued before anyone listened");
 * push.close(); // the dialer lingers with the queued message
 * await using pull = new Pull();
 * await pull.bind("inproc://linger-doc");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "queued before anyone listened");
 * await push.closed; // settles once the message was written
 * ```
 */
export class Lingering {
  readonly #dialers = new Map<Dialer, Held>();

  /**
   * Keeps `dialer` connecting after close when its pipe has undelivered messages and
   * `lingerMs` allows it (≠ 0; > 0 stops it after that long). Returns a promise that settles
   * once the dialer is done (its queue flushed, or the linger over), or `undefined` when it
   * was not kept.
   */
  hold(dialer: Dialer, lingerMs: number): Promise<void> | undefined {
    const pipe = dialer.pipe;
    if (lingerMs === 0 || !pipe || pipe.connected || pipe.pendingOutbound === 0) return undefined;
    dialer.lingering = true;
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = lingerMs > 0
      ? setTimeout(() => {
        if (!this.#dialers.delete(dialer)) return;
        dialer.lingering = false;
        resolve(dialer.stop(0));
      }, lingerMs)
      : undefined;
    const until = lingerMs > 0 ? performance.now() + lingerMs : Infinity;
    this.#dialers.set(dialer, { until, timer, done: resolve });
    return promise;
  }

  /** A lingering dialer's pipe connected: deliver what was queued (in the linger left), then stop. */
  release(pipe: Pipe): void {
    for (const [dialer, held] of this.#dialers) {
      if (dialer.pipe !== pipe) continue;
      this.#dialers.delete(dialer);
      clearTimeout(held.timer);
      dialer.lingering = false;
      const left = held.until - performance.now();
      held.done(dialer.stop(Number.isFinite(left) ? Math.max(1, Math.ceil(left)) : -1));
    }
  }
}
