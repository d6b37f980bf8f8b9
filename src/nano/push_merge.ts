/**
 * Merged pushes (the `mergePushes` app option): the pushes a session gets within one interval
 * are held and written together, as one write — for WebSocket one message carrying several
 * pomelo packets, which pomelo's own connector sends (`sendBatch`) and its clients decode. The
 * seed's million-user design: fewer writes, packets and wake-ups per client when pushes come
 * often. Sessions that were pushed the same packets (a group's members) share one merged
 * buffer, so a merged broadcast is still framed once.
 * @module
 */

import { SharedMessage } from "../transport/shared_message.ts";
import type { Clock } from "./timers.ts";

/** A packet as a connection queues it. */
export type Packet = Uint8Array | SharedMessage;

/** What the merger flushes (a connection holding pushes; internal). */
export interface HoldsPushes {
  /** Writes what it holds as one packet (`merged` builds it). */
  releaseHeld(merged: (held: readonly Packet[]) => Packet): void;
}

const bytesOf = (p: Packet) => p instanceof Uint8Array ? p : p.bytes;

/**
 * The packets as one: a single packet as it is (a shared one stays shared), several
 * concatenated (pomelo packets are self-delimiting).
 *
 * @example
 * ```ts
 * import { mergePackets } from "./push_merge.ts";
 * import assert from "node:assert/strict";
 * const a = Uint8Array.of(4, 0, 0, 1, 7);
 * const b = Uint8Array.of(4, 0, 0, 1, 8);
 * assert.equal(mergePackets([a]), a);
 * assert.deepEqual([...mergePackets([a, b]) as Uint8Array], [4, 0, 0, 1, 7, 4, 0, 0, 1, 8]);
 * ```
 */
export function mergePackets(held: readonly Packet[]): Packet {
  if (held.length === 1) return held[0]!;
  let total = 0;
  for (const p of held) total += bytesOf(p).length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of held) {
    const b = bytesOf(p);
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * The app's side: which connections hold pushes, and one timer per interval that releases
 * them all (internal).
 *
 * @example
 * ```ts
 * import { PushMerger, type Packet } from "./push_merge.ts";
 * import { systemClock } from "./timers.ts";
 * import assert from "node:assert/strict";
 * const written: Packet[] = [];
 * const held: Packet[] = [Uint8Array.of(4, 0, 0, 1, 1), Uint8Array.of(4, 0, 0, 1, 2)];
 * const conn = { releaseHeld: (merged: (h: readonly Packet[]) => Packet) => void written.push(merged(held)) };
 * const merger = new PushMerger(systemClock(), 5);
 * merger.hold(conn);
 * merger.hold(conn); // once per interval, however many pushes
 * await new Promise((r) => setTimeout(r, 30));
 * assert.equal(written.length, 1); // two pushes, one write
 * assert.equal((written[0] as Uint8Array).length, 10);
 * ```
 */
export class PushMerger {
  #clock: Clock;
  #interval: number;
  #due = new Set<HoldsPushes>();
  #timer: unknown;

  /** Releases held pushes every `interval` ms (while any are held). */
  constructor(clock: Clock, interval: number) {
    this.#clock = clock;
    this.#interval = interval;
  }

  /** `c` holds a push: it is released at the end of the current interval. */
  hold(c: HoldsPushes): void {
    this.#due.add(c);
    this.#timer ??= this.#clock.setTimeout(() => this.flush(), this.#interval);
  }

  /** Releases every connection's held pushes now. */
  flush(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = [...this.#due];
    this.#due.clear();
    // Members of a group got the same packets: the previous connection's merge is reused (a
    // shared message, framed once for all of them).
    let last: readonly Packet[] = [];
    let lastMerged: Packet | undefined;
    const merged = (held: readonly Packet[]): Packet => {
      if (lastMerged !== undefined && sameItems(held, last)) return lastMerged;
      const m = mergePackets(held);
      last = held;
      lastMerged = held.length > 1 && held.every((p) => p instanceof SharedMessage)
        ? new SharedMessage(m as Uint8Array)
        : m;
      return lastMerged;
    };
    for (const c of due) c.releaseHeld(merged);
  }
}

function sameItems(a: readonly Packet[], b: readonly Packet[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
