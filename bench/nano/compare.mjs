// compare: weft/nano's scenarios beside pinus, in one invocation, as one table.
//
//   node bench/nano/compare.mjs [--runs 3] [--quick] [--only pinus,deno,bun] [--clients 1000]
//                               [--sessions 10000] [--seconds 5] [--rounds 5] [--load c|node]
//                               [--threads 1] [--procs 4] [--pin] [--floor] [--json FILE]
//                               [--timeout 300] [--before DIR]
//   npm run bench:nano -- --quick
//
// Columns (servers; each in its own process, started afresh for every scenario of every run):
//   pinus      bench/nano/pinus/server.js on Node (pinus 1.7.4, one frontend server, hybrid
//              connector), node --expose-gc
//   weft Deno  bench/nano/server.ts under deno run -A --v8-flags=--expose-gc
//   weft Bun   bench/nano/server.ts under bun
//   floor Node|Deno|Deno.Conn|Bun (with --floor, or by id floor-node|floor-deno|floor-deno-conn|
//              floor-bun in --only) bench/nano/floor_server.mjs: the same routes and bytes with no
//              framework at all, on the sockets weft uses there (Deno: node:net as weft/nano does;
//              Deno.Conn: Deno.listen) — the most any server could do there on this box.
//   before Deno|Bun (with --before DIR, or by id before-deno|before-bun in --only) DIR's
//              bench/nano/server.ts: another checkout of weft (e.g. `git worktree add DIR main`,
//              or `git archive main | tar -x -C DIR` with node_modules linked in), so a change's
//              before/after pair comes from one run, alternated with the other columns.
// The load is one generator, the same for every column, in a process of its own:
//   --load c     bench/c/nano_load.c (epoll, one thread, --threads N for more), built on demand
//                into bench/.out/nano_load with cc; the default when it builds.
//   --load node  bench/nano/load.mjs on Node (1 process for ping-pong, --procs for the broadcast);
//                the fallback when there is no C compiler. Same bytes, same JSON result; the C one
//                costs far less CPU, which matters on a 2-core box.
//   pingpong   --clients sessions (1,000), each: request bench.echo, await the answer, repeat;
//              requests/s over a --seconds window after 1 s of warm-up.
//   fanout     --sessions idle sessions (10,000): the server's heap (GC, then heapUsed) before and
//              after they connect gives bytes per idle session; then all join one group and
//              --rounds broadcasts each push one message to every session: deliveries/s =
//              sessions ÷ time from the trigger to the last delivery (the C generator also reports
//              the server's CPU milliseconds per broadcast, from /proc).
// --pin: the server runs under `taskset -c 0` and the load under `taskset -c 1` (util-linux), so
// each has a core of its own instead of competing for both.
// Runs go round-robin over the columns (so drift on a busy machine hits all of them); each cell
// is the median of --runs. --quick: 1 run, 2 s windows, 3 broadcast rounds. Ratios compare weft to
// pinus: "× pinus" above 1 means weft is ahead (for heap it is pinus ÷ weft); with the floors in
// the table, "× floor" gives each weft column's rates as a share of its runtime's floor.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { median, si } from "../_compare.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const at = (...p) => join(root, ...p);

function parseArgs(argv) {
  const o = {
    runs: 3,
    quick: false,
    only: null,
    clients: 1000,
    sessions: 10_000,
    seconds: 5,
    rounds: 5,
    procs: 4,
    threads: 1,
    load: null,
    pin: false,
    floor: false,
    json: null,
    timeout: 300,
    before: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      const text = spawnSync("sed", ["-n", "1,/^import/p", fileURLToPath(import.meta.url)]).stdout;
      process.stderr.write(String(text).split("\nimport")[0] + "\n");
      process.exit(0);
    }
    if (a === "--quick" || a === "--pin" || a === "--floor") {
      o[a.slice(2)] = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    const k = a.replace(/^--/, "");
    if (k === "only") o.only = new Set(v.split(","));
    else if (k === "json") o.json = v;
    else if (k === "before") o.before = v;
    else if (k === "load") {
      if (v !== "c" && v !== "node") throw new Error(`--load is c or node, not ${v}`);
      o.load = v;
    } else if (k in o && typeof o[k] === "number") o[k] = Number(v);
    else throw new Error(`unknown flag ${a} (see --help)`);
  }
  if (o.quick) {
    o.runs = 1;
    o.seconds = Math.min(o.seconds, 2);
    o.rounds = Math.min(o.rounds, 3);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(s + "\n");

// ---- columns ------------------------------------------------------------------------------------

const DENO_RUN = ["run", "-A", "--v8-flags=--expose-gc"];
const columns = [
  {
    id: "pinus",
    title: "pinus (Node)",
    cmd: process.execPath,
    args: (port) => ["--expose-gc", at("bench/nano/pinus/server.js"), String(port)],
    need: at("node_modules/pinus/package.json"),
  },
  {
    id: "deno",
    title: "weft Deno",
    cmd: at("node_modules/deno/deno"),
    args: (
      port,
    ) => ["run", "-A", "--v8-flags=--expose-gc", at("bench/nano/server.ts"), String(port)],
    need: at("node_modules/deno/deno"),
  },
  {
    id: "bun",
    title: "weft Bun",
    cmd: at("node_modules/bun/bin/bun.exe"),
    args: (port) => [at("bench/nano/server.ts"), String(port)],
    need: at("node_modules/bun/bin/bun.exe"),
  },
  // Before (--before DIR): the same server from another checkout, for before/after pairs.
  ...(opts.before
    ? [
      ["deno", "Deno", at("node_modules/deno/deno"), DENO_RUN],
      ["bun", "Bun", at("node_modules/bun/bin/bun.exe"), []],
    ].map(([rt, name, cmd, pre]) => ({
      id: `before-${rt}`,
      title: `before ${name}`,
      cmd,
      args: (port) => [...pre, join(opts.before, "bench/nano/server.ts"), String(port)],
      need: join(opts.before, "bench/nano/server.ts"),
      before: true,
    }))
    : []),
  // Floors (--floor): bench/nano/floor_server.mjs, the same routes with no framework at all, on
  // the sockets weft uses there: the most any framework there could reach on this machine.
  ...[
    ["node", "Node", process.execPath, ["--expose-gc"], []],
    ["deno", "Deno", at("node_modules/deno/deno"), DENO_RUN, []], // node:net, as weft/nano
    ["deno-conn", "Deno.Conn", at("node_modules/deno/deno"), DENO_RUN, ["deno"]], // Deno.listen
    ["bun", "Bun", at("node_modules/bun/bin/bun.exe"), [], []],
  ].map(([rt, name, cmd, pre, post]) => ({
    id: `floor-${rt}`,
    title: `floor ${name}`,
    cmd,
    args: (port) => [...pre, at("bench/nano/floor_server.mjs"), String(port), ...post],
    need: cmd,
    floor: true,
  })),
].filter((c) => (opts.only ? opts.only.has(c.id) : (!c.floor || opts.floor)));

for (const c of columns) {
  if (!existsSync(c.need)) throw new Error(`${c.need} is missing: run npm install`);
}

// 10,000 sessions need 10,000 descriptors in the server; children get the hard limit.
const hard = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim());
if (Number.isFinite(hard) && hard < opts.sessions + 200) {
  log(
    `note: the open-file hard limit is ${hard}, below ${opts.sessions} sessions + slack: raise it ` +
      `(e.g. ulimit -Hn 65536 as root, or LimitNOFILE) or pass --sessions ${hard - 200}`,
  );
}
const withFiles = (cmd, args) => ({
  cmd: "sh",
  args: ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "sh", cmd, ...args],
});

// ---- the load generator and the pinning ---------------------------------------------------------

const C_SOURCE = at("bench/c/nano_load.c");
const C_BINARY = at("bench/.out/nano_load");

/** Builds bench/.out/nano_load when it is missing or older than its source; null or why not. */
function buildC() {
  if (existsSync(C_BINARY) && statSync(C_BINARY).mtimeMs >= statSync(C_SOURCE).mtimeMs) return null;
  const cc = process.env.CC || "cc";
  mkdirSync(dirname(C_BINARY), { recursive: true });
  const flags = ["-O2", "-std=c11", "-pthread", "-Wall", "-Wextra", "-o", C_BINARY, C_SOURCE];
  const r = spawnSync(cc, flags, { cwd: root, encoding: "utf8" });
  if (r.error) return `no C compiler ('${cc}' not found: apt-get install gcc)`;
  if (r.status !== 0) return `${cc} failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`;
  log(`built ${C_BINARY}`);
  return null;
}

if (opts.load !== "node") {
  const why = buildC();
  if (why && opts.load === "c") throw new Error(`--load c: ${why}`);
  if (why) log(`note: the C load generator cannot be built (${why}): using --load node instead`);
  opts.load = why ? "node" : "c";
}

if (opts.pin) {
  if (spawnSync("taskset", ["--version"]).status !== 0) {
    throw new Error("--pin needs taskset (util-linux: apt-get install util-linux)");
  }
  if (os.cpus().length < 2) throw new Error("--pin needs 2 cores (server on 0, load on 1)");
}
/** The command under `taskset -c cpu` with --pin, as it is without. */
const pinned = (cpu, cmd, args) =>
  opts.pin ? withFiles("taskset", ["-c", String(cpu), cmd, ...args]) : withFiles(cmd, args);
const loadTitle = opts.load === "c"
  ? `load: C generator (bench/.out/nano_load, ${opts.threads} thread${opts.threads > 1 ? "s" : ""})`
  : `load: Node generator (bench/nano/load.mjs, 1 process for ping-pong, ${opts.procs} for the broadcast)`;
const pinTitle = opts.pin ? "pinned: server on CPU 0, load on CPU 1" : "not pinned";

// ---- running ------------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server column; resolves once it prints its ready line. */
async function startServer(col) {
  const port = await freePort();
  const spec = pinned(0, col.cmd, col.args(port));
  const child = spawn(spec.cmd, spec.args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${col.title}: not ready after 30 s`)), 30e3);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${col.title}: exited with ${code} before it was ready: ${err.trim()}`));
    });
  });
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.on("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Runs the load generator; resolves with its JSON line (or null after a failure or the timeout). */
function runLoad(args) {
  const spec = opts.load === "c"
    ? pinned(1, C_BINARY, args)
    : pinned(1, process.execPath, [at("bench/nano/load.mjs"), ...args]);
  const name = opts.load === "c" ? "nano_load" : "load.mjs";
  return new Promise((resolve) => {
    const child = spawn(spec.cmd, spec.args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      log(`  ${name} ${args[0]}: no result after ${opts.timeout} s: killed`);
      child.kill("SIGKILL");
    }, opts.timeout * 1e3);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (code !== 0 || !line) {
        log(
          `  ${name} ${args[0]} failed (exit ${code}): ${
            err.trim().split("\n").slice(-3).join(" | ")
          }`,
        );
        resolve(null);
      } else resolve(JSON.parse(line));
    });
  });
}

async function scenario(col, name) {
  let server;
  try {
    server = await startServer(col);
  } catch (e) {
    log(`  ${e.message}`);
    return null;
  }
  // The C generator takes --threads; load.mjs takes --procs (its fanout worker processes).
  const split = opts.load === "c" ? ["--threads", String(opts.threads)] : [];
  try {
    if (name === "pingpong") {
      return await runLoad([
        "pingpong",
        "--port",
        String(server.port),
        "--clients",
        String(opts.clients),
        "--seconds",
        String(opts.seconds),
        "--pid",
        String(server.pid),
        ...split,
      ]);
    }
    return await runLoad([
      "fanout",
      "--port",
      String(server.port),
      "--sessions",
      String(opts.sessions),
      ...(opts.load === "c" ? split : ["--procs", String(opts.procs)]),
      "--rounds",
      String(opts.rounds),
      "--pid",
      String(server.pid),
    ]);
  } finally {
    await server.stop();
  }
}

function headline(r) {
  if (!r) return "failed";
  if (r.scenario === "pingpong") {
    return `${si(r.rate)} req/s (server ${r.serverCpu.toFixed(2)} cores, load ${
      r.loadCpu.toFixed(2)
    } cores)`;
  }
  const cpu = Number.isFinite(r.serverCpuMs)
    ? ` (server ${r.serverCpuMs.toFixed(1)} ms CPU, load ${r.loadCpuMs.toFixed(1)} ms)`
    : "";
  return `${si(r.deliveriesPerSecond)} deliveries/s, last after ${
    r.broadcastMs.toFixed(1)
  } ms${cpu}, ` +
    `${Math.round(r.bytesPerSession)} B heap/idle session (${r.sessionsSeen} seen)`;
}

const results = new Map(columns.map((c) => [c.id, { pingpong: [], fanout: [] }]));
const started = Date.now();
for (let run = 1; run <= opts.runs; run++) {
  for (const col of columns) {
    for (const name of ["pingpong", "fanout"]) {
      const t0 = Date.now();
      const r = await scenario(col, name);
      if (r) results.get(col.id)[name].push(r);
      log(
        `[run ${run}/${opts.runs}] ${col.title.padEnd(12)} ${name.padEnd(8)} ${headline(r)} (${
          ((Date.now() - t0) / 1e3).toFixed(1)
        } s)`,
      );
    }
  }
}

// ---- the table ----------------------------------------------------------------------------------

const rows = [
  {
    title: `ping-pong, ${opts.clients.toLocaleString("en")} clients (req/s)`,
    get: (c) => median(results.get(c).pingpong.map((r) => r.rate)),
    fmt: (v) => Math.round(v).toLocaleString("en"),
    better: "higher",
  },
  {
    title: "  server CPU during ping-pong (cores)",
    get: (c) => median(results.get(c).pingpong.map((r) => r.serverCpu)),
    fmt: (v) => v.toFixed(2),
  },
  {
    title: "  load generator CPU (cores)",
    get: (c) => median(results.get(c).pingpong.map((r) => r.loadCpu)),
    fmt: (v) => v.toFixed(2),
  },
  {
    title: `broadcast to ${opts.sessions.toLocaleString("en")} sessions (deliveries/s)`,
    get: (c) => median(results.get(c).fanout.map((r) => r.deliveriesPerSecond)),
    fmt: (v) => Math.round(v).toLocaleString("en"),
    better: "higher",
  },
  {
    title: "  time to last delivery (ms)",
    get: (c) => median(results.get(c).fanout.map((r) => r.broadcastMs)),
    fmt: (v) => v.toFixed(1),
    better: "lower",
  },
  {
    title: "  server CPU per broadcast (ms)",
    get: (c) => median(results.get(c).fanout.map((r) => r.serverCpuMs)),
    fmt: (v) => v.toFixed(1),
    optional: true, // only the C generator measures it
  },
  {
    title: "heap per idle session (bytes)",
    get: (c) => median(results.get(c).fanout.map((r) => r.bytesPerSession)),
    fmt: (v) => Math.round(v).toLocaleString("en"),
    better: "lower",
  },
  {
    title: "  RSS per idle session (bytes)",
    get: (c) => median(results.get(c).fanout.map((r) => r.rssPerSession)),
    fmt: (v) => Math.round(v).toLocaleString("en"),
  },
].filter((row) => !row.optional || columns.some((c) => Number.isFinite(row.get(c.id))));

const ids = columns.map((c) => c.id);
/** The floor column a weft column is held against (same runtime), when it is in the table. */
const floorOf = (c) => {
  const rt = c.id.replace(/^before-/, "");
  return !c.floor && (rt === "deno" || rt === "bun") && ids.includes(`floor-${rt}`)
    ? `floor-${rt}`
    : null;
};
const head = ["figure"];
for (const c of columns) {
  head.push(c.title);
  if (c.id !== "pinus" && ids.includes("pinus")) head.push("× pinus");
  if (floorOf(c)) head.push("× floor");
}
/** `v` against `base` as "1.23×" (above 1: better), or "" when either is missing. */
const ratio = (row, v, base) =>
  !row.better || !Number.isFinite(v) || !Number.isFinite(base) || v === 0
    ? ""
    : `${(row.better === "higher" ? v / base : base / v).toFixed(2)}×`;
const body = rows.map((row) => {
  const cells = [row.title];
  const base = ids.includes("pinus") ? row.get("pinus") : NaN;
  for (const c of columns) {
    const v = row.get(c.id);
    cells.push(Number.isFinite(v) ? row.fmt(v) : "—");
    if (c.id !== "pinus" && ids.includes("pinus")) cells.push(ratio(row, v, base));
    // Heap has no bar against the floor (the floor keeps no session state): rates only.
    const floor = floorOf(c);
    if (floor) cells.push(row.better === "higher" ? ratio(row, v, row.get(floor)) : "");
  }
  return cells;
});
const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
const line = (cells) =>
  "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") +
  " |";
const sep = "| " + widths.map((w, i) => (i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(
  " | ",
) + " |";
console.log(
  `\nnano scenarios, median of ${opts.runs} run(s); ${os.cpus().length} cores (${
    os.cpus()[0]?.model.trim()
  }), ${process.platform}; ${loadTitle}; ${pinTitle}; ${
    ((Date.now() - started) / 1e3).toFixed(0)
  } s\n`,
);
console.log([line(head), sep, ...body.map(line)].join("\n"));
if (opts.json) {
  writeFileSync(opts.json, JSON.stringify(Object.fromEntries(results), null, 2));
  log(`raw results: ${opts.json}`);
}
