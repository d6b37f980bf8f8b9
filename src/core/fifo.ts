/**
 * A growable ring-buffer FIFO: O(1) push and shift without `Array.prototype.shift`'s copying.
 * Used for every message queue on the hot path.
 * @module
 */

/**
 * A first-in first-out queue.
 *
 * @example
 * ```ts
 * import { Fifo } from "./fifo.ts";
 * import assert from "node:assert/strict";
 * const q = new Fifo<number>();
 * q.push(1);
 * q.push(2);
 * assert.equal(q.shift(), 1);
 * assert.equal(q.peek(), 2);
 * assert.equal(q.length, 1);
 * ```
 */
export class Fifo<T> {
  #items: (T | undefined)[];
  // The ring's size is a power of two: an index wraps with `& mask`, not a division.
  #mask: number;
  #head = 0;
  #length = 0;

  /** Creates an empty queue with room for `capacity` items (rounded up) before it grows. */
  constructor(capacity = 16) {
    let size = 4;
    while (size < capacity) size *= 2;
    this.#items = new Array(size);
    this.#mask = size - 1;
  }

  /** How many items are queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends an item. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes every item (and returns them oldest first). */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  /** Removes the first item for which `match` is true; returns whether one was removed. */
  remove(match: (item: T) => boolean): boolean {
    for (let i = 0; i < this.#length; i++) {
      const at = (this.#head + i) % this.#items.length;
      if (!match(this.#items[at] as T)) continue;
      for (let j = i; j < this.#length - 1; j++) {
        this.#items[(this.#head + j) % this.#items.length] =
          this.#items[(this.#head + j + 1) % this.#items.length];
      }
      this.#items[(this.#head + this.#length - 1) % this.#items.length] = undefined;
      this.#length--;
      return true;
    }
    return false;
  }

  #grow(): void {
    const next = new Array<T | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) {
      next[i] = this.#items[(this.#head + i) % this.#items.length];
    }
    this.#items = next;
    this.#mask = next.length - 1;
    this.#head = 0;
  }
}
