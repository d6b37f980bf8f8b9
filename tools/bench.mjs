#!/usr/bin/env node
// `npm run bench`: the codec benchmark table (bench/codec_run.ts) on Deno, then on Bun, with the
// same cases and the same method. Extra arguments go to both runs
// (e.g. `npm run bench -- --filter zmtp --rounds 9`).
import { spawn } from "node:child_process";
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
/** Runs one column; on a terminal, a line on stderr says which runtime and for how long. */
function runColumn(label, cmd, args) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    const tty = process.stderr.isTTY;
    const tick = () => {
      const secs = Math.round((Date.now() - t0) / 1e3);
      process.stderr.write(`\r  ${label}: measuring the codec cases… ${secs} s`);
    };
    const timer = tty ? setInterval(tick, 1000) : null;
    child.stdout.on("data", (c) => {
      if (tty) process.stderr.write("\r\x1b[K");
      process.stdout.write(c);
    });
    child.on("close", (code) => {
      if (timer) clearInterval(timer);
      if (tty) process.stderr.write("\r\x1b[K");
      console.error(`  ${label}: done in ${((Date.now() - t0) / 1e3).toFixed(0)} s`);
      resolve(code);
    });
  });
}

let failed = false;
for (const [i, [label, cmd, args]] of runs.entries()) {
  console.log(`\n── ${label} (${i + 1}/${runs.length}): ${cmd} ${args.join(" ")}`);
  if ((await runColumn(label, cmd, args)) !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
