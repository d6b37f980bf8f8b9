/**
 * The nano client's requests in flight: ids (1, 2, … below 2^31, then round again), the route
 * each one went on, its timeout, and whether its bytes went out on the current connection.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/** JS pomelo clients decode ids with 32-bit shifts: stay below 2^31. */
const MAX_ID = 0x7fffffff;

/**
 * One request in flight.
 *
 * @example
 * ```ts
 * import { PendingRequests } from "./pending.ts";
 * import assert from "node:assert/strict";
 * const requests = new PendingRequests();
 * const { id } = requests.add("room.join", 0);
 * assert.equal(requests.get(id)?.route, "room.join");
 * requests.take(id)!.resolve("ok");
 * ```
 */
export interface PendingRequest {
  /** The route it was sent on (for error messages). */
  readonly route: string;
  /** Its bytes went out on the current connection: a lost connection rejects it. */
  sent: boolean;
  /** Settles the caller's promise. */
  resolve(value: unknown): void;
  /** Rejects the caller's promise. */
  reject(error: Error): void;
}

interface Entry extends PendingRequest {
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The table of requests in flight. A request leaves it when it is taken (answered, failed) or
 * times out (its promise then rejects with `ETIMEDOUT`).
 *
 * @example
 * ```ts
 * import { PendingRequests } from "./pending.ts";
 * import assert from "node:assert/strict";
 * const requests = new PendingRequests();
 * const a = requests.add("chat.say", 0);
 * const b = requests.add("chat.say", 10);
 * assert.deepEqual([a.id, b.id], [1, 2]);
 * requests.take(a.id)!.resolve({ ok: true });
 * assert.deepEqual(await a.promise, { ok: true });
 * await assert.rejects(b.promise, { code: "ETIMEDOUT" });
 * assert.equal(requests.get(b.id), undefined);
 * ```
 */
export class PendingRequests {
  #nextId = 1;
  #entries = new Map<number, Entry>();

  /**
   * Registers a request on `route` under the next id; `timeoutMs` 0 waits forever. The
   * promise settles through {@link take}, or rejects with `ETIMEDOUT`.
   */
  add<T>(route: string, timeoutMs: number): { id: number; promise: Promise<T> } {
    const id = this.#nextId;
    this.#nextId = id >= MAX_ID ? 1 : id + 1;
    const promise = new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        route,
        sent: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
      };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.#entries.delete(id);
          reject(
            new WeftError(
              "ETIMEDOUT",
              `request ${route}: expected a response within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
      }
      this.#entries.set(id, entry);
    });
    return { id, promise };
  }

  /** The request `id` while it is in flight. */
  get(id: number): PendingRequest | undefined {
    return this.#entries.get(id);
  }

  /** Removes request `id` (stopping its timeout) and returns it to be settled. */
  take(id: number): PendingRequest | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    return entry;
  }

  /** Rejects the requests whose bytes went out (the connection that carried them is lost). */
  rejectSent(error: () => Error): void {
    for (const [id, entry] of this.#entries) {
      if (entry.sent) this.take(id)!.reject(error());
    }
  }

  /** Rejects every request (the client closed). */
  rejectAll(error: () => Error): void {
    for (const id of [...this.#entries.keys()]) this.take(id)!.reject(error());
  }
}
