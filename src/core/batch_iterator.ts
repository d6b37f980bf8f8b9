/**
 * Async iteration over received messages, one promise per batch of ready messages rather than
 * per message: a plain iterator, not an async generator, whose `yield` would cost extra
 * promises and microtask hops per message that `for await` loops feel.
 * @module
 */

import { WeftError } from "./errors.ts";

/**
 * Iterates what `nextBatch` returns (at least one item per call) until `isClosed` says so or a
 * batch fails with `ECLOSED`; other failures pass through `toError` and are thrown.
 *
 * @example
 * ```ts
 * import { batchIterator } from "./batch_iterator.ts";
 * import assert from "node:assert/strict";
 * const batches = [[1, 2], [3]];
 * const items = { [Symbol.asyncIterator]: () =>
 *   batchIterator(() => batches.length === 0, () => Promise.resolve(batches.shift()!)) };
 * const seen: number[] = [];
 * for await (const n of items) seen.push(n);
 * assert.deepEqual(seen, [1, 2, 3]);
 * ```
 */
export function batchIterator<T>(
  isClosed: () => boolean,
  nextBatch: () => Promise<T[]>,
  toError: (error: unknown) => unknown = (error) => error,
): AsyncIterator<T> {
  let batch: T[] = [];
  let at = 0;
  const finish = (): Promise<IteratorResult<T>> => {
    batch = [];
    at = 0;
    return Promise.resolve({ value: undefined, done: true });
  };
  const first = (got: T[]): IteratorResult<T> => {
    batch = got;
    at = 1;
    return { value: got[0]!, done: false };
  };
  const fail = (error: unknown): Promise<IteratorResult<T>> => {
    if (error instanceof WeftError && error.code === "ECLOSED") return finish();
    throw toError(error);
  };
  return {
    next: () => {
      if (at < batch.length) return Promise.resolve({ value: batch[at++]!, done: false });
      if (isClosed()) return finish();
      return nextBatch().then(first, fail);
    },
    return: finish,
  };
}
