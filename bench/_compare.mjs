// What the side-by-side runners (bench/zmq/compare.mjs, bench/sp/compare.mjs,
// bench/nano/compare.mjs) share: logging, probing a tool's version, medians, compact numbers,
// and running one column's program while streaming its JSON lines.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Progress goes to stderr, the table to stdout. */
export const log = (s) => process.stderr.write(s + "\n");

/** A command's trimmed output, or null when it fails. */
export function tryRun(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  return r.status === 0 ? (r.stdout || r.stderr).trim() : null;
}

/** The median of the finite values (NaN when there are none). */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 4180000 → "4.18M", 12345 → "12.3k". */
export function si(n) {
  if (!Number.isFinite(n)) return "—";
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return `${Math.round(n)}`;
}

/**
 * Runs one column's program (`col.spec.cmd`/`args`) for a round and resolves with the JSON records
 * it printed, logging each as it arrives (`show(rec)`). A run that does not exit within
 * `timeoutS` is killed, so one hung program cannot stall the table.
 */
export function runColumn(col, round, { runs, timeoutS = 300, show, started = Date.now() }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(col.spec.cmd, col.spec.args, { cwd: root });
    const timer = setTimeout(() => {
      log(
        `  ${col.title}: no exit after ${timeoutS} s: killed (its remaining scenarios are missing)`,
      );
      child.kill("SIGKILL");
    }, timeoutS * 1e3);
    const records = [];
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const text = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        if (!text.startsWith("{")) continue;
        const rec = JSON.parse(text);
        records.push(rec);
        log(`  ${elapsed(started)} ${col.title.padEnd(9)} ${show(rec)}`);
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      const secs = ((Date.now() - t0) / 1e3).toFixed(1);
      if (code !== 0) {
        log(`  ${col.title}: exit ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`);
      } else if (round === 1 && err.trim()) log(`  ${col.title}: ${err.trim().split("\n")[0]}`);
      log(`[round ${round}/${runs}] ${col.title}: ${records.length} scenarios in ${secs} s`);
      resolve(records);
    });
  });
}

/** `[  73 s]`: the time since the comparison started, at the head of each progress line. */
const elapsed = (since) => `[${String(Math.round((Date.now() - since) / 1e3)).padStart(4)} s]`;

/** The runtimes every comparison names: node, Deno and Bun (the pinned ones), and nproc. */
export function runtimeVersions() {
  const v = [`node ${process.version}`];
  const deno = tryRun(join(root, "node_modules/deno/deno"), ["--version"]);
  if (deno) v.push(deno.split("\n")[0]);
  const bun = tryRun(join(root, "node_modules/bun/bin/bun.exe"), ["--version"]);
  if (bun) v.push(`bun ${bun}`);
  const cpus = tryRun("nproc", []);
  if (cpus) v.push(`nproc ${cpus}`);
  return v;
}

/**
 * Runs every column `runs` times, round-robin (drift on a busy machine hits them all): makes each
 * column's spec (`col.make()`, which may say `skip`), logs the skips and the machine, and returns
 * the records by column id with the skip notes.
 */
export async function runRounds(columns, { runs, timeoutS, machine, show }) {
  const notes = [];
  for (const c of columns) {
    c.spec = c.make();
    if (c.spec.skip) notes.push(`${c.title}: skipped: ${c.spec.skip}`);
  }
  for (const n of notes) log(n);
  log(`machine: ${machine}`);
  const started = Date.now();
  const raw = new Map(columns.map((c) => [c.id, []]));
  for (let round = 1; round <= runs; round++) {
    for (const c of columns) {
      if (c.spec.skip) continue;
      log(`${elapsed(started)} [round ${round}/${runs}] ${c.title}: running`);
      raw.get(c.id).push(...(await runColumn(c, round, { runs, timeoutS, show, started })));
    }
  }
  log(`done in ${((Date.now() - started) / 1e3).toFixed(0)} s`);
  return { raw, notes };
}
