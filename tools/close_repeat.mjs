#!/usr/bin/env node
// `node tools/close_repeat.mjs [--runs N] [--runtime deno|bun] [--out file.md]`: runs the close
// tests again and again — `close(); await closed; exit` in a child process to weft over
// tcp/ipc/ws (both families), to libzmq via pyzmq and to `nngcat --pull0` over tcp/ipc/ws, and
// weft's in-process close tests over inproc (tests/conformance/close_child_runs.ts,
// tests/interop/close_linger_test.ts) — N times (default 20) per runtime, and prints a table of
// runs and passes per runtime, peer and transport (a run of a cell passes when every one of its
// tests passed; under CI=true a skip fails). The table is rewritten to `--out` after each run,
// so a long run can be watched or cut short.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";

const DENO = "./node_modules/deno/deno";
const BUN = "./node_modules/bun/bin/bun.exe";
const FILES = ["./tests/conformance/close_child_runs.ts", "./tests/interop/close_linger_test.ts"];

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}
const runs = Number(option("runs", "20"));
const only = option("runtime", undefined);
const out = option("out", undefined);
if (!(runs > 0) || (only && only !== "deno" && only !== "bun")) {
  console.error("usage: node tools/close_repeat.mjs [--runs N] [--runtime deno|bun] [--out file]");
  process.exit(2);
}

// deno-lint-ignore no-control-regex
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

function once(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    let text = "";
    child.stdout.on("data", (c) => (text += c));
    child.stderr.on("data", (c) => (text += c));
    child.on("close", (code) => resolve({ ok: code === 0, text: strip(text) }));
  });
}

/** Per test: its full name and whether it passed, from either runner's output. */
function results(name, text) {
  const found = [];
  if (name === "bun") {
    for (const m of text.matchAll(/^\((pass|fail|skip|todo)\) (.+?)(?: \[[\d.]+m?s\])?$/gm)) {
      found.push({ test: m[2], ok: m[1] === "pass" });
    }
    return found;
  }
  // Deno: a describe block prints its name, then its tests indented, each `name ... ok|FAILED`.
  let block = "";
  for (const line of text.split("\n")) {
    const m = /^(\s*)(.+?) \.\.\. (ok|FAILED|ignored)\b/.exec(line);
    if (!m) {
      const header = /^(\S.*) \.\.\.$/.exec(line);
      if (header) block = header[1];
      continue;
    }
    if (m[1] === "" && m[2] === block) continue; // the block's own summary line
    found.push({ test: m[1] ? `${block} > ${m[2]}` : m[2], ok: m[3] === "ok" });
  }
  return found;
}

/** The table cell of a test: which peer and which transport. */
function cellOf(test) {
  const peer = /libzmq/.test(test) ? "libzmq (pyzmq)" : /nngcat/.test(test) ? "nngcat" : "weft";
  const transport = / over (tcp|ipc|ws|inproc)\b/.exec(test)?.[1] ?? "?";
  const family = /^sp |Push0/.test(test) ? "SP" : "ZeroMQ";
  return `${peer} | ${family} | ${transport}`;
}

const runtimes = [
  ["deno", DENO, ["test", "-A", "--no-check", ...FILES]],
  ["bun", BUN, ["test", "--timeout", "120000", ...FILES]],
].filter(([name]) => !only || name === only);

const started = new Date();
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(" ");
/** runtime → cell → { tests per run, runs, runs passed, failures seen } */
const table = new Map();
let failedAny = false;

function render() {
  const lines = [
    `command: node tools/close_repeat.mjs --runs ${runs}${only ? ` --runtime ${only}` : ""}`,
    `started ${started.toISOString()}, load average before ${loadBefore}, now ${
      loadavg().map((l) => l.toFixed(2)).join(" ")
    }`,
    "",
    "| runtime | peer | family | transport | tests per run | runs | runs passed | failed tests |",
    "| ------- | ---- | ------ | --------- | ------------- | ---- | ----------- | ------------ |",
  ];
  for (const [runtime, cells] of table) {
    for (const [cell, c] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `| ${runtime} | ${cell} | ${c.tests} | ${c.runs} | ${c.passed} | ${
          c.failures.join("; ")
        } |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

for (const [name, cmd, args] of runtimes) {
  const cells = new Map();
  table.set(name, cells);
  for (let i = 1; i <= runs; i++) {
    const t0 = Date.now();
    const { ok, text } = await once(cmd, args);
    const byCell = new Map();
    for (const r of results(name, text)) {
      const cell = cellOf(r.test);
      const entry = byCell.get(cell) ?? { tests: 0, failed: [] };
      entry.tests++;
      if (!r.ok) entry.failed.push(r.test);
      byCell.set(cell, entry);
    }
    for (const [cell, entry] of byCell) {
      const c = cells.get(cell) ?? { tests: entry.tests, runs: 0, passed: 0, failures: [] };
      c.runs++;
      c.tests = Math.max(c.tests, entry.tests);
      if (entry.failed.length === 0) c.passed++;
      for (const f of entry.failed) c.failures.push(`run ${i}: ${f.slice(0, 90)}`);
      cells.set(cell, c);
    }
    if (!ok) {
      failedAny = true;
      console.log(`${name} run ${i} failed:\n${text.slice(-3000)}`);
    }
    console.log(`${name} run ${i}/${runs}: ${ok ? "passed" : "FAILED"} (${Date.now() - t0} ms)`);
    if (out) writeFileSync(out, render());
  }
}
console.log("\n" + render());
process.exit(failedAny ? 1 : 0);
