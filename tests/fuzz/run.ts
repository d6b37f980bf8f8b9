/**
 * The long fuzz runner (`npm run fuzz -- --minutes N [--family zmtp|sp|pomelo|ws]`): loops every
 * target of the chosen families with fresh seeds until the time is up (or each family has had
 * `--inputs N`), shows progress on a terminal, prints inputs/s per family, and writes each
 * failure as a replayable fixture in tests/fuzz/failures/. Runs under Deno
 * (`deno run -A tests/fuzz/run.ts`) and Bun.
 *
 *   --minutes N     how long to run (default 1, or no limit with --inputs; fractions allowed)
 *   --inputs N      stop each family after exactly N inputs (1e7 and 10_000_000 are accepted)
 *   --family F      only this family (repeat or comma-separate for several)
 *   --target T      only targets whose name contains T
 *   --per-run N     inputs per fast-check run: one valid conversation, N mutated and cut copies
 *                   (default 32)
 *   --batch N       inputs per fast-check call (default 4,000)
 *   --seed S        the first seed (default: from the clock); later batches use S+1, S+2, …
 *   --replay FILE   re-run the failing input of a fixture and exit 1 if it still fails
 *
 * Ctrl-C stops after the current batch and prints the summary.
 * @module
 */

import fc from "fast-check";
import process from "node:process";
import { setImmediate } from "node:timers";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { FAMILIES, type Family, type FuzzTarget } from "./_harness.ts";
import { zmtpTargets } from "./_zmtp.ts";
import { spTargets } from "./_sp.ts";
import { pomeloTargets } from "./_pomelo.ts";
import { wsTargets } from "./_ws.ts";
import { zmtpSecurityTargets } from "./_zmtp_security.ts";

const ALL: readonly FuzzTarget[] = [
  ...zmtpTargets,
  ...zmtpSecurityTargets,
  ...spTargets,
  ...pomeloTargets,
  ...wsTargets,
];
const FAILURES = "tests/fuzz/failures";

/** A failure fixture: enough to replay the input with fast-check, and to read it. */
interface Fixture {
  readonly target: string;
  readonly family: Family;
  readonly seed: number;
  readonly path: string;
  /** Inputs per fast-check run (1 in fixtures written before it was recorded). */
  readonly perRun?: number;
  readonly runtime: string;
  readonly counterexample: string;
  readonly error: string;
  readonly replay: string;
}

function args(argv: readonly string[]) {
  const out = {
    minutes: NaN,
    inputs: Infinity,
    families: [] as Family[],
    target: "",
    perRun: 32,
    batch: 4000,
    seed: NaN,
    replay: "",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--minutes") out.minutes = Number(next());
    else if (a === "--inputs") out.inputs = Number(next().replaceAll("_", ""));
    else if (a === "--per-run") out.perRun = Number(next());
    else if (a === "--family") {
      for (const f of next().split(",")) {
        if (!FAMILIES.includes(f as Family)) {
          throw new Error(`--family: one of ${FAMILIES.join(", ")}`);
        }
        out.families.push(f as Family);
      }
    } else if (a === "--target") out.target = next();
    else if (a === "--batch") out.batch = Number(next());
    else if (a === "--seed") out.seed = Number(next());
    else if (a === "--replay") out.replay = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (Number.isNaN(out.minutes)) out.minutes = out.inputs === Infinity ? 1 : Infinity;
  for (const [name, v] of [["--minutes", out.minutes], ["--inputs", out.inputs]] as const) {
    if (!(v > 0)) throw new Error(`${name} must be > 0, got ${v}`);
  }
  for (const [name, v] of [["--per-run", out.perRun], ["--batch", out.batch]] as const) {
    if (!(Number.isInteger(v) && v > 0)) {
      throw new Error(`${name} must be an integer > 0, got ${v}`);
    }
  }
  if (out.inputs !== Infinity && !Number.isInteger(out.inputs)) {
    throw new Error(`--inputs must be an integer, got ${out.inputs}`);
  }
  return out;
}

function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

async function replay(file: string): Promise<number> {
  const fixture = JSON.parse(readFileSync(file, "utf8")) as Fixture;
  const target = ALL.find((t) => t.name === fixture.target);
  if (!target) throw new Error(`no target named ${fixture.target}`);
  const perRun = fixture.perRun ?? 1;
  console.log(
    `replaying ${fixture.target} seed ${fixture.seed} path ${fixture.path} (${perRun} per run)`,
  );
  console.log(`input: ${fixture.counterexample}`);
  try {
    await fc.assert(target.property(perRun), {
      seed: fixture.seed,
      path: fixture.path,
      endOnFailure: true,
    });
  } catch (e) {
    console.log(String(e instanceof Error ? e.message : e));
    return 1;
  }
  console.log("passes now");
  return 0;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** A target's next fast-check call: `runs` runs of `perRun` inputs, then maybe a shorter run. */
function plan(inputs: number, perRun: number): Array<[runs: number, perRun: number]> {
  const out: Array<[number, number]> = [[Math.floor(inputs / perRun), perRun]];
  if (inputs % perRun > 0) out.push([1, inputs % perRun]);
  return out.filter(([runs]) => runs > 0);
}

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  if (o.replay) return await replay(o.replay);
  const chosen = o.families.length > 0 ? o.families : FAMILIES;
  const targets = ALL.filter((t) => chosen.includes(t.family) && t.name.includes(o.target));
  if (targets.length === 0) throw new Error("no target matches");
  const families = chosen.filter((f) => targets.some((t) => t.family === f));
  let seed = Number.isFinite(o.seed) ? o.seed : Date.now() % 0x7fffffff;
  const runtime = runtimeName();
  const tty = process.stdout.isTTY === true;
  const inputs = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const spent = new Map<Family, number>();
  const targetSpent = new Map<string, number>();
  const failed = new Set<string>();
  const fixtures: string[] = [];
  const start = performance.now();
  const deadline = start + o.minutes * 60_000;
  const firstSeed = seed;
  let lastShown = 0;
  let lastLogged = start;
  const limits = [
    Number.isFinite(o.minutes) ? `for ${o.minutes} min` : "",
    Number.isFinite(o.inputs) ? `up to ${fmt(o.inputs)} inputs per family` : "",
  ].filter((x) => x !== "").join(", ");
  console.log(
    `fuzzing ${families.join(", ")} (${targets.length} targets) on ${runtime} ${limits}, ` +
      `${o.perRun} inputs per fast-check run, first seed ${seed}`,
  );
  const familyInputs = (f: Family) =>
    targets.filter((t) => t.family === f).reduce((n, t) => n + inputs.get(t.name)!, 0);
  const status = () =>
    families.map((f) => {
      const secs = (spent.get(f) ?? 0) / 1000;
      return `${f} ${fmt(familyInputs(f))} (${fmt(secs > 0 ? familyInputs(f) / secs : 0)}/s)`;
    }).join(" | ");
  // Ctrl-C (or a kill) ends the run after the current batch, with the summary.
  let stopped = false;
  const stop = () => void (stopped = true);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const going = () => !stopped && performance.now() < deadline;
  const left = (f: Family) => o.inputs - familyInputs(f);
  const perFamily = new Map(families.map((f) => [f, targets.filter((t) => t.family === f).length]));
  const live = () => targets.filter((t) => !failed.has(t.name) && left(t.family) > 0);
  while (going() && live().length > 0) {
    for (const t of targets) {
      if (failed.has(t.name) || !going()) continue;
      // A small --inputs is spread over the family's targets (at least 10 turns each).
      const share = Math.max(1, Math.floor(o.inputs / (10 * perFamily.get(t.family)!)));
      const batch = Math.max(1, Math.round(Math.min(o.batch, share) * (t.weight ?? 1)));
      const want = Math.min(batch, left(t.family));
      if (want <= 0) continue;
      for (const [numRuns, perRun] of plan(want, o.perRun)) {
        const s = seed++;
        const began = performance.now();
        const details = await fc.check(t.property(perRun), { seed: s, numRuns });
        const now = performance.now();
        spent.set(t.family, (spent.get(t.family) ?? 0) + (now - began));
        targetSpent.set(t.name, (targetSpent.get(t.name) ?? 0) + (now - began));
        inputs.set(t.name, inputs.get(t.name)! + details.numRuns * perRun);
        if (details.failed) {
          failed.add(t.name);
          const name = `${t.name}-${s}`;
          const file = `${FAILURES}/${name}.json`;
          const fixture: Fixture = {
            target: t.name,
            family: t.family,
            seed: s,
            path: details.counterexamplePath ?? "",
            perRun,
            runtime,
            counterexample: fc.stringify(details.counterexample),
            error: String(
              details.errorInstance instanceof Error
                ? details.errorInstance.stack
                : details.errorInstance,
            ),
            replay: `npm run fuzz -- --replay ${file}`,
          };
          mkdirSync(FAILURES, { recursive: true });
          writeFileSync(file, JSON.stringify(fixture, null, 2) + "\n");
          fixtures.push(file);
          if (tty) process.stdout.write("\n");
          console.log(`FAILED ${t.name} (seed ${s}, path ${fixture.path})`);
          console.log(`  input: ${fixture.counterexample.slice(0, 500)}`);
          console.log(`  error: ${fixture.error.split("\n")[0]!.slice(0, 2000)}`);
          console.log(`  fixture: ${file}  replay: ${fixture.replay}`);
          break;
        }
      }
      // A macrotask turn per batch, so a signal handler gets to run.
      await new Promise((r) => setImmediate(r));
      const now = performance.now();
      if (now - lastShown > 1000) {
        lastShown = now;
        const line = `${clock(now - start)} ${t.family.padEnd(6)} ${status()}`;
        if (tty) process.stdout.write(`\r${line}\x1b[K`);
        else if (now - lastLogged >= 30_000) {
          // Not a terminal (CI, a log file): a line every 30 s.
          lastLogged = now;
          console.log(line);
        }
      }
    }
  }
  if (tty) process.stdout.write("\n");
  const elapsed = performance.now() - start;
  console.log(`\n${runtime}, ${clock(elapsed)} elapsed, seeds ${firstSeed}…${seed - 1}`);
  console.log("family   inputs        inputs/s   failures");
  for (const f of families) {
    const secs = (spent.get(f) ?? 0) / 1000;
    const n = familyInputs(f);
    const fails = targets.filter((t) => t.family === f && failed.has(t.name)).length;
    console.log(
      `${f.padEnd(8)} ${fmt(n).padStart(12)}  ${
        fmt(secs > 0 ? n / secs : 0).padStart(9)
      }   ${fails}`,
    );
  }
  console.log("\ntarget                                   inputs   inputs/s");
  for (const t of targets) {
    const n = inputs.get(t.name)!;
    const secs = (targetSpent.get(t.name) ?? 0) / 1000;
    console.log(
      `${t.name.padEnd(36)} ${fmt(n).padStart(10)} ${fmt(secs > 0 ? n / secs : 0).padStart(10)}${
        failed.has(t.name) ? "  FAILED" : ""
      }`,
    );
  }
  const total = [...inputs.values()].reduce((a, b) => a + b, 0);
  console.log(`\ntotal ${fmt(total)} inputs, ${fixtures.length} failure(s)`);
  for (const f of fixtures) console.log(`  ${f}`);
  return fixtures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
