/**
 * Pure-TS reference twin of `../ring.ts` (`ByteRing`): a growable byte ring in a plain
 * ArrayBuffer, allocated only while it holds bytes. The test oracle; not exported from mod.ts.
 * @module
 */

import { CodecStatus } from "../status.ts";

/** The reference byte ring (see `ByteRing`). */
export class ReferenceByteRing {
  #data: Uint8Array | null = null;
  #head = 0;
  #used = 0;
  #initial: number;
  #max: number;

  /** Options as in `ByteRing` (without `codec`). */
  constructor(options: { initialCapacity?: number; maxCapacity?: number } = {}) {
    this.#initial = Math.max(16, options.initialCapacity ?? 4096);
    this.#max = Math.max(this.#initial, options.maxCapacity ?? 4 * 1024 * 1024);
  }

  /** Bytes held. */
  get length(): number {
    return this.#used;
  }

  /** Bytes of storage held now (0 while empty). */
  get capacity(): number {
    return this.#data?.length ?? 0;
  }

  /** Appends all of `bytes`, or returns NO_SPACE (nothing appended) past `maxCapacity`. */
  write(bytes: Uint8Array | string): number {
    if (typeof bytes === "string") bytes = new TextEncoder().encode(bytes);
    if (bytes.length === 0) return 0;
    if (this.#used + bytes.length > this.capacity) {
      if (this.#used + bytes.length > this.#max) return CodecStatus.NO_SPACE;
      let next = Math.max(this.capacity, this.#initial);
      while (next < this.#used + bytes.length) next *= 2;
      const grown = new Uint8Array(Math.min(next, this.#max));
      grown.set(this.#peek(this.#used));
      this.#data = grown;
      this.#head = 0;
    }
    const data = this.#data!;
    for (let i = 0; i < bytes.length; i++) {
      data[(this.#head + this.#used + i) % data.length] = bytes[i]!;
    }
    this.#used += bytes.length;
    return bytes.length;
  }

  /** Removes and returns up to `max` bytes from the front; a drained ring frees its storage. */
  read(max: number = Infinity): Uint8Array {
    const out = this.#peek(Math.min(max, this.#used));
    this.#used -= out.length;
    this.#head = this.#data === null ? 0 : (this.#head + out.length) % this.#data.length;
    if (this.#used === 0) this.release();
    return out;
  }

  /** Drops everything held and frees the storage. */
  release(): void {
    this.#data = null;
    this.#head = 0;
    this.#used = 0;
  }

  #peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const data = this.#data;
    for (let i = 0; i < n; i++) out[i] = data![(this.#head + i) % data!.length]!;
    return out;
  }
}
