/**
 * A byte ring in the codec's linear memory, for coalescing outbound bytes: encoders can flush
 * a burst straight into a ring (a wasm copy from the encode scratch, no JavaScript buffer per
 * burst) and the owner drains many bursts as one owned buffer when the transport is ready.
 *
 * Memory is taken lazily: a ring holds no linear memory until the first write, and gives it
 * back to the arena as soon as it is drained, so 10,000 idle connections cost nothing. It grows
 * by doubling up to `maxCapacity`.
 *
 * Where it is (not) used: the frame decoders carry at most 8 header bytes (kept in a tiny JS
 * array) or one partial body (assembled in an exact-size buffer, as the protocol layers want
 * it), so they need no ring; the encoders lay a burst out in shared scratch inside one
 * synchronous call. The ring is the optional sink for those bursts (see
 * `ZmtpFrameEncoder.flush`).
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";

/** The wasm routines of the ring family (see wasm/assembly/ring.ts). */
export interface RingExports {
  ring_init(ring: number, data: number, cap: number): void;
  ring_write(ring: number, src: number, len: number): number;
  ring_read(ring: number, dst: number, len: number, consume: number): number;
}

/** Options of {@link ByteRing}. */
export interface ByteRingOptions {
  /** The codec whose memory holds the ring (default: the shared codec). */
  codec?: Codec;
  /** Bytes taken at the first write (default 4096). */
  initialCapacity?: number;
  /** The ring never grows past this many bytes (default 4 MiB). */
  maxCapacity?: number;
}

const STATE = 16;

/**
 * A growable byte ring in wasm linear memory, allocated only while it holds bytes.
 *
 * @example
 * ```ts
 * import { ByteRing } from "./ring.ts";
 * import assert from "node:assert/strict";
 * const ring = new ByteRing({ initialCapacity: 16 });
 * assert.equal(ring.capacity, 0); // nothing taken while empty
 * ring.write(new Uint8Array([1, 2, 3]));
 * ring.write("hi");
 * assert.equal(ring.length, 5);
 * assert.deepEqual([...ring.read()], [1, 2, 3, 104, 105]);
 * assert.equal(ring.capacity, 0); // drained: memory given back
 * ```
 */
export class ByteRing {
  readonly #codec: Codec;
  readonly #fn: RingExports;
  readonly #initial: number;
  readonly #max: number;
  // The arena block: 16 bytes of state (head, used, capacity, data pointer), then the data.
  #ptr = 0;

  /** Makes an empty ring; see {@link ByteRingOptions}. */
  constructor(options: ByteRingOptions = {}) {
    this.#codec = options.codec ?? sharedCodec();
    this.#fn = this.#codec.exports as unknown as RingExports;
    this.#initial = Math.max(16, options.initialCapacity ?? 4096);
    this.#max = Math.max(this.#initial, options.maxCapacity ?? 4 * 1024 * 1024);
  }

  /** Bytes held. */
  get length(): number {
    return this.#ptr === 0 ? 0 : this.#codec.i32[(this.#ptr >> 2) + 1]!;
  }

  /** Bytes of linear memory held now (0 while empty). */
  get capacity(): number {
    return this.#ptr === 0 ? 0 : this.#codec.i32[(this.#ptr >> 2) + 2]!;
  }

  /**
   * Appends all of `bytes` (a string is appended as UTF-8). Returns the byte count appended,
   * or `CodecStatus.NO_SPACE` (nothing appended) when it would pass `maxCapacity`.
   */
  write(bytes: Uint8Array | string): number {
    if (typeof bytes === "string") bytes = new TextEncoder().encode(bytes);
    const n = bytes.length;
    if (n === 0) return 0;
    if (!this.#reserve(n)) return CodecStatus.NO_SPACE;
    const i32 = this.#codec.i32;
    const w = this.#ptr >> 2;
    const head = i32[w]!;
    const used = i32[w + 1]!;
    const cap = i32[w + 2]!;
    const data = i32[w + 3]!;
    let tail = head + used;
    if (tail >= cap) tail -= cap;
    const first = Math.min(n, cap - tail);
    const u8 = this.#codec.u8;
    if (first === n) u8.set(bytes, data + tail);
    else {
      u8.set(bytes.subarray(0, first), data + tail);
      u8.set(bytes.subarray(first), data);
    }
    i32[w + 1] = used + n;
    return n;
  }

  /**
   * Appends `len` bytes already in linear memory at `ptr` (one wasm copy). Returns `len`, or
   * `CodecStatus.NO_SPACE` when they would pass `maxCapacity`. Used by the encoders.
   */
  writeFrom(ptr: number, len: number): number {
    if (len === 0) return 0;
    if (!this.#reserve(len)) return CodecStatus.NO_SPACE;
    return this.#fn.ring_write(this.#ptr, ptr, len);
  }

  /**
   * Removes up to `max` bytes (default: all) from the front and returns them in a fresh buffer
   * the caller owns. A drained ring gives its memory back.
   */
  read(max: number = Infinity): Uint8Array {
    const n = Math.min(max, this.length);
    const out = new Uint8Array(n);
    if (n === 0) return out;
    const i32 = this.#codec.i32;
    const w = this.#ptr >> 2;
    const head = i32[w]!;
    const cap = i32[w + 2]!;
    const data = i32[w + 3]!;
    const u8 = this.#codec.u8;
    const first = Math.min(n, cap - head);
    out.set(u8.subarray(data + head, data + head + first));
    if (first < n) out.set(u8.subarray(data, data + n - first), first);
    const used = i32[w + 1]! - n;
    if (used === 0) this.release();
    else {
      i32[w] = head + n >= cap ? head + n - cap : head + n;
      i32[w + 1] = used;
    }
    return out;
  }

  /** Drops every byte held and gives the memory back (idempotent). */
  release(): void {
    if (this.#ptr === 0) return;
    this.#codec.arena.free(this.#ptr);
    this.#ptr = 0;
  }

  // Makes room for `n` more bytes: takes memory on first use, doubles when full.
  #reserve(n: number): boolean {
    const used = this.length;
    const cap = this.capacity;
    if (used + n <= cap) return true;
    if (used + n > this.#max) return false;
    let next = Math.max(cap, this.#initial);
    while (next < used + n) next *= 2;
    next = Math.min(next, this.#max);
    const ptr = this.#codec.arena.alloc(STATE + next);
    this.#fn.ring_init(ptr, ptr + STATE, next);
    if (this.#ptr !== 0) {
      // Linearise the old contents at the start of the new block.
      this.#fn.ring_read(this.#ptr, ptr + STATE, used, 1);
      this.#codec.i32[(ptr >> 2) + 1] = used;
      this.#codec.arena.free(this.#ptr);
    }
    this.#ptr = ptr;
    return true;
  }
}
