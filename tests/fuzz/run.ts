/**
 * The long fuzz runner (`npm run fuzz -- --minutes N [--family zmtp|sp|pomelo|ws]`): loops every
 * target of the chosen families with fresh seeds until the time is up, shows progress on a
 * terminal, prints inputs/s per family, and writes each failure as a replayable fixture in
 * tests/fuzz/failures/. Runs under Deno (`deno run -A tests/fuzz/run.ts`) and Bun.
 *
 *   --minutes N     how long to run (default 1; fractions allowed)
 *   --family F      only this family (repeat or comma-separate for several)
 *   --target T      only targets whose name contains T
 *   --batch N       inputs per fast-check call (default 200)
 *   --seed S        the first seed (default: from the clock); later batches use S+1, S+2, …
 *   --replay FILE   re-run the failing input of a fixture and exit 1 if it still fails
 *
 * Ctrl-C stops after the current batch and prints the summary.
 * @module
 */

import fc from "fast-check";
import process from "node:process";
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
  readonly runtime: string;
  readonly counterexample: string;
  readonly error: string;
  readonly replay: string;
}

function args(argv: readonly string[]) {
  const out = {
    minutes: 1,
    families: [] as Family[],
    target: "",
    batch: 200,
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
  if (!(out.minutes > 0) || !(out.batch > 0)) throw new Error("--minutes and --batch must be > 0");
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
  console.log(`replaying ${fixture.target} seed ${fixture.seed} path ${fixture.path}`);
  console.log(`input: ${fixture.counterexample}`);
  try {
    await fc.assert(target.property(), {
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

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  if (o.replay) return await replay(o.replay);
  const families = o.families.length > 0 ? o.families : FAMILIES;
  const targets = ALL.filter((t) => families.includes(t.family) && t.name.includes(o.target));
  if (targets.length === 0) throw new Error("no target matches");
  let seed = Number.isFinite(o.seed) ? o.seed : Date.now() % 0x7fffffff;
  const runtime = runtimeName();
  const tty = process.stdout.isTTY === true;
  const inputs = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const spent = new Map<Family, number>();
  const failed = new Set<string>();
  const fixtures: string[] = [];
  const start = performance.now();
  const deadline = start + o.minutes * 60_000;
  const firstSeed = seed;
  let lastShown = 0;
  let lastLogged = start;
  console.log(
    `fuzzing ${
      families.join(", ")
    } (${targets.length} targets) on ${runtime} for ${o.minutes} min, ` +
      `first seed ${seed}`,
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
  while (going()) {
    for (const t of targets) {
      if (failed.has(t.name) || !going()) continue;
      const numRuns = Math.max(10, Math.round(o.batch * (t.weight ?? 1)));
      const s = seed++;
      const began = performance.now();
      const details = await fc.check(t.property(), { seed: s, numRuns });
      // A macrotask turn per batch, so a signal handler gets to run.
      await new Promise((r) => setTimeout(r, 0));
      const now = performance.now();
      spent.set(t.family, (spent.get(t.family) ?? 0) + (now - began));
      inputs.set(t.name, inputs.get(t.name)! + details.numRuns);
      if (details.failed) {
        failed.add(t.name);
        const name = `${t.name}-${s}`;
        const file = `${FAILURES}/${name}.json`;
        const fixture: Fixture = {
          target: t.name,
          family: t.family,
          seed: s,
          path: details.counterexamplePath ?? "",
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
        console.log(`  error: ${fixture.error.split("\n")[0]}`);
        console.log(`  fixture: ${file}  replay: ${fixture.replay}`);
      }
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
  console.log("\ntarget                                inputs");
  for (const t of targets) {
    console.log(
      `${t.name.padEnd(36)} ${fmt(inputs.get(t.name)!).padStart(10)}${
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
