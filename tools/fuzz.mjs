#!/usr/bin/env node
// `npm run fuzz -- --minutes N [--family zmtp|sp|pomelo|ws] [--runtime deno|bun] [--replay FILE]`:
// runs the long fuzz runner (tests/fuzz/run.ts) under Deno (default) or Bun; every other
// argument is passed on (see run.ts for the list).
import { spawn } from "node:child_process";

const argv = process.argv.slice(2);
let runtime = "deno";
const rest = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--runtime") runtime = argv[++i];
  else rest.push(argv[i]);
}
const commands = {
  deno: ["./node_modules/deno/deno", ["run", "-A", "tests/fuzz/run.ts", ...rest]],
  bun: ["./node_modules/bun/bin/bun.exe", ["tests/fuzz/run.ts", ...rest]],
};
if (!commands[runtime]) {
  console.error(`--runtime: expected deno or bun, got ${runtime}`);
  process.exit(2);
}
const [cmd, args] = commands[runtime];
const child = spawn(cmd, args, { stdio: "inherit" });
child.on("close", (code) => process.exit(code ?? 1));
