/**
 * Small buffers carved from a shared block. On Deno (V8) every `new Uint8Array(n)` allocates
 * its memory outside the JavaScript heap: 0.5–0.8 µs and GC pressure each (measured on this
 * project's 2-core box, 16–300 B), which profiles of a 1 KiB CURVE pipe and of a nano response
 * showed among the largest costs of weft's own code. A view of one block costs about 30 ns.
 * On Bun (JavaScriptCore) it is the other way round — a fresh array 2–15 ns, a view 45–60 ns —
 * so {@link smallBytes} pools on V8 only.
 *
 * A block is never reused: a view stays valid (and keeps its whole block alive) for as long as
 * anyone holds it, as frames already keep the chunk they were read from. So a small message
 * held a long time (queued for a slow peer) pins up to one block; queues bound message counts,
 * so that stays bounded too.
 * @module
 */

/**
 * A bump allocator of zero-filled, 8-octet-aligned views (aligned so `@noble/ciphers` takes its
 * 32-bit word path).
 *
 * @example
 * ```ts
 * import { ByteSlab } from "./byte_slab.ts";
 * import assert from "node:assert/strict";
 * const slab = new ByteSlab(); // 16 KiB blocks, up to 2 KiB pooled
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
  readonly #blockSize: number;
  readonly #maxPooled: number;

  /** Blocks of `blockSize` octets; requests above `maxPooled` get a buffer of their own. */
  constructor(blockSize = 16384, maxPooled = 2048) {
    this.#blockSize = blockSize;
    this.#maxPooled = maxPooled;
  }

  /** A fresh zero-filled view of `length` octets. */
  take(length: number): Uint8Array {
    if (length > this.#maxPooled) return new Uint8Array(length);
    const size = (length + 7) & ~7;
    if (this.#used + size > this.#block.byteLength) {
      this.#block = new ArrayBuffer(this.#blockSize);
      this.#used = 0;
    }
    const view = new Uint8Array(this.#block, this.#used, length);
    this.#used += size;
    return view;
  }
}

// JavaScriptCore allocates small arrays faster than it makes views (see the module note).
const shared = "Bun" in globalThis ? undefined : new ByteSlab();

/**
 * A new zero-filled byte array of `length` octets, the cheapest way the engine offers: a view
 * of a shared block on V8, a fresh array on JavaScriptCore. For the short-lived buffers a send
 * path builds per message (a frame, a packet, a JSON body). Its `buffer` may be shared with
 * other arrays: use `byteOffset` with it, never transfer it.
 *
 * @example
 * ```ts
 * import { smallBytes } from "./byte_slab.ts";
 * import assert from "node:assert/strict";
 * const frame = smallBytes(5);
 * frame.set([0x82, 3, 1, 2, 3]);
 * assert.equal(frame.length, 5);
 * assert.deepEqual([...smallBytes(3)], [0, 0, 0]); // zero-filled like new Uint8Array(3)
 * ```
 */
export function smallBytes(length: number): Uint8Array {
  return shared ? shared.take(length) : new Uint8Array(length);
}
