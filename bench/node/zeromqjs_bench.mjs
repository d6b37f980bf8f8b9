// zeromqjs_bench: zeromq.js (npm `zeromq`, native libzmq addon) anchor figures on Node, the same
// scenarios and JSON keys as bench/c/zmq_bench.c. Run: `node bench/node/zeromqjs_bench.mjs --all`
// (flags: --scenario push_pull|req_rep|fanout, --transport tcp|ipc|inproc, --size N, --count N,
// --seconds S, --subs N, --mode plain|worker).
//
// zeromq.js allows one pending send() and one pending receive() per socket, so there is no batched
// send or receive: every message costs an await. Modes for push_pull:
//   plain   both sockets on the main thread: `await push.send(buf)` loop, `for await` on PULL.
//   worker  the PUSH side in a worker_thread (like the C program's sender thread); tcp/ipc only.
import process from "node:process";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { readFileSync, unlinkSync } from "node:fs";
import * as zmq from "zeromq";

const IMPL = "zeromq.js";
const now = () => Number(process.hrtime.bigint()) / 1e9;
const tick = () => new Promise((r) => setImmediate(r));

function parseArgs(argv) {
  const p = {
    scenarios: [],
    transports: [],
    sizes: [],
    modes: [],
    count: 0,
    seconds: 1.5,
    subs: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--all") continue;
    if (a === "-h" || a === "--help") {
      console.error("see the header of bench/node/zeromqjs_bench.mjs");
      process.exit(0);
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    if (a === "--scenario") p.scenarios.push(v);
    else if (a === "--transport") p.transports.push(v);
    else if (a === "--size") p.sizes.push(Number(v));
    else if (a === "--mode") p.modes.push(v);
    else if (a === "--count") p.count = Number(v);
    else if (a === "--seconds") p.seconds = Number(v);
    else if (a === "--subs") p.subs = Number(v);
    else throw new Error(`unknown flag ${a}`);
  }
  return p;
}

let serial = 0;
function endpointFor(transport) {
  const tag = `${process.pid}-${Date.now() % 1e9}-${serial++}`;
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ipc") return `ipc:///tmp/weft-zmqjs-${tag}.sock`;
  if (transport === "inproc") return `inproc://weft-zmqjs-${tag}`;
  throw new Error(`unknown transport ${transport}`);
}

function cleanup(endpoint) {
  if (endpoint.startsWith("ipc://")) {
    try {
      unlinkSync(endpoint.slice("ipc://".length));
    } catch { /* already gone */ }
  }
}

function line(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

// ---- push_pull ----------------------------------------------------------------------------------

// The PUSH side closes only after PULL has everything: closing it while messages were still
// queued (ipc, same process) left zeromq.js 6.8.0's PULL iterator stalled with messages unread.
async function pushLoop(endpoint, size, count, received) {
  const push = new zmq.Push();
  push.connect(endpoint);
  const buf = Buffer.alloc(size, 0x78);
  for (let i = 0; i < count; i++) await push.send(buf);
  await received;
  push.close();
}

if (!isMainThread) {
  const { endpoint, size, count } = workerData;
  const received = new Promise((resolve) => parentPort.once("message", resolve));
  await pushLoop(endpoint, size, count, received);
  parentPort.close();
}

function pushInWorker(endpoint, size, count) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { endpoint, size, count } });
  const exited = new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once(
      "exit",
      (code) => code === 0 ? resolve() : reject(new Error(`worker exit ${code}`)),
    );
  });
  return { done: () => worker.postMessage("received"), exited };
}

async function pushPullOnce(mode, transport, size, count) {
  const pull = new zmq.Pull();
  await pull.bind(endpointFor(transport));
  const endpoint = pull.lastEndpoint;
  let done = () => {};
  let sending;
  if (mode === "worker") {
    const w = pushInWorker(endpoint, size, count);
    done = w.done;
    sending = w.exited;
  } else {
    sending = pushLoop(endpoint, size, count, new Promise((resolve) => done = resolve));
  }
  let t0 = 0;
  let n = 0;
  let last = 0;
  let seen = -1;
  const watchdog = setInterval(() => { // a stall must not hang the run
    if (n === seen) {
      console.error(`push_pull ${mode} ${transport} ${size} B: stalled at ${n}/${count}`);
      process.exit(2);
    }
    seen = n;
  }, 10_000);
  for await (const [msg] of pull) {
    if (n === 0) t0 = now();
    last = msg.length;
    if (++n === count) break;
  }
  const t1 = now();
  clearInterval(watchdog);
  if (last !== size) throw new Error(`push_pull: got ${last} B, expected ${size}`);
  done();
  await sending;
  pull.close();
  cleanup(endpoint);
  return t1 - t0;
}

function pilotCount(size) {
  return size <= 64 ? 20000 : size <= 4096 ? 10000 : 1000;
}

async function runPushPull(p, mode, transport, size) {
  let count = p.count;
  if (count <= 0) {
    const pilot = pilotCount(size);
    const secs = await pushPullOnce(mode, transport, size, pilot);
    count = Math.max(pilot, Math.min(20e6, Math.round(((pilot - 1) / secs) * p.seconds)));
  }
  const secs = await pushPullOnce(mode, transport, size, count);
  const rate = (count - 1) / secs;
  line({
    impl: IMPL,
    scenario: "push_pull",
    mode,
    transport,
    size,
    count: count - 1,
    seconds: +secs.toFixed(3),
    msg_per_s: Math.round(rate),
    mb_per_s: +(rate * size / 1e6).toFixed(1),
  });
}

// ---- req_rep ------------------------------------------------------------------------------------

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[k];
}

async function runReqRep(p, transport, size) {
  const rep = new zmq.Reply();
  await rep.bind(endpointFor(transport));
  const endpoint = rep.lastEndpoint;
  const echo = (async () => {
    for await (const msg of rep) {
      await rep.send(msg);
      if (msg[0].length === 0) break; // the stop request
    }
  })();
  const req = new zmq.Request();
  req.connect(endpoint);
  const buf = Buffer.alloc(size);
  for (let i = 0; i < 1000; i++) {
    await req.send(buf);
    await req.receive();
  }
  const rtt = [];
  const cap = p.count > 0 ? p.count : 5e6;
  const start = now();
  let t = start;
  while (rtt.length < cap && (p.count > 0 || t - start < p.seconds)) {
    const t0 = now();
    await req.send(buf);
    await req.receive();
    t = now();
    rtt.push((t - t0) * 1e6);
  }
  await req.send(Buffer.alloc(0));
  await req.receive();
  await echo;
  const sum = rtt.reduce((a, b) => a + b, 0);
  rtt.sort((a, b) => a - b);
  line({
    impl: IMPL,
    scenario: "req_rep",
    mode: "plain",
    transport,
    size,
    count: rtt.length,
    p50_us: +pct(rtt, 0.5).toFixed(1),
    p99_us: +pct(rtt, 0.99).toFixed(1),
    mean_us: +(sum / rtt.length).toFixed(1),
    rtt_per_s: Math.round(1e6 * rtt.length / sum),
  });
  req.close();
  rep.close();
  cleanup(endpoint);
}

// ---- fanout -------------------------------------------------------------------------------------

async function runFanout(p, transport, size) {
  const pub = new zmq.Publisher();
  await pub.bind(endpointFor(transport));
  const endpoint = pub.lastEndpoint;
  const subs = Array.from({ length: p.subs }, () => {
    const s = new zmq.Subscriber();
    s.subscribe();
    s.connect(endpoint);
    return s;
  });
  let measuring = false;
  let delivered = 0;
  let ready = 0;
  const readers = subs.map(async (s) => {
    let seen = false;
    for await (const [msg] of s) {
      if (!seen) {
        seen = true;
        ready++;
      }
      if (measuring && msg[0] === 0x64) delivered++;
    }
  });
  while (ready < subs.length) { // probes until every subscription has reached the publisher
    await pub.send("p");
    await new Promise((r) => setTimeout(r, 1));
  }
  const buf = Buffer.alloc(size, 0x64);
  measuring = true;
  let sent = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < p.seconds) {
    for (let i = 0; i < 64; i++) await pub.send(buf);
    sent += 64;
    await tick(); // PUB never blocks: give the subscribers' reads a turn of the event loop
    t = now();
  }
  // Count what is already in flight for a short grace period (same window as the sender's).
  const stop = now();
  await new Promise((r) => setTimeout(r, 20));
  measuring = false;
  const secs = stop - t0;
  line({
    impl: IMPL,
    scenario: "fanout",
    mode: "plain",
    transport,
    size,
    subscribers: p.subs,
    seconds: +secs.toFixed(3),
    sent,
    sent_per_s: Math.round(sent / secs),
    delivered,
    deliveries_per_s: Math.round(delivered / secs),
  });
  pub.close();
  for (const s of subs) s.close();
  await Promise.allSettled(readers);
  cleanup(endpoint);
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const p = parseArgs(process.argv.slice(2));
  const scenarios = p.scenarios.length ? p.scenarios : ["push_pull", "req_rep", "fanout"];
  for (const scenario of scenarios) {
    if (scenario === "push_pull") {
      const modes = p.modes.length ? p.modes : ["plain", "worker"];
      const transports = p.transports.length ? p.transports : ["tcp", "ipc", "inproc"];
      const sizes = p.sizes.length ? p.sizes : [16, 1024, 65536];
      for (const mode of modes) {
        for (const transport of transports) {
          if (mode === "worker" && transport === "inproc") continue; // contexts are per thread
          for (const size of sizes) await runPushPull(p, mode, transport, size);
        }
      }
    } else if (scenario === "req_rep" || scenario === "fanout") {
      const transports = p.transports.length ? p.transports : ["tcp"];
      const sizes = p.sizes.length ? p.sizes : [16];
      for (const transport of transports) {
        for (const size of sizes) {
          if (scenario === "req_rep") await runReqRep(p, transport, size);
          else await runFanout(p, transport, size);
        }
      }
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  }
}

if (isMainThread) {
  const pkg = new URL("../../node_modules/zeromq/package.json", import.meta.url);
  const version = JSON.parse(readFileSync(pkg, "utf8")).version;
  console.error(`zeromq.js ${version}, libzmq ${zmq.version}, node ${process.version}`);
  await main();
}
