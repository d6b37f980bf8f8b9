// WriteQueue keeps its slot array between bursts (no array per write): whatever the mix of pushes,
// takes, partial writes put back and full drains, the bytes come out in order, each exactly once,
// and `bytes` counts what is not yet confirmed written.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { WriteQueue } from "./write_queue.ts";

type Op =
  | { push: number; size: number }
  | { take: true; partial: number };

describe("WriteQueue", () => {
  test("bytes leave in order, once, across drains, partial writes and long bursts", () => {
    const op = fc.oneof(
      // sizes across the coalescing limit (16 KiB), and bursts long enough to pass 64 and 1024 slots
      fc.record({ push: fc.integer({ min: 1, max: 1200 }), size: fc.constantFrom(1, 7) }),
      fc.record({ push: fc.integer({ min: 1, max: 3 }), size: fc.constantFrom(300, 20_000) }),
      fc.record({ take: fc.constant(true as const), partial: fc.integer({ min: 0, max: 100 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops: Op[]) => {
        const q = new WriteQueue();
        let sent = 0; // next byte value pushed (mod 251)
        const out: number[] = [];
        let pushed = 0;
        let confirmed = 0;
        const drainOne = (partial: number) => {
          const next = q.take();
          if (!next) return false;
          // A write that took only part of it: the rest goes back to the front.
          const n = partial > 0 && next.length > 1
            ? Math.max(1, Math.floor(next.length * partial / 101))
            : next.length;
          for (let i = 0; i < n; i++) out.push(next[i]!);
          q.written(n);
          confirmed += n;
          if (n < next.length) q.unshift(next.subarray(n));
          return true;
        };
        for (const o of ops) {
          if ("push" in o) {
            for (let k = 0; k < o.push; k++) {
              const b = new Uint8Array(o.size);
              for (let i = 0; i < b.length; i++) b[i] = (sent + i) % 251;
              sent = (sent + b.length) % 251;
              pushed += b.length;
              q.push(b);
            }
          } else drainOne(o.partial);
          assert.equal(q.bytes, pushed - confirmed);
        }
        while (drainOne(0)) { /* the rest */ }
        assert.ok(q.empty);
        assert.equal(q.bytes, 0);
        assert.equal(out.length, pushed);
        for (let i = 0; i < out.length; i++) {
          if (out[i] !== i % 251) assert.fail(`byte ${i}: ${out[i]} (expected ${i % 251})`);
        }
      }),
      { numRuns: 40 },
    );
  });

  test("after a full drain the queue takes new bytes (and clear() empties it)", () => {
    const q = new WriteQueue();
    for (let round = 0; round < 3; round++) {
      q.push(new Uint8Array([round, 1]));
      q.push(new Uint8Array([round, 2]));
      const next = q.take()!;
      assert.deepEqual([...next], [round, 1, round, 2]);
      assert.ok(q.empty);
      q.written(next.length);
      assert.equal(q.take(), undefined);
    }
    q.push(new Uint8Array(5));
    q.clear();
    assert.ok(q.empty);
    assert.equal(q.bytes, 0);
    assert.equal(q.take(), undefined);
  });
});
