/**
 * A runtime-neutral codec benchmark runner (`deno run -A bench/codec_run.ts`, `bun run
 * bench/codec_run.ts`): times every case of bench/codec/all_cases.ts and prints one table row
 * per group — reference ns/op, wasm ns/op, and the wasm speed-up (reference ÷ wasm).
 *
 * Method: per case, a warm-up (~300 ms, so both tiers of the JIT have seen it), then ROUNDS
 * rounds of ~ROUND_MS each; the figure is the median round's time per iteration. The reference
 * and wasm cases of a group run alternately, round by round, so drift on a busy machine hits
 * both. Options: `--filter <text>` (only groups containing it), `--rounds <n>`, `--ms <n>`,
 * `--runs <n>` (repeat the whole table, report the median per group).
 * @module
 */

import { cases } from "./codec/all_cases.ts";
import type { BenchCase } from "./codec/types.ts";

const args = typeof process !== "undefined" ? process.argv.slice(2) : [];
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const FILTER = opt("--filter") ?? "";
const ROUNDS = Number(opt("--rounds") ?? 9);
const ROUND_MS = Number(opt("--ms") ?? 100);
const WARM_MS = 300;

/** Iterations that take about `ms` milliseconds. */
function calibrate(fn: () => void, ms: number): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= ms / 4) return Math.max(1, Math.round((n * ms) / dt));
    n *= 4;
  }
}

function round(fn: () => void, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t0) * 1e6) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runtime(): string {
  // navigator.userAgent is "Deno/2.x.y" or "Bun/1.x.y": no runtime namespace needed.
  const ua = typeof navigator !== "undefined" ? navigator.userAgent : "unknown";
  return ua;
}

function fmt(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

const groups = new Map<string, { reference?: BenchCase; wasm?: BenchCase }>();
for (const c of cases) {
  if (!c.group.includes(FILTER)) continue;
  const g = groups.get(c.group) ?? {};
  g[c.name] = c;
  groups.set(c.group, g);
}

// Each run measures every group once; with --runs N the table shows the median over runs of
// each group's per-run median (a busy machine spoils some runs, rarely the same group twice).
const RUNS = Number(opt("--runs") ?? 1);
const results = new Map<string, { ref: number[]; wasm: number[] }>();
for (let run = 0; run < RUNS; run++) {
  for (const [group, { reference, wasm }] of groups) {
    if (!reference || !wasm) throw new Error(`group ${group} lacks a reference or wasm case`);
    for (const c of [reference, wasm]) {
      const t0 = performance.now();
      while (performance.now() - t0 < WARM_MS) c.fn();
    }
    const nRef = calibrate(reference.fn, ROUND_MS);
    const nWasm = calibrate(wasm.fn, ROUND_MS);
    const ref: number[] = [];
    const was: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      ref.push(round(reference.fn, nRef));
      was.push(round(wasm.fn, nWasm));
    }
    const entry = results.get(group) ?? { ref: [], wasm: [] };
    entry.ref.push(median(ref));
    entry.wasm.push(median(was));
    results.set(group, entry);
  }
}
const rows: string[][] = [];
for (const [group, { ref, wasm }] of results) {
  const a = median(ref);
  const b = median(wasm);
  rows.push([group, fmt(a), fmt(b), `${(a / b).toFixed(2)}×`]);
}

const head = ["group", "reference", "wasm", "wasm speed-up"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  "| " +
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") +
  " |";
console.log(
  `runtime: ${runtime()}; time per iteration: median of ${ROUNDS} rounds × ~${ROUND_MS} ms` +
    (RUNS > 1 ? `, then median of ${RUNS} runs` : ""),
);
console.log(line(head));
console.log(
  "|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") +
    "|",
);
for (const r of rows) console.log(line(r));
