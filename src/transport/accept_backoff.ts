/**
 * The back-off a listener waits between tries when it cannot accept (e.g. out of file
 * descriptors): 10 ms doubling to 1 s, back to the start after a success. Shared by the
 * runtime listeners so none spins while the process is out of descriptors.
 * @module
 */

/** The first wait after a failed accept, in milliseconds. */
export const ACCEPT_BACKOFF_MIN_MS = 10;
/** The longest wait between tries, in milliseconds. */
export const ACCEPT_BACKOFF_MAX_MS = 1_000;

/**
 * Exponential back-off for accept failures.
 *
 * @example
 * ```ts
 * import { AcceptBackoff } from "./accept_backoff.ts";
 * import assert from "node:assert/strict";
 * const backoff = new AcceptBackoff();
 * assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [10, 20, 40]);
 * backoff.reset(); // an accept succeeded
 * assert.equal(backoff.next(), 10);
 * ```
 */
export class AcceptBackoff {
  #delayMs = 0;

  /** The wait before the next try (doubles each call, up to the maximum). */
  next(): number {
    this.#delayMs = this.#delayMs === 0
      ? ACCEPT_BACKOFF_MIN_MS
      : Math.min(this.#delayMs * 2, ACCEPT_BACKOFF_MAX_MS);
    return this.#delayMs;
  }

  /** Starts over after a success. */
  reset(): void {
    this.#delayMs = 0;
  }
}
