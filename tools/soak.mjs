#!/usr/bin/env node
/**
 * `npm run soak -- --minutes N [--runtime deno|bun] [--check] [--out DIR]` (or `--seconds N`;
 * `--leak BYTES` makes the server keep that much per accepted connection, to try the check;
 * `--v8-flags LIST` passes V8 flags to Deno):
 * starts tools/soak/server.ts (ZeroMQ, SP and nano in one process) and tools/soak/clients.ts
 * (traffic, connect/close churn and hostile connections, in another process) on the chosen
 * runtime, prints one timeline line per sample (RSS, JS heap after a GC, open FDs, sessions,
 * messages/s, errors), and writes the timeline as JSON and as an SVG chart
 * (`DIR/soak-<runtime>.json|svg`; DIR is bench/soak, or a temporary folder with --check).
 *
 * --check fails (exit 1) on growth of open FDs or of the JS object heap, or when the server
 * stops; the rule is in tools/soak/check.mjs. RSS and (on Deno) compiled code are reported.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { soakChart } from "./soak/chart.mjs";
import { soakProblems } from "./soak/check.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const check = args.includes("--check");
const runtime = opt("runtime") ?? "deno";
const seconds = opt("seconds") !== undefined
  ? Number(opt("seconds"))
  : Number(opt("minutes") ?? 1) * 60;
const intervalMs = seconds <= 120 ? 2000 : 5000;
const leak = Number(opt("leak") ?? 0); // bytes kept per accepted connection, to try the check
const outDir = opt("out") ??
  (check ? mkdtempSync(join(tmpdir(), "weft-soak-")) : join(root, "bench/soak"));
if (!(seconds > 0) || !["deno", "bun"].includes(runtime)) {
  console.error(
    "usage: npm run soak -- (--minutes N | --seconds N) [--runtime deno|bun] [--check] [--out DIR]" +
      " [--leak BYTES] [--v8-flags LIST]",
  );
  process.exit(2);
}

// For experiments on Deno, e.g. `--v8-flags --no-maglev,--no-turbofan` (no optimizing JIT).
const v8Flags = ["--expose-gc", ...(opt("v8-flags") ? [opt("v8-flags")] : [])].join(",");

function command(script) {
  return runtime === "deno"
    ? [join(root, "node_modules/deno/deno"), ["run", "-A", `--v8-flags=${v8Flags}`, script]]
    : [join(root, "node_modules/bun/bin/bun.exe"), [script]];
}

function start(script, extra) {
  const [cmd, argv] = command(join(root, "tools/soak", script));
  const child = spawn(cmd, [...argv, ...extra], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  return { child, lines };
}

const mb = (b) => (b / 1048576).toFixed(1);
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

console.log(
  `soak: ${runtime}, ${seconds} s, a sample every ${intervalMs / 1000} s${
    check ? ", --check" : ""
  }${leak ? `, leaking ${leak} B per accepted connection` : ""}`,
);
const server = start("server.ts", [String(intervalMs), String(leak)]);
let serverExited = false;
server.child.on("exit", () => (serverExited = true));

const ready = await new Promise((resolve, reject) => {
  server.lines.on("line", (line) => {
    if (line.startsWith('{"ready"')) resolve(JSON.parse(line));
  });
  server.child.on(
    "exit",
    (code) => reject(new Error(`the soak server exited (${code}) before it was ready`)),
  );
});
if (!ready.gc) {
  console.log("soak: warning: no GC available; the heap is sampled without collecting first");
}

const clients = start("clients.ts", [JSON.stringify(ready)]);
let client = { sent: {}, errors: {}, churn: { connections: 0, hostile: 0 } };
clients.lines.on("line", (line) => {
  if (line.startsWith('{"client"')) client = JSON.parse(line).client;
});

const rows = [];
server.lines.on("line", (line) => {
  if (!line.startsWith('{"sample"')) return;
  const s = JSON.parse(line).sample;
  const prev = rows.at(-1);
  const handled = sum(s.handled);
  const rate = prev ? (handled - prev.handledTotal) / (s.t - prev.t) : handled / s.t;
  const row = {
    t: s.t,
    rss: s.rss,
    heap: s.heap,
    ...(s.heapObjects !== undefined ? { heapObjects: s.heapObjects, heapCode: s.heapCode } : {}),
    fds: s.fds,
    sessions: s.sessions,
    handled: s.handled,
    handledTotal: handled,
    rate,
    serverErrors: sum(s.errors),
    serverErrorsByFamily: s.errors,
    reasons: s.reasons,
    client: structuredClone(client),
  };
  rows.push(row);
  console.log(
    `${String(Math.round(s.t)).padStart(5)} s  rss ${mb(s.rss).padStart(6)} MB  heap ${
      mb(s.heap).padStart(5)
    } MB${
      s.heapObjects !== undefined ? ` (objects ${mb(s.heapObjects)}, code ${mb(s.heapCode)})` : ""
    }  ` +
      `fds ${String(s.fds).padStart(4)}  sessions ${String(s.sessions).padStart(3)}  ` +
      `msg/s ${String(Math.round(rate)).padStart(6)}  server errors ${row.serverErrors}  ` +
      `client errors ${sum(client.errors ?? {})}  connections ${client.churn?.connections ?? 0}  ` +
      `hostile ${client.churn?.hostile ?? 0}`,
  );
});

await new Promise((r) => setTimeout(r, seconds * 1000 + 500));
const died = serverExited;
for (const p of [clients, server]) p.child.stdin.end();
await Promise.all([clients, server].map((p) =>
  new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    const kill = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    p.child.on("exit", () => (clearTimeout(kill), resolve()));
  })
));

// ---- outputs ----

mkdirSync(outDir, { recursive: true });
const base = join(outDir, `soak-${runtime}`);
const summary = { runtime, seconds, intervalMs, samples: rows.length, rows };
writeFileSync(`${base}.json`, JSON.stringify(summary, null, 2) + "\n");
writeFileSync(`${base}.svg`, soakChart(runtime, seconds, rows));
// Recorded runs are committed: leave them as `deno fmt` writes them (it formats SVG too).
spawnSync(join(root, "node_modules/deno/deno"), ["fmt", "--quiet", `${base}.svg`, `${base}.json`]);
console.log(`soak: wrote ${base}.json and ${base}.svg`);

// ---- the check ----

const { problems, medians } = soakProblems(rows, { seconds, died });
if (medians) console.log(`soak: medians, first third → last third: ${medians}`);
if (check) {
  if (problems.length > 0) {
    console.log(`soak check FAILED: ${problems.join("; ")}`);
    process.exit(1);
  }
  console.log("soak check ok: FDs and JS heap flat, traffic flowing");
} else if (problems.length > 0) {
  console.log(`soak: note: ${problems.join("; ")}`);
}
process.exit(0);
