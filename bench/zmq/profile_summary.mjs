// profile_summary: the top self-time entries of a V8/JSC .cpuprofile (Chrome DevTools format,
// as written by `deno run --cpu-prof` and `bun --cpu-prof`), by function and by file.
//
//   node bench/zmq/profile_summary.mjs <file.cpuprofile> [--top 25]
//
// Self time = the samples whose leaf is that function, times the sampling interval. Paths are
// shown relative to the repository; "(program)", "(garbage collector)" and "(idle)" are V8's
// own buckets (native work outside JS, GC, waiting in the event loop).
import { readFileSync } from "node:fs";
import process from "node:process";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const topAt = args.indexOf("--top");
const TOP = topAt >= 0 ? Number(args[topAt + 1]) : 25;
if (!file) {
  console.error("usage: node bench/zmq/profile_summary.mjs <file.cpuprofile> [--top N]");
  process.exit(2);
}

const prof = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map(); // node id -> µs
const deltas = prof.timeDeltas ?? [];
for (let i = 0; i < prof.samples.length; i++) {
  const dt = deltas[i + 1] ?? deltas[i] ?? 0; // a sample's time runs until the next one
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + Math.max(0, dt));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url) =>
  url ? url.replace(/^file:\/\//, "").replace(/^.*?\/(src|bench|tests|node_modules)\//, "$1/") : "";
const fnKey = (cf) =>
  `${cf.functionName || "(anonymous)"}  ${short(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
const fileKey = (cf) => short(cf.url) || cf.functionName || "(native)";

function tally(keyOf) {
  const m = new Map();
  for (const [id, us] of self) {
    const k = keyOf(byId.get(id).callFrame);
    m.set(k, (m.get(k) ?? 0) + us);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
}

function show(title, rows) {
  console.log(`\n${title}`);
  for (const [k, us] of rows.slice(0, TOP)) {
    console.log(
      `${((100 * us) / total).toFixed(1).padStart(5)}%  ${
        (us / 1e3).toFixed(0).padStart(6)
      } ms  ${k}`,
    );
  }
}

const idle = tally((cf) => cf.functionName).find(([k]) => k === "(idle)")?.[1] ?? 0;
console.log(`${file}: ${(total / 1e3).toFixed(0)} ms sampled, ${(idle / 1e3).toFixed(0)} ms idle`);
show("self time by function", tally(fnKey));
show("self time by file", tally(fileKey));
