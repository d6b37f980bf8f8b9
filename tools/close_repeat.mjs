#!/usr/bin/env node
// `node tools/repeat.mjs [runs] [deno|bun]`: runs the child-process close tests (`close();
// await closed; exit` in a second process: weft → weft over tcp/ipc/ws for ZeroMQ and SP,
// weft → libzmq via pyzmq, weft → nngcat) `runs` times (default 20) on each runtime, and prints
// how many runs passed. A run passes when every test in it passed (none skipped).
import { spawn } from "node:child_process";

const DENO = "./node_modules/deno/deno";
const BUN = "./node_modules/bun/bin/bun.exe";
const FILES = ["./tests/conformance/close_child_runs.ts", "./tests/interop/close_linger_test.ts"];
const runs = Number(process.argv[2] ?? 20);
const only = process.argv[3];

function once(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
    });
    let text = "";
    child.stdout.on("data", (c) => (text += c));
    child.stderr.on("data", (c) => (text += c));
    child.on("exit", (code) => resolve({ ok: code === 0, text }));
  });
}

const runtimes = [
  ["deno", DENO, ["test", "-A", ...FILES]],
  ["bun", BUN, ["test", "--timeout", "120000", ...FILES]],
].filter(([name]) => !only || name === only);

let failedAny = false;
for (const [name, cmd, args] of runtimes) {
  let passed = 0;
  for (let i = 1; i <= runs; i++) {
    const { ok, text } = await once(cmd, args);
    if (ok) passed++;
    else {
      failedAny = true;
      console.log(`${name} run ${i} failed:\n${text.slice(-4000)}`);
    }
    process.stdout.write(`\r${name}: ${passed}/${i} passed`);
  }
  console.log(`\r${name}: ${passed} of ${runs} runs passed (${FILES.length} files each)`);
}
process.exit(failedAny ? 1 : 0);
