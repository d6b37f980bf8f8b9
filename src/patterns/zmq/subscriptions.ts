/**
 * Counted prefix subscriptions, as ZeroMQ keeps them: subscribing to a topic twice needs two
 * cancels, the empty topic matches everything, and matching is by byte prefix of the first frame.
 * Lookup is one map probe per distinct subscribed prefix length, not per subscription.
 * @module
 */

/** Bytes → a string key (latin1: one char per byte, so equal bytes give equal keys). */
export function topicKey(bytes: Uint8Array, length = bytes.length): string {
  let key = "";
  for (let i = 0; i < length; i++) key += String.fromCharCode(bytes[i]!);
  return key;
}

/**
 * A counted set of byte prefixes.
 *
 * @example
 * ```ts
 * import { Subscriptions } from "./subscriptions.ts";
 * import assert from "node:assert/strict";
 * const subs = new Subscriptions();
 * const te = new TextEncoder();
 * subs.add(te.encode("weather."));
 * assert.ok(subs.matches(te.encode("weather.paris 21C")));
 * assert.ok(!subs.matches(te.encode("news")));
 * subs.add(new Uint8Array(0)); // everything
 * assert.ok(subs.matches(te.encode("news")));
 * ```
 */
export class Subscriptions {
  #counts = new Map<string, number>();
  // How many topics of each length are subscribed (keys: lengths).
  #lengths = new Map<number, number>();
  #sortedLengths: number[] = [];

  /** How many distinct topics are subscribed. */
  get size(): number {
    return this.#counts.size;
  }

  /** Adds one reference to `topic`; returns true when it is new. */
  add(topic: Uint8Array): boolean {
    const key = topicKey(topic);
    const count = this.#counts.get(key) ?? 0;
    this.#counts.set(key, count + 1);
    if (count > 0) return false;
    this.#lengths.set(topic.length, (this.#lengths.get(topic.length) ?? 0) + 1);
    this.#sortedLengths = [...this.#lengths.keys()].sort((a, b) => a - b);
    return true;
  }

  /** Removes one reference; returns true when the topic is now gone (last reference). */
  remove(topic: Uint8Array): boolean {
    const key = topicKey(topic);
    const count = this.#counts.get(key);
    if (count === undefined) return false;
    if (count > 1) {
      this.#counts.set(key, count - 1);
      return false;
    }
    this.#counts.delete(key);
    const n = this.#lengths.get(topic.length)! - 1;
    if (n === 0) this.#lengths.delete(topic.length);
    else this.#lengths.set(topic.length, n);
    this.#sortedLengths = [...this.#lengths.keys()].sort((a, b) => a - b);
    return true;
  }

  /** Whether any subscribed topic is a prefix of `data`. */
  matches(data: Uint8Array): boolean {
    for (const length of this.#sortedLengths) {
      if (length > data.length) return false;
      if (length === 0 || this.#counts.has(topicKey(data, length))) return true;
    }
    return false;
  }

  /** Every distinct topic, with its reference count. */
  *entries(): IterableIterator<[Uint8Array, number]> {
    for (const [key, count] of this.#counts) {
      const bytes = new Uint8Array(key.length);
      for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
      yield [bytes, count];
    }
  }
}
