/**
 * The end of a byte stream that ended before `start()`: the runtime streams hand it to the
 * handler as they would a live end, on a later microtask, never inside `start()` itself.
 * @module
 */

import type { StreamHandler } from "./types.ts";

/**
 * Calls `handler.end(error)` on the next microtask.
 *
 * @example
 * ```ts
 * import { endSoon } from "./end_soon.ts";
 * import assert from "node:assert/strict";
 * const ends: (Error | undefined)[] = [];
 * endSoon({ data() {}, drain() {}, end: (error) => ends.push(error) }, new Error("reset"));
 * assert.equal(ends.length, 0); // not yet: start() returns first
 * await Promise.resolve();
 * assert.equal(ends[0]?.message, "reset");
 * ```
 */
export function endSoon(handler: StreamHandler, error: Error | undefined): void {
  queueMicrotask(() => handler.end(error));
}
