// ab_xproc: before/after of weft's cross-process PUSH → PULL in one invocation. Runs the same
// pairs from two checkouts (this tree and `--base DIR`, e.g. a `git archive` of main with a
// node_modules symlink), alternating round by round, with libzmq C → C as the yardstick, and
// prints the medians per pair with the load average before every round.
//
//   node bench/zmq/ab_xproc.mjs --base /tmp/weft-base [--runs 5] [--size 16]... [--count N]
//        [--only deno,bun,c]
//
// Cells: receiver msg/s · receiver CPU ns/msg (bench/zmq/peer.ts lines, see bench/_xproc.mjs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { log, median, root, si } from "../_compare.mjs";
import { runPair } from "../_xproc.mjs";

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const base = flag("--base");
if (!base) {
  console.error(
    "usage: node bench/zmq/ab_xproc.mjs --base DIR [--runs N] [--size N]... [--count N]",
  );
  process.exit(2);
}
const runs = Number(flag("--runs", 5));
const sizes = argv.flatMap((v, i) => argv[i - 1] === "--size" ? [+v] : []);
const only = new Set(flag("--only", "c,deno,bun").split(","));
const countFor = (z) =>
  Number(flag("--count", 0)) || Math.max(5_000, Math.round(1e6 * 16 / (z + 16)));
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const deno = join(root, "node_modules/deno/deno");
const bun = join(root, "node_modules/bun/bin/bun.exe");
const weft = (id, tree, rt) => ({
  id,
  cmd: rt === "deno" ? deno : bun,
  args: rt === "deno"
    ? ["run", "-A", join(tree, "bench/zmq/peer.ts")]
    : ["run", join(tree, "bench/zmq/peer.ts")],
});
const progs = [];
if (only.has("c")) progs.push({ id: "c", cmd: join(root, "bench/.out/zmq_bench"), args: [] });
for (const rt of ["deno", "bun"]) {
  if (!only.has(rt)) continue;
  progs.push(weft(`${rt} before`, base, rt), weft(`${rt} after`, root, rt));
}

const results = new Map();
for (let round = 1; round <= runs; round++) {
  log(`round ${round}/${runs}, load average ${load()}`);
  for (const size of sizes.length ? sizes : [16]) {
    // before and after swap order every round, so neither always runs first
    const order = round % 2 ? progs : [...progs].reverse();
    for (const p of order) {
      const r = await runPair({
        scenario: "push_pull",
        sender: p,
        receiver: p,
        transport: "tcp",
        size,
        count: countFor(size),
        timeoutS: 60,
      });
      if (!r) continue;
      const key = `${p.id}|${size}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(r);
      const snd = r.sender_cpu_ns_per_msg === undefined
        ? ""
        : `, sender ${r.sender_cpu_ns_per_msg} ns`;
      log(
        `  ${p.id.padEnd(12)} ${size} B: ${
          si(r.msg_per_s)
        } msg/s · receiver ${r.cpu_ns_per_msg} ns CPU/msg${snd}`,
      );
    }
  }
}
console.log(`\nmedians of ${runs} rounds; load average after: ${load()}\n`);
console.log(
  "| pair (tcp) | msg/s | receiver CPU/msg | sender CPU/msg | rounds |\n|---|--:|--:|--:|--:|",
);
for (const [key, rs] of results) {
  const [id, size] = key.split("|");
  const rate = median(rs.map((r) => r.msg_per_s));
  const cpu = median(rs.map((r) => r.cpu_ns_per_msg));
  const snd = rs.filter((r) => r.sender_cpu_ns_per_msg !== undefined);
  const sc = snd.length ? `${median(snd.map((r) => r.sender_cpu_ns_per_msg)).toFixed(0)} ns` : "–";
  console.log(
    `| ${id} → ${id}, ${size} B | ${si(rate)} | ${cpu.toFixed(0)} ns | ${sc} | ${rs.length} |`,
  );
}
