/**
 * Small buffers carved from a shared block, for the MESSAGE boxes of one connection: on Deno
 * every `new Uint8Array(n)` allocates its memory outside the JavaScript heap (about 0.7 µs and
 * GC pressure each), which a profile of a 1 KiB CURVE pipe showed as the largest single cost
 * of weft's own code. Views of one block cost far less. A block is never reused: a view stays
 * valid (and keeps its block alive) for as long as anyone holds it, as frames already keep the
 * chunk they were read from.
 * @module
 */

/** Blocks of this many octets; requests above {@link MAX_POOLED} get their own buffer. */
const BLOCK_SIZE = 32768;
const MAX_POOLED = 4096;

/**
 * A bump allocator of zero-filled, 8-octet-aligned views (aligned so `@noble/ciphers` takes its
 * 32-bit word path).
 *
 * @example
 * ```ts
 * import { ByteSlab } from "./slab.ts";
 * import assert from "node:assert/strict";
 * const slab = new ByteSlab();
 * const a = slab.take(100);
 * const b = slab.take(100);
 * assert.equal(a.buffer, b.buffer); // one block
 * assert.equal(b.byteOffset % 8, 0);
 * assert.equal(slab.take(100_000).byteOffset, 0); // large: a buffer of its own
 * ```
 */
export class ByteSlab {
  #block = new ArrayBuffer(0);
  #used = 0;

  /** A fresh zero-filled view of `length` octets. */
  take(length: number): Uint8Array {
    if (length > MAX_POOLED) return new Uint8Array(length);
    const size = (length + 7) & ~7;
    if (this.#used + size > this.#block.byteLength) {
      this.#block = new ArrayBuffer(BLOCK_SIZE);
      this.#used = 0;
    }
    const view = new Uint8Array(this.#block, this.#used, length);
    this.#used += size;
    return view;
  }
}
