// where_time_goes: splits a server's CPU profile (.cpuprofile, from `deno run --cpu-prof` or
// `bun --cpu-prof`) into where a nano request's time goes — the socket write, the runtime's
// stream machinery, JSON, WebSocket framing, the pomelo codec, nano itself, weft's transport.
// Given the server's CPU per request (µs: serverCpu ÷ rate × 10^6 from nano_load's JSON line),
// it splits that figure by the groups' shares of the busy samples (connection setup shown, not
// counted). Shares, not sample times: under load the samplers' spacing varies (V8 samples idle
// time too, Bun does not), while /proc's CPU time does not depend on it.
//
//   node bench/nano/where_time_goes.mjs PROFILE.cpuprofile [CPU_US_PER_REQUEST]
//
// To take a profile: start the server with the profiler on, load it, stop it with SIGTERM (the
// server writes the profile on the way out):
//   ./node_modules/deno/deno run -A --v8-flags=--expose-gc --cpu-prof --cpu-prof-dir=DIR \
//     bench/nano/server.ts PORT            (or bench/nano/floor_server.mjs PORT)
//   ./node_modules/bun/bin/bun.exe --cpu-prof --cpu-prof-dir=DIR bench/nano/server.ts PORT
//   bench/.out/nano_load pingpong --port PORT --clients 1000 --seconds 4 --pid SERVER_PID
//   then kill -TERM SERVER_PID.
// Samples are grouped by the frame they land in (self time); the groups are coarse on purpose.
import { readFileSync } from "node:fs";
import process from "node:process";

const [file, cpuPerRequest] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bench/nano/where_time_goes.mjs PROFILE [CPU_US_PER_REQUEST]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const SETUP = "setup: accept, ws upgrade (SHA-1), handshakes, module load";
/** [group, test(frame, stack)] in order: the first that matches takes the sample. */
const groups = [
  [
    SETUP,
    (f, stack) =>
      /handshake|upgrade|digest|parseRequestHead|parseHeaders|formatResponse|frontDoor|#acceptRaw|loadExtScript|op_load|Module|esm\/|node:fs/
        .test(stack) &&
      !/message nano|#dispatch/.test(stack) &&
      !/^(writeBuffer|write)$/.test(f.functionName),
  ],
  [
    "socket write (the runtime's native write/send)",
    (f) => f.functionName === "writeBuffer" || (f.functionName === "write" && f.url === ""),
  ],
  ["GC", (f) => f.functionName === "(garbage collector)" || f.functionName === "gc"],
  ["JSON body decode + encode (UTF-8 included)", (f) =>
    /serializer\.ts/.test(f.url) ||
    /^(parse|stringify|encode|decode|op_encode|op_encoding_decode_single|op_encoding_decode_utf8)$/
      .test(f.functionName)],
  [
    "nano dispatch, queues, session, groups",
    (f) => /nano\/(connection|app|group|session|timers|pipeline|raw_body)\.ts/.test(f.url),
  ],
  [
    "pomelo codec + protocol session (wasm included)",
    (f) => /codec\/pomelo|protocol\/pomelo|wasm-function/.test(f.url + f.functionName),
  ],
  ["WebSocket framing (src/transport/ws)", (f) => /transport\/ws\//.test(f.url)],
  [
    "weft transport (node_net / bun stream)",
    (f) => /node_net\/|bun\/stream|write_queue|bun\/tcp/.test(f.url),
  ],
  [
    "runtime socket machinery (node:net streams, Buffer)",
    (f) =>
      /writable\.js|stream_base_commons|stream_wrap|deno_node\/net|_events|readable\.js|_next_tick|async_wrap|async_hooks|buffer\.mjs|subarray|get buffer|Uint8Array/
        .test(f.url + " " + f.functionName),
  ],
  [
    "runtime microtasks, event loop, (program)",
    (f) =>
      /01_core|processTicks|drainTicks|queueMicrotask|\(program\)/.test(f.url + f.functionName),
  ],
  ["the floor's own code", (f) => /floor_server/.test(f.url)],
];

const counts = new Map();
let busy = 0;
for (const id of profile.samples) {
  const frames = [];
  for (let i = id; i !== undefined; i = parent.get(i)) frames.push(byId.get(i).callFrame);
  const f = frames[0];
  if (f.functionName === "(idle)") continue;
  busy++;
  const stack = frames.map((x) => `${x.functionName} ${x.url}`).join("|");
  const group = groups.find(([, test]) => test(f, stack))?.[0] ?? "other";
  counts.set(group, (counts.get(group) ?? 0) + 1);
}

const counted = busy - (counts.get(SETUP) ?? 0);
const perRequest = cpuPerRequest ? (n) => ((n / counted) * Number(cpuPerRequest)).toFixed(1) : null;
console.log(`${busy} busy samples of ${profile.samples.length}`);
for (const [group, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  const share = `${((100 * n) / busy).toFixed(1).padStart(5)} %`;
  const us = perRequest && group !== SETUP ? ` ${perRequest(n).padStart(6)} µs` : "";
  console.log(`${share}${us.padEnd(perRequest ? 10 : 0)}  ${group}`);
}
if (perRequest) {
  console.log(`         ${Number(cpuPerRequest).toFixed(1).padStart(6)} µs  per request`);
}
