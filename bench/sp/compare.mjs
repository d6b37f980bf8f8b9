// compare: weft's SP scenarios against nng 1.5.2 (C), in one invocation, as one table.
//
//   node bench/sp/compare.mjs [--runs 3] [--seconds 1.5] [--scenario S]... [--transport T]...
//                             [--size N]... [--only c,deno,bun] [--json FILE]
//   npm run bench:sp -- --runs 1
//   npm run bench:sp -- --quick            # cross-process only, one round, small counts: < 1 min
//
// First, the headline, across processes (bench/_xproc.mjs): `nng_bench --role` and
// bench/sp/peer.ts on Deno and Bun, each receiver (Pull0, Rep0) in its own process and each
// sender (Push0, Req0) in another: PUSH → PULL tcp / ipc at 16 B / 1 KiB / 64 KiB, REQ → REP 16 B
// over tcp (p50 / p99 / p99.9), mixed pairs (weft Deno ↔ nng C, weft Bun ↔ weft Deno); each
// receiver reports its CPU time per message too. `--cross-process-only` stops after that table.
//
// Then, in one process:
// Runs, round-robin for each of --runs rounds (so drift on a busy machine hits every column):
//   nng C      bench/.out/nng_bench (built by bench/c/build.sh; skipped with a note without gcc
//              or libnng-dev): Push0 in its own thread, nng's own I/O threads.
//   weft Deno  bench/sp/scenarios.ts under ./node_modules/deno/deno run -A
//   weft Bun   bench/sp/scenarios.ts under ./node_modules/bun/bin/bun.exe run
// weft's sender and receiver share one process and one thread. Every cell is the median of the
// rounds. Ratios are weft ÷ nng for throughput (> 1: weft ahead) and nng ÷ weft for the p50
// round trip (also > 1 when weft is ahead).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { log, median, runRounds, runtimeVersions, si, tryRun } from "../_compare.mjs";
import { pairTables, printCrossAndExit, runPlan, standardPlan } from "../_xproc.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const at = (...p) => join(root, ...p);

function parseArgs(argv) {
  const o = { runs: 3, seconds: "1.5", pass: [], only: null, json: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick" || a === "--cross-process-only") {
      o[a === "--quick" ? "quick" : "crossOnly"] = true;
      continue;
    }
    if (a === "-h" || a === "--help") {
      process.stderr.write(
        readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport")[0] + "\n",
      );
      process.exit(0);
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    if (a === "--runs") o.runs = Math.max(1, Number(v));
    else if (a === "--seconds") o.seconds = v;
    else if (a === "--only") o.only = new Set(v.split(","));
    else if (a === "--json") o.json = v;
    else if (["--scenario", "--transport", "--size", "--count"].includes(a)) o.pass.push(a, v);
    else throw new Error(`unknown flag ${a} (see --help)`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const common = ["--seconds", opts.seconds, ...opts.pass];

// ---- the columns --------------------------------------------------------------------------------

function cColumn() {
  const bin = at("bench/.out/nng_bench");
  const src = at("bench/c/nng_bench.c");
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    if (!tryRun("sh", ["-c", "command -v ${CC:-cc}"])) {
      return { skip: "no C compiler (apt-get install gcc)" };
    }
    log("building the C anchor: bench/c/build.sh");
    // build.sh also builds zmq_bench and exits non-zero if libzmq3-dev is missing: judge by the file.
    const r = spawnSync("bash", [at("bench/c/build.sh")], { cwd: root, encoding: "utf8" });
    if (!existsSync(bin)) {
      return {
        skip:
          `bench/c/build.sh could not build nng_bench (apt-get install libnng-dev): ${r.stderr.trim()}`,
      };
    }
  }
  return { cmd: bin, args: [...common] };
}

function weftColumn(runtime) {
  const bin = runtime === "deno"
    ? at("node_modules/deno/deno")
    : at("node_modules/bun/bin/bun.exe");
  if (!existsSync(bin)) return { skip: `${bin} missing (npm install)` };
  const script = at("bench/sp/scenarios.ts");
  return {
    cmd: bin,
    args: runtime === "deno" ? ["run", "-A", script, ...common] : ["run", script, ...common],
  };
}

const columns = [
  { id: "c", title: "nng C", make: cColumn },
  { id: "deno", title: "weft Deno", make: () => weftColumn("deno") },
  { id: "bun", title: "weft Bun", make: () => weftColumn("bun") },
].filter((c) => !opts.only || opts.only.has(c.id));

// ---- running ------------------------------------------------------------------------------------

const label = (r) => `${r.scenario} ${r.transport} ${r.size} B`;

function headline(r) {
  if (r.scenario === "req_rep") return `p50 ${r.p50_us} µs, p99 ${r.p99_us} µs`;
  return `${si(r.msg_per_s)} msg/s, ${r.mb_per_s} MB/s`;
}

// ---- the table ----------------------------------------------------------------------------------

function summary(recs) {
  if (!recs || recs.length === 0) return undefined;
  if (recs[0].scenario === "req_rep") {
    return { p50: median(recs.map((r) => r.p50_us)), p99: median(recs.map((r) => r.p99_us)) };
  }
  return { rate: median(recs.map((r) => r.msg_per_s)), size: recs[0].size };
}

function cell(s) {
  if (!s) return "–";
  if (s.p50 !== undefined) return `${s.p50.toFixed(0)} / ${s.p99.toFixed(0)} µs`;
  if (s.size >= 1024) {
    const mbs = (s.rate * s.size) / 1e6;
    return `${si(s.rate)} (${
      mbs >= 1000 ? (mbs / 1e3).toFixed(2) + " GB/s" : mbs.toFixed(0) + " MB/s"
    })`;
  }
  return si(s.rate);
}

function ratio(weft, nng) {
  if (!weft || !nng) return "–";
  const x = weft.p50 !== undefined ? nng.p50 / weft.p50 : weft.rate / nng.rate;
  return Number.isFinite(x) ? `${x.toFixed(1)}×` : "–";
}

function table(raw) {
  const by = new Map(); // key → column → records
  for (const [col, recs] of raw) {
    for (const r of recs) {
      const k = `${r.scenario}|${r.transport}|${r.size}`;
      if (!by.has(k)) by.set(k, new Map());
      const m = by.get(k);
      if (!m.has(col)) m.set(col, []);
      m.get(col).push(r);
    }
  }
  const order = (k) => {
    const [s, t, z] = k.split("|");
    return [["push_pull", "req_rep"].indexOf(s), ["tcp", "ipc", "inproc"].indexOf(t), +z];
  };
  const keys = [...by.keys()].sort((a, b) => {
    const x = order(a);
    const y = order(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const head = ["scenario", ...columns.map((c) => c.title), "weft/nng Deno", "weft/nng Bun"];
  const rows = keys.map((k) => {
    const [scenario, transport, size] = k.split("|");
    const unit = scenario === "push_pull" ? "msg/s" : "p50 / p99";
    const s = Object.fromEntries(columns.map((c) => [c.id, summary(by.get(k).get(c.id))]));
    return [
      `${scenario} ${transport} ${size} B (${unit})`,
      ...columns.map((c) => cell(s[c.id])),
      ratio(s.deno, s.c),
      ratio(s.bun, s.c),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const sep = `|${
    widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")
  }|`;
  return [fmt(head), sep, ...rows.map(fmt)].join("\n");
}

// ---- main ---------------------------------------------------------------------------------------

function versions() {
  const v = runtimeVersions();
  const nng = tryRun("sh", ["-c", "pkg-config --modversion nng 2>/dev/null || nngcat --version"]);
  if (nng) v.push(`nng ${nng}`);
  return v.join(", ");
}

// ---- across processes ---------------------------------------------------------------------------

const loadavg = () => tryRun("sh", ["-c", "cut -d' ' -f1-3 /proc/loadavg"]) ?? "?";
const progs = columns.flatMap((c) => {
  c.spec ??= c.make();
  if (c.spec.skip) return [];
  const script = at("bench/sp/peer.ts");
  const args = c.id === "c" ? [] : c.id === "deno" ? ["run", "-A", script] : ["run", script];
  return [{ id: c.id, title: c.title, cmd: c.spec.cmd, args }];
});
const plan = standardPlan(progs, {
  counts: opts.quick
    ? { 16: 60_000, 1024: 30_000, 65536: 3_000, rr: 3_000 }
    : { 16: 500_000, 1024: 200_000, 65536: 10_000, rr: 20_000 },
  quick: opts.quick,
  transports: ["tcp", "ipc"],
  sizes: [16, 1024, 65536],
  mixedSizes: [16],
});
log(`across processes: ${progs.map((p) => p.title).join(", ")}; load average ${loadavg()}`);
const cross = await runPlan(plan, {
  runs: opts.quick ? 1 : opts.runs,
  timeoutS: opts.quick ? 15 : 60,
});
const crossTables = pairTables(cross, progs, "c");
if (opts.quick || opts.crossOnly) {
  printCrossAndExit(crossTables, opts.quick ? 1 : opts.runs, versions());
}

const { raw, notes } = await runRounds(columns, {
  runs: opts.runs,
  machine: versions(),
  show: (r) => `${label(r).padEnd(24)} ${headline(r)}`,
});
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify(Object.fromEntries(raw), null, 1));
}
console.log(`\nmedians of ${opts.runs} round(s); ${versions()}`);
for (const n of notes) console.log(`note: ${n}`);
console.log("\n## Across processes (sender and receiver in separate processes)\n");
console.log(crossTables);
console.log("\n## In one process (sender and receiver on one thread)\n");
console.log(table(raw));
