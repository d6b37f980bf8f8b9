// cluster_compare: weft/nano in one process, weft/nano as a cluster (two gate processes and one
// backend over NATS, started by the launcher) and pinus in its own cluster mode, in one
// invocation, as one table.
//
//   node bench/nano/cluster_compare.mjs [--quick] [--only deno,bun,deno-cluster,bun-cluster,pinus]
//                                       [--clients 1000] [--light 10] [--sessions 10000]
//                                       [--seconds 5] [--rounds 5] [--procs 4] [--timeout 300]
//   npm run bench:nano:cluster -- --quick
//
// Columns (each started once, all its scenarios run, then every process of it is ended):
//   weft Deno / weft Bun       bench/nano/server.ts, one process (routes connector.bench.*)
//   weft Deno / Bun, cluster   `weft nano cluster --gates 2 --backends 1 --gate-type connector
//                              --backend-type bench bench/nano/cluster_server.ts`: a nats-server
//                              the launcher starts, two gates on one port (SO_REUSEPORT), one
//                              backend; requests bench.bench.* are forwarded by the gate to the
//                              backend; the broadcast comes from a group on the backend (one NATS
//                              message per gate, each gate fans out)
//   pinus cluster              bench/nano/pinus_cluster (pinus 1.7.4, Node): its master spawns two
//                              connectors (ports 13010, 13011) and one `bench` server; requests
//                              bench.bench.* are forwarded over pinus RPC; the broadcast is the
//                              backend's channel (one RPC per connector)
// Scenarios (bench/nano/load.mjs on Node, sessions dialling the gates/connectors in turn):
//   pingpong   --clients sessions, each: request echo, await the answer, repeat; req/s over a
//              --seconds window after 1 s of warm-up, latency p50/p99, CPU of every server
//              process (from /proc) per request
//   light      the same with --light sessions: latency with no queueing (the hop's own cost)
//   local      (weft clusters) the same two on the gate's own route connector.bench.echo: the
//              cost a forwarded request adds over a local one, in the same processes
//   fanout     --sessions idle sessions join one group, --rounds broadcasts each push one message
//              to every session: deliveries/s = sessions ÷ time from trigger to last delivery
// --quick: 2 s windows, 3 broadcast rounds. The load average is sampled before each scenario.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { log, root } from "../_compare.mjs";

const at = (...p) => join(root, ...p);
const DENO = at("node_modules/deno/deno");
const BUN = at("node_modules/bun/bin/bun.exe");
const PINUS_DIR = at("bench/nano/pinus_cluster");
const PINUS_PORTS = [13005, 13010, 13011, 13150, 13151, 13160]; // config/master.json, servers.json

function parseArgs(argv) {
  const o = {
    quick: false,
    only: null,
    clients: 1000,
    light: 10,
    sessions: 10_000,
    seconds: 5,
    rounds: 5,
    procs: 4,
    timeout: 300,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      const text = spawnSync("sed", ["-n", "1,/^import/p", fileURLToPath(import.meta.url)]).stdout;
      process.stderr.write(String(text).split("\nimport")[0] + "\n");
      process.exit(0);
    }
    if (a === "--quick") {
      o.quick = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    const k = a.replace(/^--/, "");
    if (k === "only") o.only = new Set(v.split(","));
    else if (k in o && typeof o[k] === "number") o[k] = Number(v);
    else throw new Error(`unknown flag ${a} (see --help)`);
  }
  if (o.quick) {
    o.seconds = Math.min(o.seconds, 2);
    o.rounds = Math.min(o.rounds, 3);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadSamples = [];
const sampleLoad = () => loadSamples.push(os.loadavg()[0]);

// ---- processes ----------------------------------------------------------------------------------

/** Every process this run started or found (by pid), to check at the end that none is left. */
const everyPid = new Set();

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

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

const alive = (pid) => existsSync(`/proc/${pid}`) && !statOf(pid)?.startsWith("Z");
function statOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}
const childrenOf = (ppid) =>
  readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) =>
    Number(statOf(pid)?.split(" ")[1]) === ppid
  );

/** SIGTERM to each pid, SIGKILL after `graceMs` to those still running. */
async function endPids(pids, graceMs = 5000) {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(alive)) process.kill(pid, "SIGKILL");
  while (pids.some(alive)) await sleep(50);
}

/**
 * Spawns `cmd` with the open-file limit raised to the hard limit (10,000 sessions need it);
 * resolves once `ready(lines)` is true for the lines written so far.
 */
function start(title, cmd, args, ready, cwd = root, timeoutMs = 60_000) {
  const child = spawn("sh", [
    "-c",
    'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
    "sh",
    cmd,
    ...args,
  ], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  everyPid.add(child.pid);
  const lines = [];
  let err = "";
  const onData = (d) => lines.push(...String(d).split("\n").filter(Boolean));
  child.stdout.on("data", onData);
  child.stderr.on("data", (d) => {
    err += d;
    onData(d);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`${title}: not ready after ${timeoutMs / 1000} s: ${err.trim().slice(-400)}`),
      );
    }, timeoutMs);
    const check = setInterval(() => {
      if (ready(lines)) {
        clearTimeout(timer);
        clearInterval(check);
        resolve({ child, lines });
      }
    }, 50);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(
        new Error(`${title}: exited with ${code} before it was ready: ${err.trim().slice(-400)}`),
      );
    });
  });
}

// ---- columns ------------------------------------------------------------------------------------

/** A single weft process: bench/nano/server.ts. */
function single(id, title, cmd, pre) {
  return {
    id,
    title,
    async up() {
      const port = await freePort();
      const { child } = await start(
        title,
        cmd,
        [...pre, at("bench/nano/server.ts"), String(port)],
        (lines) => lines.some((l) => l.includes('"ready":true')),
      );
      return {
        ports: [port],
        route: "connector.bench",
        procs: [{ name: "server", role: "server", pid: child.pid }],
        down: () => endPids([child.pid]),
      };
    },
  };
}

/** Two weft gates and one backend, by `weft nano cluster` (which starts nats-server too). */
function cluster(id, title, runtime) {
  return {
    id,
    title,
    local: true,
    async up() {
      const port = await freePort();
      const args = [
        "run",
        "-A",
        at("src/cli/main.ts"),
        "nano",
        "cluster",
        "--gates",
        "2",
        "--backends",
        "1",
        "--gate-type",
        "connector",
        "--backend-type",
        "bench",
        "--port",
        String(port),
        "--runtime",
        runtime,
        at("bench/nano/cluster_server.ts"),
      ];
      const { child, lines } = await start(
        title,
        DENO,
        args,
        (ls) => ls.filter((l) => l.includes('"ready":true')).length >= 3,
      );
      const procs = [];
      for (const l of lines) {
        const m = /^\[weft\] (\S+) pid (\d+)/.exec(l);
        if (!m) continue;
        const role = m[1].startsWith("gate")
          ? "gate"
          : m[1].startsWith("backend")
          ? "backend"
          : "nats";
        procs.push({ name: m[1], role, pid: Number(m[2]) });
        everyPid.add(Number(m[2]));
      }
      if (procs.length !== 4) {
        throw new Error(`${title}: expected 4 processes, saw ${procs.length}`);
      }
      return {
        ports: [port],
        route: "bench.bench",
        procs,
        async down() {
          await endPids([child.pid], 15_000); // the launcher stops the nodes, then nats-server
          await endPids(procs.map((p) => p.pid)); // any it left
        },
      };
    },
  };
}

/** pinus: master + 2 connectors + 1 bench server, from bench/nano/pinus_cluster/config. */
const pinusCluster = {
  id: "pinus",
  title: "pinus cluster",
  async up() {
    for (const port of PINUS_PORTS) {
      if (!(await portFree(port))) {
        throw new Error(`pinus cluster: port ${port} (bench/nano/pinus_cluster/config) is taken`);
      }
    }
    const { child } = await start(
      this.title,
      process.execPath,
      [join(PINUS_DIR, "app.js"), "env=production"],
      (lines) => lines.some((l) => l.includes('"ready":true')),
      PINUS_DIR,
    );
    const procs = [{ name: "master", role: "master", pid: child.pid }];
    for (const pid of childrenOf(child.pid)) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const id = /id=(\S+?)\0/.exec(cmdline)?.[1] ?? String(pid);
      procs.push({ name: id, role: id.startsWith("connector") ? "gate" : "backend", pid });
      everyPid.add(pid);
    }
    if (procs.length !== 4) {
      throw new Error(`pinus cluster: expected 4 processes, saw ${procs.length}`);
    }
    return {
      ports: [13010, 13011],
      route: "bench.bench",
      procs,
      // The master's servers are detached (own process groups): each is ended by its pid.
      down: () => endPids([...procs.slice(1).map((p) => p.pid), child.pid]),
    };
  },
};

const columns = [
  single("deno", "weft Deno", DENO, ["run", "-A", "--v8-flags=--expose-gc"]),
  single("bun", "weft Bun", BUN, []),
  cluster("deno-cluster", "weft Deno 2 gates", "deno"),
  cluster("bun-cluster", "weft Bun 2 gates", "bun"),
  pinusCluster,
].filter((c) => !opts.only || opts.only.has(c.id));

// ---- the load -----------------------------------------------------------------------------------

/** Runs bench/nano/load.mjs; resolves with its JSON line, or null after a failure. */
function runLoad(args, quiet = false) {
  return new Promise((resolve) => {
    const child = spawn(
      "sh",
      [
        "-c",
        'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
        "sh",
        process.execPath,
        at("bench/nano/load.mjs"),
        ...args,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      log(`  load.mjs ${args[0]}: no result after ${opts.timeout} s: killed`);
      child.kill("SIGKILL");
    }, opts.timeout * 1e3);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (code !== 0 || !line) {
        if (!quiet) {
          log(
            `  load.mjs ${args[0]} failed (exit ${code}): ${
              err.trim().split("\n").slice(-3).join(" | ")
            }`,
          );
        }
        resolve(null);
      } else resolve(JSON.parse(line));
    });
  });
}

const target = (up, route) => [
  "--ports",
  up.ports.join(","),
  "--route",
  route,
  "--pids",
  up.procs.map((p) => p.pid).join(","),
];

/** Waits until a forwarded request is answered (the gates have seen the backend). */
async function probe(up) {
  for (let i = 0; i < 40; i++) {
    const args = [
      "pingpong",
      ...target(up, up.route),
      "--clients",
      "2",
      "--seconds",
      "0.2",
      "--warmup",
      "0",
    ];
    if (await runLoad(args, true)) return;
    await sleep(500);
  }
  throw new Error("no answer on the forwarded route after 40 tries");
}

const pingpong = (up, route, clients) => {
  sampleLoad();
  return runLoad([
    "pingpong",
    ...target(up, route),
    "--clients",
    String(clients),
    "--seconds",
    String(opts.seconds),
  ]);
};

async function measure(col) {
  const r = {};
  let up;
  try {
    up = await col.up();
  } catch (e) {
    log(`  ${e.message}`);
    return r;
  }
  try {
    await probe(up);
    const say = (what, x, text) =>
      log(`  ${col.title.padEnd(18)} ${what.padEnd(14)} ${x ? text(x) : "failed"}`);
    const pp = (x) =>
      `${Math.round(x.rate)} req/s, p50 ${x.p50Ms.toFixed(2)} ms, p99 ${x.p99Ms.toFixed(2)} ms, ` +
      `servers ${x.serverCpu.toFixed(2)} cores [${
        x.serverCpuEach.map((c) => c.toFixed(2)).join(" ")
      }]`;
    r.pingpong = await pingpong(up, up.route, opts.clients);
    say("pingpong", r.pingpong, pp);
    r.light = await pingpong(up, up.route, opts.light);
    say("light", r.light, pp);
    if (col.local) {
      r.localPingpong = await pingpong(up, "connector.bench", opts.clients);
      say("local pingpong", r.localPingpong, pp);
      r.localLight = await pingpong(up, "connector.bench", opts.light);
      say("local light", r.localLight, pp);
    }
    sampleLoad();
    r.fanout = await runLoad([
      "fanout",
      ...target(up, up.route),
      "--sessions",
      String(opts.sessions),
      "--procs",
      String(opts.procs),
      "--rounds",
      String(opts.rounds),
    ]);
    say(
      "fanout",
      r.fanout,
      (x) =>
        `${Math.round(x.deliveriesPerSecond)} deliveries/s, last after ${
          x.broadcastMs.toFixed(1)
        } ms ` +
        `(${x.delivered} delivered, rounds ${x.rounds.join(" ")} ms)`,
    );
  } catch (e) {
    log(`  ${col.title}: ${e.message}`);
  } finally {
    r.procs = up.procs;
    await up.down();
  }
  return r;
}

// ---- run ----------------------------------------------------------------------------------------

const hard = Number(spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim());
if (Number.isFinite(hard) && hard < opts.sessions + 200) {
  log(`note: the open-file hard limit is ${hard}, below ${opts.sessions} sessions + slack`);
}
const started = Date.now();
const results = new Map();
for (const col of columns) {
  const t0 = Date.now();
  log(`${col.title}:`);
  results.set(col.id, await measure(col));
  log(`  (${((Date.now() - t0) / 1e3).toFixed(0)} s)`);
}
sampleLoad();

// ---- the table ----------------------------------------------------------------------------------

const fmtInt = (v) => Math.round(v).toLocaleString("en");
const ms = (v) => v.toFixed(2);
/** CPU µs per request of the processes with `role` (all when undefined). */
function cpuPerRequest(r, procs, role) {
  if (!r) return NaN;
  const cores = r.serverCpuEach.reduce(
    (s, c, i) => s + (!role || procs[i].role === role ? c : 0),
    0,
  );
  return (cores / r.rate) * 1e6;
}
const byRole = (r, procs) => {
  const roles = [...new Set(procs.map((p) => p.role))];
  return roles.map((role) => `${role} ${cpuPerRequest(r, procs, role).toFixed(0)}`).join(", ");
};
const pair = (r) => (r ? `${ms(r.p50Ms)} / ${ms(r.p99Ms)}` : "—");
const rows = [
  [
    `ping-pong, ${opts.clients.toLocaleString("en")} clients (req/s)`,
    (x) => x.pingpong && fmtInt(x.pingpong.rate),
  ],
  ["  latency p50 / p99 (ms)", (x) => pair(x.pingpong)],
  [
    "  server CPU per request, all processes (µs)",
    (x) => x.pingpong && cpuPerRequest(x.pingpong, x.procs).toFixed(0),
  ],
  ["  … by role (µs)", (x) => x.pingpong && byRole(x.pingpong, x.procs)],
  ["  server cores used", (x) => x.pingpong && x.pingpong.serverCpu.toFixed(2)],
  ["  req/s per server core", (x) => x.pingpong && fmtInt(x.pingpong.rate / x.pingpong.serverCpu)],
  ["  load generator cores", (x) => x.pingpong && x.pingpong.loadCpu.toFixed(2)],
  [`ping-pong, ${opts.light} clients: latency p50 / p99 (ms)`, (x) => pair(x.light)],
  [
    `broadcast to ${opts.sessions.toLocaleString("en")} sessions (deliveries/s)`,
    (x) => x.fanout && fmtInt(x.fanout.deliveriesPerSecond),
  ],
  ["  time to last delivery (ms)", (x) => x.fanout && x.fanout.broadcastMs.toFixed(1)],
  ["  sessions reached (min of rounds)", (x) => x.fanout && fmtInt(x.fanout.delivered)],
  ["(d) gate-local route, same processes:", () => ""],
  [
    `  ping-pong, ${opts.clients.toLocaleString("en")} clients (req/s)`,
    (x) => x.localPingpong && fmtInt(x.localPingpong.rate),
  ],
  ["  latency p50 / p99 (ms)", (x) => x.localPingpong && pair(x.localPingpong)],
  [
    "  server CPU per request, all processes (µs)",
    (x) => x.localPingpong && cpuPerRequest(x.localPingpong, x.procs).toFixed(0),
  ],
  [
    `  ping-pong, ${opts.light} clients: latency p50 / p99 (ms)`,
    (x) => x.localLight && pair(x.localLight),
  ],
  ["  forwarding adds: CPU per request (µs)", (x) =>
    x.localPingpong && x.pingpong &&
    (cpuPerRequest(x.pingpong, x.procs) - cpuPerRequest(x.localPingpong, x.procs)).toFixed(0)],
  [`  forwarding adds: p50 / p99 at ${opts.light} clients (ms)`, (x) =>
    x.localLight && x.light &&
    `${ms(x.light.p50Ms - x.localLight.p50Ms)} / ${ms(x.light.p99Ms - x.localLight.p99Ms)}`],
];
const head = ["figure", ...columns.map((c) => c.title)];
const body = rows.map(([title, get]) => [
  title,
  ...columns.map((c) => {
    const v = get(results.get(c.id));
    return v === undefined || v === null || v === false ? "—" : String(v);
  }),
]);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
const line = (cells) =>
  "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") +
  " |";
const sep = "| " +
  widths.map((w, i) => (i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ") + " |";
const loads = loadSamples.map((l) => l.toFixed(1));
console.log(
  `\nnano cluster scenarios, one run; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ` +
    `${process.platform}; load: bench/nano/load.mjs on Node (1 process for ping-pong, ${opts.procs} ` +
    `for the broadcast); ${opts.seconds} s windows; load average (1 min) ${
      Math.min(...loadSamples).toFixed(1)
    }–` +
    `${Math.max(...loadSamples).toFixed(1)} (samples ${loads.join(" ")}); ${
      ((Date.now() - started) / 1e3).toFixed(0)
    } s\n`,
);
console.log([line(head), sep, ...body.map(line)].join("\n"));

// Every process started here must be gone.
const left = [...everyPid].filter(alive);
if (left.length > 0) {
  log(`processes still running: ${left.join(" ")}: killing`);
  for (const pid of left) process.kill(pid, "SIGKILL");
  process.exitCode = 1;
} else log(`all ${everyPid.size} processes started for the run have ended`);
