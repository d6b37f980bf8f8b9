// compare: weft's ZeroMQ scenarios against its anchors, in one invocation: first across
// processes (the headline), then in one process.
//
//   node bench/zmq/compare.mjs [--runs 3] [--seconds 1.5] [--scenario S]... [--transport T]...
//                              [--size N]... [--mode plain|batch]... [--only a,b] [--json FILE]
//                              [--timeout S] [--quick] [--cross-process-only] [--no-floor]
//   npm run bench:zmq -- --quick          # cross-process only, one round, 1 M messages at 16 B: about a minute
//   npm run bench:zmq -- --quick --scenario req_rep --runs 7   # the round trips alone, 7 rounds
//
// Across processes (bench/_xproc.mjs): each receiver (PULL, REP) in its own process, each sender
// (PUSH, REQ) in another: `zmq_bench --role`, `bench/node/zeromqjs_peer.mjs`, `bench/zmq/peer.ts`
// on Deno and on Bun. PUSH → PULL over tcp and ipc at 16 B / 1 KiB / 64 KiB for every program
// against itself, REQ → REP 16 B over tcp (p50 / p99 / p99.9), and mixed pairs (weft Deno ↔
// libzmq, weft Bun ↔ weft Deno) so the slow side shows. Each receiver also reports its CPU time
// per message, which a loaded machine disturbs far less than msg/s. Beside weft run the
// zero-framework floors (bench/zmq/floor_peer.ts, tcp only; --no-floor leaves them out): the
// least a program on the same runtime must spend to offer `for await` / `await send()`.
//
// In one process:
// Runs, round-robin for each of --runs rounds (so drift on a busy machine hits every column):
//   libzmq C   bench/.out/zmq_bench (built by bench/c/build.sh; skipped with a note without
//              gcc or libzmq3-dev): PUSH in its own thread, the C library's own I/O thread.
//   zeromq.js  bench/node/zeromqjs_bench.mjs --mode plain on Node: both sockets on the main
//              thread, `await send` / `for await` (zeromq.js has no batch API).
//   weft Deno  bench/zmq/scenarios.ts under ./node_modules/deno/deno run -A
//   weft Bun   bench/zmq/scenarios.ts under ./node_modules/bun/bin/bun.exe run
// weft's sender and receiver share one process and one thread, like zeromq.js's plain mode.
// Every cell is the median of the rounds. Ratios are weft ÷ zeromq.js (plain), so > 1 means
// weft is ahead; for latency the ratio is zeromq.js ÷ weft (also > 1 when weft is ahead).
// --only picks columns (c, zeromqjs, deno, bun); --json writes every raw line to FILE;
// --timeout S (default 300) kills a column's run that has not finished after S seconds.
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
  const o = {
    runs: 3,
    seconds: "1.5",
    pass: [],
    modes: [],
    only: null,
    json: null,
    timeout: 300,
    quick: false,
    crossOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") {
      o.quick = true;
      continue;
    }
    if (a === "--no-floor") {
      o.noFloor = true;
      continue;
    }
    if (a === "--cross-process-only") {
      o.crossOnly = true;
      continue;
    }
    if (a === "-h" || a === "--help") {
      process.stderr.write(
        readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport")[0],
      );
      process.exit(0);
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    if (a === "--runs") (o.runs = Math.max(1, Number(v))), (o.runsGiven = true);
    else if (a === "--seconds") o.seconds = v;
    else if (a === "--mode") o.modes.push(v);
    else if (a === "--only") o.only = new Set(v.split(","));
    else if (a === "--json") o.json = v;
    else if (a === "--timeout") o.timeout = Number(v);
    else if (["--scenario", "--transport", "--size", "--count", "--subs"].includes(a)) {
      o.pass.push(a, v);
    } else throw new Error(`unknown flag ${a} (see --help)`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const common = ["--seconds", opts.seconds, ...opts.pass];

// ---- the columns --------------------------------------------------------------------------------

function cColumn() {
  const bin = at("bench/.out/zmq_bench");
  const src = at("bench/c/zmq_bench.c");
  const stale = !existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs;
  if (stale) {
    if (!tryRun("sh", ["-c", "command -v ${CC:-cc}"])) {
      return { skip: "no C compiler (apt-get install gcc)" };
    }
    log("building the C anchor: bench/c/build.sh");
    // build.sh also builds nng_bench and exits non-zero if libnng-dev is missing: judge by the file.
    const r = spawnSync("bash", [at("bench/c/build.sh")], { cwd: root, encoding: "utf8" });
    if (!existsSync(bin)) {
      return {
        skip:
          `bench/c/build.sh could not build zmq_bench (apt-get install libzmq3-dev): ${r.stderr.trim()}`,
      };
    }
  }
  return { cmd: bin, args: [...common], version: "libzmq C" };
}

function zeromqjsColumn() {
  if (!existsSync(at("node_modules/zeromq/package.json"))) {
    return { skip: "node_modules/zeromq missing (npm install)" };
  }
  return {
    cmd: process.execPath,
    args: [at("bench/node/zeromqjs_bench.mjs"), "--mode", "plain", ...common],
  };
}

function weftColumn(runtime) {
  const bin = runtime === "deno"
    ? at("node_modules/deno/deno")
    : at("node_modules/bun/bin/bun.exe");
  if (!existsSync(bin)) return { skip: `${bin} missing (npm install)` };
  const modes = opts.modes.flatMap((m) => ["--mode", m]);
  const script = at("bench/zmq/scenarios.ts");
  return {
    cmd: bin,
    args: runtime === "deno"
      ? ["run", "-A", script, ...common, ...modes]
      : ["run", script, ...common, ...modes],
  };
}

const columns = [
  { id: "c", title: "libzmq C", make: cColumn },
  { id: "zeromqjs", title: "zeromq.js", make: zeromqjsColumn },
  { id: "deno", title: "weft Deno", make: () => weftColumn("deno") },
  { id: "bun", title: "weft Bun", make: () => weftColumn("bun") },
].filter((c) => !opts.only || opts.only.has(c.id));

// ---- running ------------------------------------------------------------------------------------

function label(r) {
  return `${r.scenario} ${r.mode} ${r.transport} ${r.size} B`;
}

function headline(r) {
  if (r.scenario === "req_rep") return `p50 ${r.p50_us} µs, p99 ${r.p99_us} µs`;
  if (r.scenario === "fanout") return `${si(r.deliveries_per_s)} deliveries/s`;
  return `${si(r.msg_per_s)} msg/s, ${r.mb_per_s} MB/s`;
}

// ---- the table ----------------------------------------------------------------------------------

/** scenario|transport|size → mode → [records] */
function index(records) {
  const by = new Map();
  for (const r of records) {
    const k = `${r.scenario}|${r.transport}|${r.size}`;
    if (!by.has(k)) by.set(k, new Map());
    const m = by.get(k);
    if (!m.has(r.mode)) m.set(r.mode, []);
    m.get(r.mode).push(r);
  }
  return by;
}

function pick(byCol, col, key, mode) {
  const m = byCol.get(col)?.get(key);
  if (!m) return undefined;
  // libzmq reports "native", zeromq.js "plain": one figure per scenario for both anchors.
  return m.get(mode) ?? m.get("native") ?? m.get("plain");
}

function summary(recs) {
  if (!recs || recs.length === 0) return undefined;
  const r0 = recs[0];
  if (r0.scenario === "req_rep") {
    return { p50: median(recs.map((r) => r.p50_us)), p99: median(recs.map((r) => r.p99_us)) };
  }
  if (r0.scenario === "fanout") return { rate: median(recs.map((r) => r.deliveries_per_s)) };
  return { rate: median(recs.map((r) => r.msg_per_s)), size: r0.size };
}

function cell(s) {
  if (!s) return "–";
  if (s.p50 !== undefined) return `${s.p50.toFixed(0)} / ${s.p99.toFixed(0)} µs`;
  if (s.size !== undefined && s.size >= 1024) {
    const mbs = (s.rate * s.size) / 1e6;
    return `${si(s.rate)} (${
      mbs >= 1000 ? (mbs / 1e3).toFixed(2) + " GB/s" : mbs.toFixed(0) + " MB/s"
    })`;
  }
  return si(s.rate);
}

function ratio(weft, zjs) {
  if (!weft || !zjs) return "–";
  const x = weft.p50 !== undefined ? zjs.p50 / weft.p50 : weft.rate / zjs.rate;
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : "–";
}

function table(byCol) {
  const weftModes = ["plain", "batch"];
  const keys = new Set();
  for (const m of byCol.values()) for (const k of m.keys()) keys.add(k);
  const order = (k) => {
    const [s, t, z] = k.split("|");
    return [["push_pull", "req_rep", "fanout"].indexOf(s), ["tcp", "ipc", "inproc"].indexOf(t), +z];
  };
  const sorted = [...keys].sort((a, b) => {
    const x = order(a);
    const y = order(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const head = [
    "scenario",
    ...columns.map((c) => c.title),
    "weft/zeromq.js Deno",
    "weft/zeromq.js Bun",
  ];
  const rows = [];
  for (const mode of weftModes) {
    for (const k of sorted) {
      const [scenario, transport, size] = k.split("|");
      if (scenario === "req_rep" && mode !== "plain") continue;
      const hasWeft = ["deno", "bun"].some((c) => byCol.get(c)?.get(k)?.get(mode));
      if (!hasWeft && (byCol.has("deno") || byCol.has("bun"))) continue;
      const unit = scenario === "push_pull"
        ? "msg/s"
        : scenario === "fanout"
        ? "deliveries/s"
        : "p50 / p99";
      const name = `${scenario} ${transport} ${size} B, ${mode} (${unit})`;
      const s = Object.fromEntries(columns.map((c) => [c.id, summary(pick(byCol, c.id, k, mode))]));
      rows.push([
        name,
        ...columns.map((c) => cell(s[c.id])),
        ratio(s.deno, s.zeromqjs),
        ratio(s.bun, s.zeromqjs),
      ]);
    }
  }
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
  try {
    v.push(
      `zeromq.js ${
        JSON.parse(readFileSync(at("node_modules/zeromq/package.json"), "utf8")).version
      }`,
    );
  } catch { /* not installed */ }
  const lib = tryRun("sh", ["-c", "pkg-config --modversion libzmq 2>/dev/null"]);
  if (lib) v.push(`libzmq (system) ${lib}`);
  return v.join(", ");
}

// ---- across processes ---------------------------------------------------------------------------

/** The programs that play one end each: the columns' binaries with their peer scripts. */
function peerPrograms() {
  const progs = [];
  for (const c of columns) {
    c.spec ??= c.make();
    if (c.spec.skip) continue;
    const args = c.id === "c"
      ? []
      : c.id === "zeromqjs"
      ? [at("bench/node/zeromqjs_peer.mjs")]
      : c.id === "deno"
      ? ["run", "-A", at("bench/zmq/peer.ts")]
      : ["run", at("bench/zmq/peer.ts")];
    progs.push({ id: c.id, title: c.title, cmd: c.spec.cmd, args });
    // The zero-framework floor on the same runtime (tcp, ≤ 1 KiB: its sender copies every
    // message into one buffer, so large bodies measure that copy, not the runtime).
    if ((c.id === "deno" || c.id === "bun") && !opts.noFloor) {
      const floor = args.map((a) =>
        a === at("bench/zmq/peer.ts") ? at("bench/zmq/floor_peer.ts") : a
      );
      const title = `floor ${c.id === "deno" ? "Deno" : "Bun"}`;
      progs.push({
        id: `floor-${c.id}`,
        title,
        cmd: c.spec.cmd,
        args: floor,
        transports: ["tcp"],
        maxSize: 1024,
      });
    }
  }
  return progs;
}

/** Which pairs run (see standardPlan); --scenario / --transport / --size narrow them. */
function crossPlan(progs) {
  const pickedT = opts.pass.flatMap((v, i) => opts.pass[i - 1] === "--transport" ? [v] : []);
  const pickedZ = opts.pass.flatMap((v, i) => opts.pass[i - 1] === "--size" ? [+v] : []);
  const pickedS = opts.pass.flatMap((v, i) => opts.pass[i - 1] === "--scenario" ? [v] : []);
  const plan = standardPlan(progs, {
    counts: opts.quick
      // 16 B: 1 M, not fewer: the JIT's warm-up fills the first few 100 k messages (at 300 k,
      // weft Deno → Deno read 0.38× of libzmq C where 2 M read 0.93×, same box, same hour).
      ? { 16: 1_000_000, 1024: 100_000, 65536: 5_000, rr: 5_000 }
      : { 16: 2_000_000, 1024: 500_000, 65536: 20_000, rr: 20_000 },
    quick: opts.quick,
    transports: pickedT.length ? pickedT.filter((t) => t !== "inproc") : ["tcp", "ipc"],
    sizes: pickedZ.length ? pickedZ : [16, 1024, 65536],
    mixedSizes: opts.quick ? [16] : [16, 1024],
  });
  // --scenario req_rep: the round trips alone (latency work repeats them many times).
  return pickedS.length ? plan.filter((p) => pickedS.includes(p.scenario)) : plan;
}

const progs = peerPrograms();
log(`across processes: ${progs.map((p) => p.title).join(", ")}; load average ${loadavg()}`);
const cross = await runPlan(crossPlan(progs), {
  runs: opts.quick && !opts.runsGiven ? 1 : opts.runs,
  timeoutS: opts.quick ? 15 : 60,
});
const crossTables = pairTables(cross, progs, "c");
if (opts.quick || opts.crossOnly) {
  if (opts.json) {
    mkdirSync(dirname(opts.json), { recursive: true });
    writeFileSync(opts.json, JSON.stringify({ cross }, null, 1));
  }
  printCrossAndExit(crossTables, opts.quick && !opts.runsGiven ? 1 : opts.runs, versions());
}

function loadavg() {
  return tryRun("sh", ["-c", "cut -d' ' -f1-3 /proc/loadavg"]) ?? "?";
}

const { raw, notes } = await runRounds(columns, {
  runs: opts.runs,
  timeoutS: opts.timeout,
  machine: versions(),
  show: (r) => `${label(r).padEnd(34)} ${headline(r)}`,
});
const byCol = new Map(
  [...raw].filter(([, rs]) => rs.length > 0).map(([id, rs]) => [id, index(rs)]),
);
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify({ ...Object.fromEntries(raw), cross }, null, 1));
}
console.log(`\nmedians of ${opts.runs} round(s); ${versions()}; load average after ${loadavg()}`);
for (const n of notes) console.log(`note: ${n}`);
console.log("\n## Across processes (sender and receiver in separate processes)\n");
console.log(crossTables);
console.log("\n## In one process (sender and receiver on one thread)\n");
console.log(table(byCol));
