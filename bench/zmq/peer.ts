/**
 * One end of a cross-process ZeroMQ benchmark (bench/zmq/compare.mjs starts the pair):
 *
 *   ./node_modules/deno/deno run -A bench/zmq/peer.ts --role pull --endpoint tcp://127.0.0.1:5555 \
 *     --size 16 --count 1000000
 *   ./node_modules/bun/bin/bun.exe run bench/zmq/peer.ts --role push --endpoint ... (same flags)
 *
 *   pull  binds, receives `--count` messages (`for await`), prints msg/s from the first to the last.
 *   push  connects, `await send()` per message (one reused buffer), then waits to be stopped.
 *   rep   binds, echoes until an empty request, which it echoes too before leaving.
 *   req   connects, 1000 warm-up round trips, `--count` timed ones, prints p50/p99/p99.9 µs.
 *
 * The same flags and JSON keys as `zmq_bench --role` (bench/c/zmq_bench.c) and
 * `zeromqjs_bench.mjs --role`, so any sender can face any receiver.
 * @module
 */

import { Pull, Push, Rep, Req } from "../../src/zmq.ts";
import { closeAll, proc } from "../_scenario.ts";
import {
  cpuSeconds,
  parsePeerArgs,
  printLatency,
  printSenderCpu,
  receiveTimed,
  timedRoundTrips,
} from "../_peer.ts";

const p = parsePeerArgs(proc.argv.slice(2));

if (p.role === "pull") {
  const pull = new Pull();
  await pull.bind(p.endpoint);
  await receiveTimed(p, pull, (frames) => frames[0]!.length);
  await closeAll(pull);
} else if (p.role === "push") {
  const push = new Push({ linger: -1 });
  push.connect(p.endpoint);
  const buf = new Uint8Array(p.size).fill(0x78);
  await push.send(buf);
  const cpu0 = cpuSeconds();
  for (let i = 1; i < p.count; i++) await push.send(buf);
  // The sender's own CPU per message (queued, not yet all written): bench/_xproc.mjs adds it to
  // the receiver's line as `sender_cpu_ns_per_msg`.
  printSenderCpu(p, cpuSeconds() - cpu0);
  // A normal program's last lines: with linger -1, `closed` settles once every message is
  // written (on ipc too since the issue-10 close work; measured again 2026-12-03: 200,000 of
  // 200,000 reached libzmq on both runtimes).
  await closeAll(push);
} else if (p.role === "rep") {
  const rep = new Rep();
  await rep.bind(p.endpoint);
  for await (const msg of rep) {
    await rep.send(msg);
    if (msg[0]!.length === 0) break; // the stop request
  }
  await closeAll(rep);
} else {
  const req = new Req();
  req.connect(p.endpoint);
  const buf = new Uint8Array(p.size);
  const rtt = await timedRoundTrips(p.count, async () => {
    await req.send(buf);
    await req.receive();
  });
  await req.send(new Uint8Array(0));
  await req.receive();
  printLatency(p, rtt);
  await closeAll(req);
}
proc.exit(0);
