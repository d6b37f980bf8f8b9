/**
 * The outbound side shared by the runtime transports: an ordered queue of owned buffers that
 * coalesces runs of small writes into one larger buffer, so a burst of tiny frames costs one
 * system call instead of one each. Knows nothing of sockets; `deno/` and `bun/` drive it.
 * @module
 */

/** Queued bytes above which `ByteStream.write` reports back-pressure (`drain` comes at half). */
export const HIGH_WATER_BYTES = 1 << 20;

/** Buffers at least this long are written as they are (copying them would cost more than it saves). */
const COALESCE_BELOW = 16 * 1024;

/** The most bytes one coalesced buffer carries. */
const COALESCE_MAX = 256 * 1024;

/**
 * An ordered byte queue. `bytes` counts everything not yet confirmed written (queued and in
 * flight), which is what back-pressure is measured against.
 *
 * @example
 * ```ts
 * import { WriteQueue } from "./write_queue.ts";
 * import assert from "node:assert/strict";
 * const q = new WriteQueue();
 * q.push(new Uint8Array([1, 2]));
 * q.push(new Uint8Array([3]));
 * const next = q.take()!;
 * assert.deepEqual([...next], [1, 2, 3]); // two small writes, one buffer
 * assert.equal(q.bytes, 3);
 * q.written(next.length);
 * assert.equal(q.bytes, 0);
 * assert.equal(q.take(), undefined);
 * ```
 */
export class WriteQueue {
  // Slots head..end hold the queue. The array is kept (not remade) when the queue empties, so a
  // stream that writes one buffer per turn allocates nothing here per write.
  #chunks: Uint8Array[] = [];
  #head = 0;
  #end = 0;
  #bytes = 0;

  /** Bytes queued or taken but not yet confirmed by {@link WriteQueue.written}. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when nothing is waiting to be taken. */
  get empty(): boolean {
    return this.#head === this.#end;
  }

  /** Appends an owned buffer (not copied). */
  push(bytes: Uint8Array): void {
    this.#chunks[this.#end++] = bytes;
    this.#bytes += bytes.length;
  }

  /**
   * Removes and returns the next buffer to write: a large buffer alone, or a run of small ones
   * concatenated (up to 256 KiB). `undefined` when empty.
   */
  take(): Uint8Array | undefined {
    const chunks = this.#chunks;
    if (this.#head === this.#end) return undefined;
    const first = chunks[this.#head]!;
    let end = this.#head + 1;
    let total = first.length;
    if (first.length < COALESCE_BELOW) {
      while (end < this.#end) {
        const len = chunks[end]!.length;
        if (len >= COALESCE_BELOW || total + len > COALESCE_MAX) break;
        total += len;
        end++;
      }
    }
    let out: Uint8Array;
    if (end === this.#head + 1) {
      out = first;
    } else {
      out = new Uint8Array(total);
      let at = 0;
      for (let i = this.#head; i < end; i++) {
        const c = chunks[i]!;
        out.set(c, at);
        at += c.length;
      }
    }
    this.#advance(end);
    return out;
  }

  /** Puts the unwritten rest of a taken buffer back at the front (after a partial write). */
  unshift(rest: Uint8Array): void {
    if (this.#head > 0) this.#chunks[--this.#head] = rest;
    else {
      this.#chunks.unshift(rest);
      this.#end++;
    }
  }

  /** Confirms `n` bytes as written (they no longer count against back-pressure). */
  written(n: number): void {
    this.#bytes -= n;
  }

  /** Drops everything (close without linger). */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#end = 0;
    this.#bytes = 0;
  }

  #advance(end: number): void {
    // Dropping taken slots lazily keeps take() O(1) amortised on long queues.
    const chunks = this.#chunks;
    for (let i = this.#head; i < end; i++) chunks[i] = EMPTY;
    this.#head = end;
    if (end === this.#end) {
      this.#head = this.#end = 0;
      if (chunks.length > 64) this.#chunks = []; // a burst is over: don't keep its slots
    } else if (end > 1024 && end * 2 > this.#end) {
      this.#chunks = chunks.slice(end, this.#end);
      this.#end -= end;
      this.#head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
