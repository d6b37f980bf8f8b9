#!/usr/bin/env node
// Coverage-guided fuzzing with Jazzer.js (libFuzzer on Node) over the runtime-free decoders:
// `node tools/jazzer.mjs [--seconds N]`. Installs @jazzer.js/core (pinned; its npm package
// carries prebuilt libFuzzer addons for linux/darwin/win32) into bench/.out/jazzer on first
// use, bundles tests/fuzz/jazzer/target.ts to CommonJS with esbuild, and runs it; findings
// land in bench/.out/jazzer/ as crash-* files (libFuzzer's format).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";

const JAZZER = "@jazzer.js/core@4.0.0";
const dir = "bench/.out/jazzer";
const argv = process.argv.slice(2);
const at = argv.indexOf("--seconds");
const seconds = at >= 0 ? Number(argv[at + 1]) : 60;

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0 && !opts.allowFail) process.exit(r.status ?? 1);
  return r.status;
};

mkdirSync(`${dir}/corpus`, { recursive: true });
if (!existsSync(`${dir}/node_modules/@jazzer.js/core`)) {
  run("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", JAZZER]);
}
run("./node_modules/.bin/esbuild", [
  "tests/fuzz/jazzer/target.ts",
  "--bundle",
  "--format=cjs",
  "--platform=node",
  `--outfile=${dir}/target.cjs`,
  "--log-level=warning",
]);
const code = run(
  "node",
  [
    `${dir}/node_modules/@jazzer.js/core/dist/cli.js`,
    `${dir}/target.cjs`,
    `${dir}/corpus`,
    "--sync",
    "--",
    `-max_total_time=${seconds}`,
    `-artifact_prefix=${dir}/`,
    "-print_final_stats=1",
  ],
  { allowFail: true },
);
process.exit(code ?? 1);
