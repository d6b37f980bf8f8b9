/**
 * The soak's pass/fail rule (tools/soak/check.mjs) on made-up timelines and on the recorded
 * 30-minute runs: a leak of 8 KiB per accepted connection fails it within the 60 s CI run (as it
 * did for real: `npm run soak -- --seconds 60 --check --leak 8192`), JIT code growth on Deno does
 * not, and neither do the recorded runs.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { soakProblems } from "../../tools/soak/check.mjs";

const MiB = 1048576;

interface Row {
  t: number;
  fds: number;
  heap: number;
  heapObjects?: number;
  heapCode?: number;
  rss: number;
  handledTotal: number;
}

/**
 * A 60 s run sampled every 2 s, as CI's: ~6 connections a second accepted by the ZeroMQ and SP
 * sockets (what the soak clients open, hostile ones included; measured with --leak),
 * `perConnection` bytes of objects kept for each, code growing 20 KiB a sample the way V8's JIT
 * code does, `fdsPerMinute` descriptors never closed.
 */
function timeline(
  { perConnection = 0, fdsPerMinute = 0, split = true, seconds = 60 } = {},
): Row[] {
  return Array.from({ length: seconds / 2 }, (_, i) => {
    const t = (i + 1) * 2;
    const objects = 8.8 * MiB + (i % 3) * 40_000 + t * 6 * perConnection; // ±40 kB of noise
    const code = 2.4 * MiB + i * 20_480;
    return {
      t,
      fds: 48 + (i % 2) + Math.floor((t / 60) * fdsPerMinute),
      heap: objects + code,
      ...(split ? { heapObjects: objects, heapCode: code } : {}),
      rss: 90 * MiB,
      handledTotal: t * 2700,
    };
  });
}

describe("the soak check", () => {
  test("passes a flat run, however much compiled code grows", () => {
    assert.deepEqual(soakProblems(timeline(), { seconds: 60 }).problems, []);
  });

  test("fails on 8 KiB kept per connection (Deno: the object heap)", () => {
    const { problems } = soakProblems(timeline({ perConnection: 8192 }), { seconds: 60 });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /object heap grew/);
  });

  test("fails on 8 KiB kept per connection where the heap is not split (Bun)", () => {
    const rows = timeline({ perConnection: 8192, split: false });
    for (const r of rows) r.heap += 27 * 1048576; // Bun's heap: ~38 MB
    assert.match(soakProblems(rows, { seconds: 60 }).problems.join(), /JS heap grew/);
  });

  test("fails on descriptors that are never closed", () => {
    const rows = timeline({ fdsPerMinute: 40 });
    assert.match(soakProblems(rows, { seconds: 60 }).problems.join(), /open FDs grew/);
  });

  test("fails when the server died or stopped handling", () => {
    const rows = timeline().map((r) => ({ ...r, handledTotal: Math.min(r.handledTotal, 50_000) }));
    const { problems } = soakProblems(rows, { seconds: 60, died: true });
    assert.deepEqual(problems.map((p) => p.split(" ").slice(0, 3).join(" ")), [
      "the server exited",
      "the server handled",
    ]);
  });

  test("passes the recorded 30-minute runs", () => {
    for (const runtime of ["deno", "bun"]) {
      const url = new URL(`../../bench/soak/soak-${runtime}-30min.json`, import.meta.url);
      const run = JSON.parse(readFileSync(url, "utf8"));
      assert.deepEqual(soakProblems(run.rows, run).problems, [], runtime);
    }
  });
});
