/**
 * One end of a cross-process SP benchmark (bench/sp/compare.mjs starts the pair):
 *
 *   ./node_modules/deno/deno run -A bench/sp/peer.ts --role pull|push|rep|req \
 *     --endpoint tcp://127.0.0.1:5555 --size 16 --count 1000000
 *
 * pull listens and prints msg/s (plus CPU per message); push dials, `await send()` per message,
 * then waits to be stopped; rep listens and echoes until an empty request; req prints
 * p50/p99/p99.9 µs. The flags and JSON keys of `nng_bench --role` (bench/c/nng_bench.c).
 * Send and receive buffers are 128 messages on both sides, as bench/sp/scenarios.ts uses.
 * @module
 */

import { Pull0, Push0, Rep0, Req0 } from "../../src/sp.ts";
import { closeAll, proc } from "../_scenario.ts";
import { parsePeerArgs, printLatency, receiveTimed, timedRoundTrips } from "../_peer.ts";

const BUFFER = 128;
const p = parsePeerArgs(proc.argv.slice(2));

if (p.role === "pull") {
  const pull = new Pull0({ recvBuffer: BUFFER, recvMaxSize: 0 });
  await pull.listen(p.endpoint);
  await receiveTimed(p, pull, (body) => body.length);
  await closeAll(pull);
} else if (p.role === "push") {
  const push = new Push0({ sendBuffer: BUFFER });
  await push.dial(p.endpoint);
  const buf = new Uint8Array(p.size).fill(0x78);
  for (let i = 0; i < p.count; i++) await push.send(buf);
  await new Promise((r) => setTimeout(r, 60_000)); // SP does not linger: stopped by the runner
  await closeAll(push);
} else if (p.role === "rep") {
  const rep = new Rep0();
  await rep.listen(p.endpoint);
  for await (const msg of rep) {
    await rep.send(msg);
    if (msg.length === 0) break; // the stop request
  }
  await closeAll(rep);
} else {
  const req = new Req0();
  await req.dial(p.endpoint);
  const buf = new Uint8Array(p.size);
  const rtt = await timedRoundTrips(p.count, async () => {
    await req.send(buf);
    await req.recv();
  });
  await req.send(new Uint8Array(0));
  await req.recv();
  printLatency(p, rtt);
  await closeAll(req);
}
proc.exit(0);
