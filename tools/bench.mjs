#!/usr/bin/env node
// `npm run bench`: the codec benchmark table (bench/codec_run.ts) on Deno, then on Bun, with the
// same cases and the same method. Extra arguments go to both runs
// (e.g. `npm run bench -- --filter zmtp --rounds 9`).
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";

const DENO = "./node_modules/deno/deno";
const BUN = "./node_modules/bun/bin/bun.exe";
const extra = process.argv.slice(2);

console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown cpu"}), ${process.platform}`,
);
const runs = [
  ["Deno", DENO, ["run", "-A", "bench/codec_run.ts", ...extra]],
  ["Bun", BUN, ["run", "bench/codec_run.ts", ...extra]],
];
let failed = false;
for (const [label, cmd, args] of runs) {
  console.log(`\n── ${label}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
