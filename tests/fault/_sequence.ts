/**
 * Numbered message streams for the fault tests: a sender that keeps going until a fault has
 * happened and then sends a tail, and the check that what arrived is in order with at most one
 * contiguous run lost per fault (what was in flight when the connection died).
 * @module
 */
import assert from "node:assert/strict";
import { DEADLINE_MS, within } from "../_helpers.ts";

/** The text of message `i` (fixed width, so every frame has the same size). */
export function numbered(i: number): string {
  return String(i).padStart(8, "0");
}

/**
 * Sends numbered messages until `faulted()` is true and then until the receiver has one sent after
 * that (`lastReceived()`: the highest number it has), then `tail` more; returns how many it sent.
 * Messages queued for a connection that is already dead are in flight too, so the tail starts
 * only once traffic demonstrably flows again. Yields a macrotask every few sends so the proxy and
 * the sockets make progress.
 *
 * @example
 * ```ts
 * import { sendThroughFault } from "./_sequence.ts";
 * import assert from "node:assert/strict";
 * const sent: string[] = [];
 * const n = await sendThroughFault(
 *   async (m) => void sent.push(m),
 *   () => sent.length >= 5,
 *   () => sent.length - 1, // everything "arrives" at once
 *   3,
 * );
 * assert.equal(n, 9);
 * assert.equal(sent[8], "00000008");
 * ```
 */
export async function sendThroughFault(
  send: (message: string) => Promise<void>,
  faulted: () => boolean,
  lastReceived: () => number,
  tail: number,
): Promise<number> {
  let i = 0;
  let firstAfter = -1;
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    if (firstAfter < 0 && faulted()) firstAfter = i;
    if (firstAfter >= 0 && lastReceived() >= firstAfter) break;
    await within(send(numbered(i++)), `send ${i - 1}`);
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 0));
    if (Date.now() > end) {
      throw new Error(firstAfter < 0 ? "the fault never happened" : "nothing arrived after it");
    }
  }
  for (let k = 0; k < tail; k++) await within(send(numbered(i++)), `send ${i - 1}`);
  return i;
}

/**
 * Asserts that `got` (message numbers in arrival order) ends with `total - 1`, never repeats or
 * goes back, and misses at most `faults` contiguous runs. Returns how many were lost.
 *
 * @example
 * ```ts
 * import { assertOrderedWithGaps } from "./_sequence.ts";
 * import assert from "node:assert/strict";
 * assert.equal(assertOrderedWithGaps([0, 1, 2, 5, 6], 7, 1), 2);
 * assert.throws(() => assertOrderedWithGaps([0, 2, 1, 6], 7, 1));
 * ```
 */
export function assertOrderedWithGaps(got: number[], total: number, faults: number): number {
  assert.equal(got.at(-1), total - 1, "the last message sent after the fault arrives");
  let gaps = got[0] === 0 ? 0 : 1;
  for (let k = 1; k < got.length; k++) {
    const step = got[k]! - got[k - 1]!;
    if (step <= 0) assert.fail(`message ${got[k]} arrived after ${got[k - 1]}: order broken`);
    if (step > 1) gaps++;
  }
  assert.ok(gaps <= faults, `${gaps} separate runs lost for ${faults} fault(s)`);
  return total - got.length;
}
