#!/usr/bin/env node
// `npm test`: the layer check, then the whole suite on Deno and on Bun (the same files), then
// one closing line `weft: N passed, N failed, N skipped`. Under CI=true a skipped test counts as
// a failure (a missing peer must be installed by .ci/run, not silently skipped).
// A full run also measures the Deno run's coverage of src/ and checks it against the floor in
// tools/coverage_floor.json (counted as one test). This is the only place CI runs the suite.
// Extra arguments are passed to both runners as paths (e.g. `npm test -- src/codec`).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportCoverage } from "./coverage.mjs";
import { compactView } from "./test_output.mjs";

const DENO = "./node_modules/deno/deno";
const BUN = "./node_modules/bun/bin/bun.exe";
const paths = process.argv.slice(2);
const ci = process.env.CI === "true";
// Everything as it comes with WEFT_TEST_VERBOSE=1; otherwise one line per test file and the whole
// output only for files with a failure (tools/test_output.mjs).
const verbose = process.env.WEFT_TEST_VERBOSE === "1";

function run(label, cmd, args, { compact = false } = {}) {
  return new Promise((resolve) => {
    console.log(`\n── ${label}: ${cmd} ${args.join(" ")}`);
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const view = compact && !verbose ? compactView(label, (s) => process.stdout.write(s)) : null;
    let text = "";
    const keep = (chunk, out) => {
      if (view) view.push(chunk);
      else out.write(chunk);
      text += chunk.toString();
      if (text.length > 200_000) text = text.slice(-100_000);
    };
    child.stdout.on("data", (c) => keep(c, process.stdout));
    child.stderr.on("data", (c) => keep(c, process.stderr));
    child.on("close", (code) => {
      view?.end();
      // A runner that failed outside any test file (a load error) shows its last words.
      if (view && code !== 0 && !/\d+ (passed|pass)\b/.test(strip(text))) {
        process.stdout.write(strip(text).split("\n").slice(-40).join("\n") + "\n");
      }
      resolve({ code: code ?? 1, text });
    });
  });
}

// deno-lint-ignore no-control-regex
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

function denoCounts(text) {
  const line = strip(text).split("\n").reverse().find((l) => /\d+ passed.*\d+ failed/.test(l));
  if (!line) return null;
  const num = (re) => {
    const m = line.match(re);
    return m ? Number(m[1]) + Number(m[2] ?? 0) : 0;
  };
  return {
    passed: num(/(\d+) passed(?: \((\d+) steps?\))?/),
    failed: num(/(\d+) failed(?: \((\d+) steps?\))?/),
    skipped: num(/(\d+) ignored(?: \((\d+) steps?\))?/),
  };
}

function bunCounts(text) {
  const t = strip(text);
  const num = (re) => Number(t.match(re)?.[1] ?? 0);
  if (!/^\s*\d+ pass$/m.test(t)) return null;
  return {
    passed: num(/^\s*(\d+) pass$/m),
    failed: num(/^\s*(\d+) fail$/m),
    skipped: num(/^\s*(\d+) skip$/m) + num(/^\s*(\d+) todo$/m),
  };
}

const total = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

const layers = await run("layer check", DENO, ["run", "-A", "tools/check_layers.ts"]);
if (layers.code !== 0) {
  total.failed++;
  broken = true;
} else total.passed++;

// Coverage only on a full run: a subset's figure says nothing about the floor.
const coverageDir = paths.length ? null : mkdtempSync(join(tmpdir(), "weft-coverage-"));
const denoRun = await run("deno", DENO, [
  "test",
  "-A",
  ...(coverageDir ? [`--coverage=${coverageDir}`] : []),
  ...(paths.length ? paths : ["--doc", "src/", "tests/", "mod.ts"]),
], { compact: true });
const bunRun = await run("bun", BUN, [
  "test",
  "--timeout",
  "120000",
  ...(paths.length ? paths : ["src", "tests"]),
], { compact: true });

for (const [name, result, parse] of [["deno", denoRun, denoCounts], ["bun", bunRun, bunCounts]]) {
  const counts = parse(result.text);
  if (!counts) {
    console.error(`weft: could not read the ${name} summary (exit ${result.code})`);
    total.failed++;
    broken = true;
    continue;
  }
  console.log(
    `${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  if (result.code !== 0) broken = true;
}

if (coverageDir) {
  console.log("\n── coverage");
  let ok = false;
  try {
    ok = reportCoverage(coverageDir);
  } catch (e) {
    console.error(`coverage: ${e.message}`);
  }
  rmSync(coverageDir, { recursive: true, force: true });
  if (ok) total.passed++;
  else {
    total.failed++;
    broken = true;
  }
}

if (ci && total.skipped > 0) {
  console.error(`weft: ${total.skipped} test(s) skipped under CI=true; a skip is a failure here`);
  total.failed += total.skipped;
  broken = true;
}
console.log(`\nweft: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(broken || total.failed > 0 ? 1 : 0);
