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
import {
  closeAll,
  endpointFor,
  now,
  proc,
  runRoundTrips,
  runThroughput,
  RUNTIME,
} from "../_scenario.ts";
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

const exit = (code: number): never => proc.exit(code);
const TAG = "spbench";

// ---- push_pull ----------------------------------------------------------------------------------

/** Returns seconds from the first message received to the last. */
async function pushPullOnce(transport: string, size: number, count: number): Promise<number> {
  const pull = new Pull0({ recvBuffer: BUFFER, recvMaxSize: 0 });
  await pull.listen(endpointFor(TAG, transport));
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

function runPushPull(p: Picks, transport: string, size: number): Promise<void> {
  return runThroughput(
    { ...p, mode: "plain", transport, size },
    (count) => pushPullOnce(transport, size, count),
  );
}

// ---- req_rep ------------------------------------------------------------------------------------

async function runReqRep(p: Picks, transport: string, size: number): Promise<void> {
  const rep = new Rep0();
  await rep.listen(endpointFor(TAG, transport));
  const echo = (async () => {
    for await (const msg of rep) {
      await rep.send(msg);
      if (msg.length === 0) break; // the stop request
    }
  })();
  const req = new Req0();
  await req.dial(rep.lastEndpoint!);
  const buf = new Uint8Array(size);
  await runRoundTrips({ ...p, transport, size }, async () => {
    await req.send(buf);
    await req.recv();
  });
  await req.send(new Uint8Array(0));
  await req.recv();
  await echo;
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
