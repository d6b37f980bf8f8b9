/**
 * A pending operation with an optional timeout: the building block of SP contexts, where each
 * context owns its own send and receive instead of the socket's shared queues.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/** One pending operation: settle it once, with its timer cleared. */
export class Waiter<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  /**
   * Starts waiting; after `timeoutMs` (if ≥ 0) `onTimeout` runs and the promise rejects with
   * ETIMEDOUT naming `what`.
   *
   * @example
   * ```ts
   * import { Waiter } from "./waiter.ts";
   * import assert from "node:assert/strict";
   * const w = new Waiter<number>(-1, "recv");
   * w.resolve(7);
   * assert.equal(await w.promise, 7);
   * const t = new Waiter<number>(1, "recv");
   * await assert.rejects(t.promise, { code: "ETIMEDOUT" });
   * ```
   */
  constructor(timeoutMs: number, what: string, onTimeout?: () => void) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (timeoutMs >= 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#done) return;
        onTimeout?.();
        this.reject(new WeftError("ETIMEDOUT", `${what}: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
    }
  }

  /** Whether it has settled. */
  get done(): boolean {
    return this.#done;
  }

  /** Resolves (once). */
  resolve(value: T): void {
    if (this.#settle()) this.#resolve(value);
  }

  /** Rejects (once). */
  reject(error: Error): void {
    if (this.#settle()) this.#reject(error);
  }

  #settle(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return true;
  }
}
