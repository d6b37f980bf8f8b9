// broadcast_split: a server's CPU per broadcast split into user space and kernel, from `perf`
// samples, for the nano fanout scenario. Load-robust where /proc's CPU time is not: on this 2-core
// box the same server's `serverCpuMs` moves ±15–20 % between runs (the kernel's loopback path
// dominates and varies), while the user-space samples per broadcast — weft's own work plus the
// runtime's — move far less, and are what a change to weft can move.
//
//   perf record -F 4000 -p SERVER_PID -o DIR/perf.data &      (start before the load)
//   bench/.out/nano_load fanout --port PORT --sessions 10000 --rounds 20 --pid SERVER_PID
//   kill -INT %1; perf script -G -i DIR/perf.data -F time,ip,dso > DIR/samples.txt
//   node bench/nano/broadcast_split.mjs DIR/samples.txt 20
//
// Samples come in bursts (one per broadcast, the load waits 200 ms between rounds); the last
// ROUNDS - 1 bursts are counted (the first round warms up), as samples per burst at perf's rate.
import { readFileSync } from "node:fs";
import process from "node:process";

const [file, rounds = "20"] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bench/nano/broadcast_split.mjs SAMPLES.txt [ROUNDS]\n");
  process.exit(2);
}
const samples = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  const m = /([\d.]+):\s+\S+\s+\((.*)\)/.exec(line);
  if (m) samples.push({ t: Number(m[1]), kernel: /kernel/.test(m[2]) });
}
const bursts = [];
let burst;
let last = -1;
for (const s of samples) {
  if (!burst || s.t - last > 0.06) bursts.push(burst = { user: 0, kernel: 0 });
  last = s.t;
  if (s.kernel) burst.kernel++;
  else burst.user++;
}
const counted = bursts.filter((b) => b.user + b.kernel > 100).slice(-(Number(rounds) - 1));
const sum = (k) => counted.reduce((n, b) => n + b[k], 0);
const [user, kernel] = [sum("user"), sum("kernel")];
console.log(
  `${counted.length} broadcasts: per broadcast ${(user / counted.length).toFixed(1)} user + ` +
    `${(kernel / counted.length).toFixed(1)} kernel samples (user ${
      (100 * user / (user + kernel)).toFixed(1)
    } %)`,
);
