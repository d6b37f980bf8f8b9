/**
 * UTF-8 for the short texts of a message path (a JSON body, a route), at the cost the engine
 * makes cheapest. On Deno `TextEncoder.encode` and `TextDecoder.decode` are calls into the
 * runtime (about 450 ns for a 21-byte body, measured) and `encode` allocates its result outside
 * the JavaScript heap; a JavaScript loop over ASCII text costs a third of that. On Bun the
 * built-ins are the cheaper ones (64 ns against 110), so these fast paths run on V8 only.
 * Text outside ASCII always goes through the built-ins.
 * @module
 */

import { smallBytes } from "./byte_slab.ts";

const te = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });
/** Texts up to this many UTF-16 units take the JavaScript path on V8. */
const SHORT = "Bun" in globalThis ? -1 : 256;

/**
 * `text` as UTF-8 bytes in a new array (from {@link smallBytes}: its `buffer` may be shared).
 *
 * @example
 * ```ts
 * import { utf8Encode } from "./utf8.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...utf8Encode('{"a":1}')], [123, 34, 97, 34, 58, 49, 125]);
 * assert.deepEqual([...utf8Encode("é")], [0xc3, 0xa9]); // not ASCII: the built-in encoder
 * ```
 */
export function utf8Encode(text: string): Uint8Array {
  const n = text.length;
  if (n <= SHORT) {
    const out = smallBytes(n);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      out[i] = c;
    }
    if (i === n) return out;
  }
  return te.encode(text);
}

/**
 * UTF-8 `bytes` as text; throws a `TypeError` on bytes that are not UTF-8 (as a fatal
 * `TextDecoder` does).
 *
 * @example
 * ```ts
 * import { utf8Decode } from "./utf8.ts";
 * import assert from "node:assert/strict";
 * assert.equal(utf8Decode(new Uint8Array([104, 105])), "hi");
 * assert.equal(utf8Decode(new Uint8Array([0xc3, 0xa9])), "é");
 * assert.throws(() => utf8Decode(new Uint8Array([0xff])), TypeError);
 * ```
 */
export function utf8Decode(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n <= SHORT) {
    let i = 0;
    while (i < n && bytes[i]! <= 0x7f) i++;
    // One flat string (a `+=` loop builds a rope that JSON.parse must flatten first).
    if (i === n) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return strict.decode(bytes);
}
