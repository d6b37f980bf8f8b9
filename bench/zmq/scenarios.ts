/**
 * weft's ZeroMQ scenario benchmarks (issue 3, point 9), runtime-neutral:
 *
 *   ./node_modules/deno/deno run -A bench/zmq/scenarios.ts [flags]
 *   ./node_modules/bun/bin/bun.exe run bench/zmq/scenarios.ts [flags]
 *
 * One JSON line per scenario with the keys of bench/c/zmq_bench.c and
 * bench/node/zeromqjs_bench.mjs (plus `runtime` and `same_process`), so bench/zmq/compare.mjs
 * can put them side by side:
 *
 *   push_pull  PULL binds, PUSH connects, both in this process (as zeromq.js's plain mode).
 *              Transport `inproc` passes messages by reference between the two sockets (as
 *              libzmq's inproc); `inproc-bytes` (on request only) keeps them on the in-memory
 *              bytes through ZMTP framing, as every inproc did before, to compare in one run.
 *              Timed from the first message received to the last, like the C program.
 *              mode `plain`: `await push.send(buf)` per message, `for await` on the PULL.
 *              mode `batch`: `push.sendBatch(run)` of BATCH messages, `pull.receiveBatch()`.
 *   req_rep    REQ → REP round trips (16 B, tcp), REP echoing in this process; p50/p99/mean µs.
 *   fanout     PUB → 10 SUB (16 B, tcp), all in this process; deliveries/s over the subscribers.
 *              PUB drops at the HWM, so "sent" can exceed "delivered" / subscribers. Bursts of
 *              64 (`await pub.send` each in mode `plain`, one `sendBatch` in mode `batch`), then
 *              one setImmediate turn for the subscribers (`for await` / `receiveBatch()`).
 *
 * Every scenario first runs a pilot (which also warms the JIT), then a run sized to take about
 * `--seconds` (default 1.5). Flags: --scenario push_pull|req_rep|fanout, --transport
 * tcp|ipc|inproc|inproc-bytes, --size N, --mode plain|batch (each repeatable), --count N, --seconds S,
 * --subs N. Messages are one reused buffer (as the C and zeromq.js programs do).
 * @module
 */

import {
  createRegistry,
  InprocNamespace,
  InprocTransport,
  Pub,
  Pull,
  Push,
  Rep,
  Req,
  Sub,
} from "../../src/zmq.ts";
import { setImmediate } from "node:timers";
import {
  closeAll,
  endpointFor,
  line,
  now,
  proc,
  runRoundTrips,
  runThroughput,
  RUNTIME,
} from "../_scenario.ts";

/** Messages per sendBatch call. */
const BATCH = 256;

interface Picks {
  scenarios: string[];
  transports: string[];
  sizes: number[];
  modes: string[];
  count: number;
  seconds: number;
  subs: number;
}

function parseArgs(argv: readonly string[]): Picks {
  const p: Picks = {
    scenarios: [],
    transports: [],
    sizes: [],
    modes: [],
    count: 0,
    seconds: 1.5,
    subs: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--all") continue;
    if (a === "-h" || a === "--help") {
      console.error("see the header of bench/zmq/scenarios.ts");
      exit(0);
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

const exit = (code: number): never => proc.exit(code);
const TAG = "zmqbench";
/** One turn of the event loop (lets socket reads in); setTimeout(0) is clamped to 4 ms. */
const tick = () => new Promise<void>((r) => setImmediate(r));

// ---- push_pull ----------------------------------------------------------------------------------

async function sendPlain(push: Push, buf: Uint8Array, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await push.send(buf);
}

async function sendBatched(push: Push, buf: Uint8Array, count: number): Promise<void> {
  const run: Uint8Array[] = new Array(BATCH).fill(buf);
  let left = count;
  while (left >= BATCH) {
    await push.sendBatch(run);
    left -= BATCH;
  }
  if (left > 0) await push.sendBatch(run.slice(0, left));
}

/** inproc with every message on the bytes (`--transport inproc-bytes`). */
const bytesInproc = createRegistry([
  new InprocTransport(new InprocNamespace(), { direct: false }),
]);

/** Where a push_pull run binds, and the registry its sockets use (the runtime's by default). */
function placeFor(transport: string) {
  if (transport !== "inproc-bytes") return { url: endpointFor(TAG, transport), options: {} };
  return { url: endpointFor(TAG, "inproc"), options: { transports: bytesInproc } };
}

/** Returns seconds from the first message received to the last. */
async function pushPullOnce(
  mode: string,
  transport: string,
  size: number,
  count: number,
): Promise<number> {
  const { url, options } = placeFor(transport);
  const pull = new Pull(options);
  await pull.bind(url);
  const push = new Push({ ...options, linger: -1 });
  push.connect(pull.lastEndpoint!);
  const buf = new Uint8Array(size).fill(0x78);
  const sending = mode === "batch" ? sendBatched(push, buf, count) : sendPlain(push, buf, count);
  let t0 = 0;
  let n = 0;
  let last = 0;
  if (mode === "batch") {
    while (n < count) {
      const batch = await pull.receiveBatch();
      if (n === 0) t0 = now();
      n += batch.length;
      last = batch[batch.length - 1]![0]!.length;
    }
  } else {
    for await (const frames of pull) {
      if (n === 0) t0 = now();
      last = frames[0]!.length;
      if (++n === count) break;
    }
  }
  const t1 = now();
  if (last !== size) throw new Error(`push_pull: got ${last} B, expected ${size}`);
  await sending;
  await closeAll(push, pull);
  return t1 - t0;
}

function runPushPull(p: Picks, mode: string, transport: string, size: number): Promise<void> {
  return runThroughput(
    { ...p, mode, transport, size },
    (count) => pushPullOnce(mode, transport, size, count),
  );
}

// ---- req_rep ------------------------------------------------------------------------------------

async function runReqRep(p: Picks, transport: string, size: number): Promise<void> {
  const rep = new Rep();
  await rep.bind(endpointFor(TAG, transport));
  const echo = (async () => {
    for await (const msg of rep) {
      await rep.send(msg);
      if (msg[0]!.length === 0) break; // the stop request
    }
  })();
  const req = new Req();
  req.connect(rep.lastEndpoint!);
  const buf = new Uint8Array(size);
  await runRoundTrips({ ...p, transport, size }, async () => {
    await req.send(buf);
    await req.receive();
  });
  await req.send(new Uint8Array(0));
  await req.receive();
  await echo;
  await closeAll(req, rep);
}

// ---- fanout -------------------------------------------------------------------------------------

async function runFanout(p: Picks, mode: string, transport: string, size: number) {
  const pub = new Pub();
  await pub.bind(endpointFor(TAG, transport));
  const subs = Array.from({ length: p.subs }, () => {
    const s = new Sub();
    s.subscribe();
    s.connect(pub.lastEndpoint!);
    return s;
  });
  let measuring = false;
  let delivered = 0;
  let ready = 0;
  const readers = subs.map(async (s) => {
    let seen = false;
    const got = (msg: Uint8Array) => {
      if (!seen) {
        seen = true;
        ready++;
      }
      if (measuring && msg[0] === 0x64) delivered++;
    };
    try {
      if (mode === "batch") {
        for (;;) for (const [msg] of await s.receiveBatch()) got(msg!);
      } else {
        for await (const [msg] of s) got(msg!);
      }
    } catch { /* closed */ }
  });
  while (ready < subs.length) { // probes until every subscription has reached the publisher
    await pub.send("p");
    await new Promise((r) => setTimeout(r, 1));
  }
  const buf = new Uint8Array(size).fill(0x64);
  const run: Uint8Array[] = new Array(64).fill(buf);
  measuring = true;
  let sent = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < p.seconds) {
    if (mode === "batch") await pub.sendBatch(run);
    else for (let i = 0; i < 64; i++) await pub.send(buf);
    sent += 64;
    await tick(); // PUB never blocks: give the subscribers' reads a turn of the event loop
    t = now();
  }
  const stop = now();
  await new Promise((r) => setTimeout(r, 20)); // count what is already in flight
  measuring = false;
  const secs = stop - t0;
  line({
    scenario: "fanout",
    mode,
    transport,
    size,
    subscribers: p.subs,
    seconds: +secs.toFixed(3),
    sent,
    sent_per_s: Math.round(sent / secs),
    delivered,
    deliveries_per_s: Math.round(delivered / secs),
  });
  await closeAll(pub, ...subs);
  await Promise.allSettled(readers);
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const p = parseArgs(proc.argv.slice(2));
  console.error(`weft on ${RUNTIME}: sender and receiver in one process`);
  const scenarios = p.scenarios.length ? p.scenarios : ["push_pull", "req_rep", "fanout"];
  for (const scenario of scenarios) {
    if (scenario === "push_pull") {
      const modes = p.modes.length ? p.modes : ["plain", "batch"];
      const transports = p.transports.length ? p.transports : ["tcp", "ipc", "inproc"];
      const sizes = p.sizes.length ? p.sizes : [16, 1024, 65536];
      for (const mode of modes) {
        for (const transport of transports) {
          for (const size of sizes) await runPushPull(p, mode, transport, size);
        }
      }
    } else if (scenario === "req_rep") {
      for (const transport of p.transports.length ? p.transports : ["tcp"]) {
        for (const size of p.sizes.length ? p.sizes : [16]) await runReqRep(p, transport, size);
      }
    } else if (scenario === "fanout") {
      const modes = p.modes.length ? p.modes : ["plain", "batch"];
      for (const mode of modes) {
        for (const transport of p.transports.length ? p.transports : ["tcp"]) {
          for (const size of p.sizes.length ? p.sizes : [16]) {
            await runFanout(p, mode, transport, size);
          }
        }
      }
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  }
}

await main();
exit(0);
