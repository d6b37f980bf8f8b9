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

/**
 * Parts up to this size are copied rather than viewed on JavaScriptCore (Bun): there the first
 * view of a freshly made array (one Bun's socket just handed over, say) costs about 240 ns,
 * since the engine must first give the array a buffer object, while a copy of 64 bytes costs
 * 60–75 ns (measured). On V8 a view costs about 30 ns and a copy far more, so views stay.
 */
const COPY_PARTS_UP_TO = "Bun" in globalThis ? 64 : -1;

/**
 * `bytes[start…end)` as the engine makes it cheapest: a view (`subarray`), or on
 * JavaScriptCore a copy when small (see `COPY_PARTS_UP_TO`). A decoder's way to hand on a
 * part of a chunk it owns; either way the caller must not change the chunk afterwards.
 *
 * @example
 * ```ts
 * import { partOf } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * const chunk = new Uint8Array([0x82, 3, 1, 2, 3]);
 * assert.deepEqual([...partOf(chunk, 2, 5)], [1, 2, 3]);
 * ```
 */
export function partOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return end - start > COPY_PARTS_UP_TO ? bytes.subarray(start, end) : bytes.slice(start, end);
}
