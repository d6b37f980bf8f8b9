// The coverage figure of src/ (published code: no tests, no codec reference oracles, no generated
// wasm bytes) from a `deno test --coverage=DIR` run, and the floor it must not fall below
// (tools/coverage_floor.json: today's figure minus about a point; raise it when coverage rises).
// Used by tools/test.mjs on a full run; alone: `node tools/coverage.mjs DIR`.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const DENO = "./node_modules/deno/deno";
const FLOOR_FILE = "tools/coverage_floor.json";
const SRC = `^file://${process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/src/`;
const EXCLUDE = "_test\\.ts$|/src/codec/_reference/|/src/codec/_wasm_bytes\\.ts$";

/** Line and branch totals of src/ from the raw coverage in `dir` (via `deno coverage --lcov`). */
export function coverageOf(dir) {
  const dropped = dropTorn(dir);
  if (dropped > 0) {
    console.log(`coverage: left out ${dropped} torn profile(s) (a child process killed mid-write)`);
  }
  const lcov = join(dir, "src.lcov");
  const run = spawnSync(DENO, [
    "coverage",
    `--include=${SRC}`,
    `--exclude=${EXCLUDE}`,
    "--lcov",
    `--output=${lcov}`,
    dir,
  ], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (run.status !== 0) throw new Error(`deno coverage failed: ${run.stderr}`);
  const sum = { files: 0, lines: 0, linesHit: 0, branches: 0, branchesHit: 0 };
  for (const line of readFileSync(lcov, "utf8").split("\n")) {
    const [key, value] = line.split(":");
    if (key === "SF") sum.files++;
    else if (key === "LF") sum.lines += Number(value);
    else if (key === "LH") sum.linesHit += Number(value);
    else if (key === "BRF") sum.branches += Number(value);
    else if (key === "BRH") sum.branchesHit += Number(value);
  }
  rmSync(lcov, { force: true });
  return {
    files: sum.files,
    lines: percent(sum.linesHit, sum.lines),
    branches: percent(sum.branchesHit, sum.branches),
    counts: sum,
  };
}

/**
 * Child processes that tests start inherit Deno's coverage directory; one that a test SIGKILLs
 * while it writes its profile leaves a torn JSON file, which `deno coverage` refuses whole.
 * Those files are removed (they only ever describe a killed child's lines).
 */
function dropTorn(dir) {
  let dropped = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    const file = join(dir, name);
    try {
      JSON.parse(readFileSync(file, "utf8"));
    } catch {
      rmSync(file, { force: true });
      dropped++;
    }
  }
  return dropped;
}

const percent = (hit, all) => all === 0 ? 100 : Math.floor((1000 * hit) / all) / 10;
const shown = (p) => p.toFixed(1);

/** The recorded floor: `{ lines, branches }` in percent. */
export function coverageFloor() {
  return JSON.parse(readFileSync(FLOOR_FILE, "utf8"));
}

/** Prints the figure and the floor; returns false (with a reason printed) if below the floor. */
export function reportCoverage(dir) {
  const cov = coverageOf(dir);
  const floor = coverageFloor();
  const { counts } = cov;
  console.log(
    `coverage of src/ (deno, ${cov.files} files): lines ${shown(cov.lines)}% ` +
      `(${counts.linesHit}/${counts.lines}), branches ${shown(cov.branches)}% ` +
      `(${counts.branchesHit}/${counts.branches}); floor lines ${shown(floor.lines)}%, ` +
      `branches ${shown(floor.branches)}% (${FLOOR_FILE})`,
  );
  const low = [];
  if (cov.lines < floor.lines) low.push(`lines ${cov.lines}% < ${floor.lines}%`);
  if (cov.branches < floor.branches) low.push(`branches ${cov.branches}% < ${floor.branches}%`);
  if (low.length > 0) {
    console.error(`coverage: below the floor: ${low.join(", ")}; add tests for the new code`);
    return false;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node tools/coverage.mjs COVERAGE_DIR");
    process.exit(2);
  }
  process.exit(reportCoverage(dir) ? 0 : 1);
}
