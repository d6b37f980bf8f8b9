/**
 * Linger after close, as libzmq does it: a dialer whose pipe still holds queued messages but
 * never connected keeps connecting for up to `linger` ms; when its connection comes up, what
 * was queued is flushed and the dialer stops. (Connected pipes linger in the transport: their
 * stream's close waits for the bytes to leave.)
 * @module
 */

import type { Dialer } from "./dialer.ts";
import type { Pipe } from "./pipe.ts";

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
 * ```
 */
export class Lingering {
  readonly #dialers = new Set<Dialer>();

  /**
   * Keeps `dialer` connecting after close when its pipe has undelivered messages and
   * `lingerMs` allows it (≠ 0; > 0 stops it after that long). Returns whether it was kept.
   */
  hold(dialer: Dialer, lingerMs: number): boolean {
    const pipe = dialer.pipe;
    if (lingerMs === 0 || !pipe || pipe.connected || pipe.pendingOutbound === 0) return false;
    dialer.lingering = true;
    this.#dialers.add(dialer);
    if (lingerMs > 0) {
      setTimeout(() => {
        if (!this.#dialers.delete(dialer)) return;
        dialer.lingering = false;
        dialer.stop(0);
      }, lingerMs);
    }
    return true;
  }

  /** A lingering dialer's pipe connected: deliver what was queued (for `lingerMs`), then stop. */
  release(pipe: Pipe, lingerMs: number): void {
    for (const dialer of this.#dialers) {
      if (dialer.pipe !== pipe) continue;
      this.#dialers.delete(dialer);
      dialer.lingering = false;
      dialer.stop(lingerMs);
    }
  }
}
