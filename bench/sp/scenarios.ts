/**
 * weft's SP (nng) scenario benchmarks (issue 4, point 7), runtime-neutral:
 *
 *   ./node_modules/deno/deno run -A bench/sp/scenarios.ts [flags]
 *   ./node_modules/bun/bin/bun.exe run bench/sp/scenarios.ts [flags]
 *
 * One JSON line per scenario with the keys of bench/c/nng_bench.c (plus `runtime` and
 * `same_process`), so bench/sp/compare.mjs can put them side by side:
 *
 *   push_pull  Pull0 listens, Push0 dials, both in this process; `await push.send(buf)` per
 *              message, `for await` on the Pull0. Timed from the first message received to the
 *              last, like the C program. Buffers of 128 messages on both sides (nng_bench's
 *              --buffer default).
 *   req_rep    Req0 → Rep0 round trips (16 B, tcp), Rep0 echoing in this process; p50/p99/mean µs.
 *
 * Every scenario first runs pilots (which also warm the JIT), then a run sized to take about
 * `--seconds` (default 1.5). Flags: --scenario push_pull|req_rep, --transport tcp|ipc|inproc,
 * --size N (each repeatable), --count N, --seconds S. Messages are one reused buffer.
 * @module
 */

import { Pull0, Push0, Rep0, Req0 } from "../../src/sp.ts";
import type { SpSocket } from "../../src/sp.ts";

const IMPL = "weft";
/** The shortest pilot run whose rate sizes the measured run. */
const PILOT_SECONDS = 0.3;
/** nng_bench's default send/recv buffer (messages). */
const BUFFER = 128;

interface Picks {
  scenarios: string[];
  transports: string[];
  sizes: number[];
  count: number;
  seconds: number;
}

function parseArgs(argv: readonly string[]): Picks {
  const p: Picks = { scenarios: [], transports: [], sizes: [], count: 0, seconds: 1.5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--all") continue;
    if (a === "-h" || a === "--help") {
      console.error("see the header of bench/sp/scenarios.ts");
      exit(0);
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    if (a === "--scenario") p.scenarios.push(v);
    else if (a === "--transport") p.transports.push(v);
    else if (a === "--size") p.sizes.push(Number(v));
    else if (a === "--count") p.count = Number(v);
    else if (a === "--seconds") p.seconds = Number(v);
    else throw new Error(`unknown flag ${a}`);
  }
  return p;
}

interface Proc {
  argv: string[];
  pid: number;
  exit(code: number): never;
}
const proc = (globalThis as unknown as { process: Proc }).process;
const exit = (code: number): never => proc.exit(code);

/** "deno 2.9.6" or "bun 1.4.5", from navigator.userAgent (no runtime namespace needed). */
function runtimeName(): string {
  const ua = typeof navigator !== "undefined" ? navigator.userAgent : "unknown";
  const m = /^(\w+)\/(\S+)/.exec(ua);
  return m ? `${m[1]!.toLowerCase()} ${m[2]}` : ua;
}
const RUNTIME = runtimeName();

const now = () => performance.now() / 1e3;

let serial = 0;
function endpointFor(transport: string): string {
  const tag = `${proc.pid}-${Date.now() % 1e9}-${serial++}`;
  if (transport === "tcp") return "tcp://127.0.0.1:0";
  if (transport === "ipc") return `ipc:///tmp/weft-spbench-${tag}.sock`;
  if (transport === "inproc") return `inproc://weft-spbench-${tag}`;
  throw new Error(`unknown transport ${transport}`);
}

function line(obj: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...obj, runtime: RUNTIME, same_process: true }));
}

async function closeAll(...socks: SpSocket[]): Promise<void> {
  for (const s of socks) s.close();
  await Promise.all(socks.map((s) => s.closed));
}

// ---- push_pull ----------------------------------------------------------------------------------

/** Returns seconds from the first message received to the last. */
async function pushPullOnce(transport: string, size: number, count: number): Promise<number> {
  const pull = new Pull0({ recvBuffer: BUFFER, recvMaxSize: 0 });
  await pull.listen(endpointFor(transport));
  const push = new Push0({ sendBuffer: BUFFER });
  await push.dial(pull.lastEndpoint!);
  const buf = new Uint8Array(size).fill(0x78);
  const sending = (async () => {
    for (let i = 0; i < count; i++) await push.send(buf);
  })();
  let t0 = 0;
  let n = 0;
  let last = 0;
  for await (const body of pull) {
    if (n === 0) t0 = now();
    last = body.length;
    if (++n === count) break;
  }
  const t1 = now();
  if (last !== size) throw new Error(`push_pull: got ${last} B, expected ${size}`);
  await sending;
  await closeAll(push, pull);
  return t1 - t0;
}

function pilotCount(size: number): number {
  return size <= 64 ? 50000 : size <= 4096 ? 20000 : 2000;
}

async function runPushPull(p: Picks, transport: string, size: number) {
  let count = p.count;
  if (count <= 0) {
    // Pilots grow until one lasts long enough to show the steady rate.
    let pilot = pilotCount(size);
    let secs = await pushPullOnce(transport, size, pilot);
    while (secs < PILOT_SECONDS) {
      pilot = Math.round(pilot * Math.min(8, Math.max(2, (1.5 * PILOT_SECONDS) / secs)));
      secs = await pushPullOnce(transport, size, pilot);
    }
    count = Math.max(pilot, Math.min(50e6, Math.round(((pilot - 1) / secs) * p.seconds)));
  }
  const secs = await pushPullOnce(transport, size, count);
  const rate = (count - 1) / secs;
  line({
    impl: IMPL,
    scenario: "push_pull",
    mode: "plain",
    transport,
    size,
    count: count - 1,
    seconds: +secs.toFixed(3),
    msg_per_s: Math.round(rate),
    mb_per_s: +(rate * size / 1e6).toFixed(1),
  });
}

// ---- req_rep ------------------------------------------------------------------------------------

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[k]!;
}

async function runReqRep(p: Picks, transport: string, size: number) {
  const rep = new Rep0();
  await rep.listen(endpointFor(transport));
  const echo = (async () => {
    for await (const msg of rep) {
      await rep.send(msg);
      if (msg.length === 0) break; // the stop request
    }
  })();
  const req = new Req0();
  await req.dial(rep.lastEndpoint!);
  const buf = new Uint8Array(size);
  for (let i = 0; i < 1000; i++) { // warm-up
    await req.send(buf);
    await req.recv();
  }
  const rtt: number[] = [];
  const cap = p.count > 0 ? p.count : 5e6;
  const start = now();
  let t = start;
  while (rtt.length < cap && (p.count > 0 || t - start < p.seconds)) {
    const t0 = now();
    await req.send(buf);
    await req.recv();
    t = now();
    rtt.push((t - t0) * 1e6);
  }
  await req.send(new Uint8Array(0));
  await req.recv();
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
  await closeAll(req, rep);
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const p = parseArgs(proc.argv.slice(2));
  console.error(`weft on ${RUNTIME}: sender and receiver in one process`);
  const scenarios = p.scenarios.length ? p.scenarios : ["push_pull", "req_rep"];
  for (const scenario of scenarios) {
    if (scenario === "push_pull") {
      const transports = p.transports.length ? p.transports : ["tcp", "ipc"];
      const sizes = p.sizes.length ? p.sizes : [16, 1024, 65536];
      for (const transport of transports) {
        for (const size of sizes) await runPushPull(p, transport, size);
      }
    } else if (scenario === "req_rep") {
      for (const transport of p.transports.length ? p.transports : ["tcp"]) {
        for (const size of p.sizes.length ? p.sizes : [16]) await runReqRep(p, transport, size);
      }
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  }
}

await main();
exit(0);
