/**
 * Byte-array helpers shared by every layer (core may be imported by all of them).
 * @module
 */

/**
 * Joins byte arrays into one: a new array holding the parts in order, or the sole part itself
 * when there is just one (no copy; callers that must own the result pass two or more).
 *
 * @example
 * ```ts
 * import { concat } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * const header = new Uint8Array([0x80, 0, 0, 1]);
 * const body = new TextEncoder().encode("hi");
 * const message = concat([header, body]);
 * assert.deepEqual([...message], [0x80, 0, 0, 1, 0x68, 0x69]);
 * assert.equal(concat([body]), body);
 * ```
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
