#!/usr/bin/env node
// `npm run check:package`: installs weft as a user would and runs one example per family from
// the installed copy, on Deno and on Bun (tests/package/*_example.ts).
//  1. `deno publish --dry-run` must succeed without warnings; its file list is what JSR gets.
//  2. Deno: those files copied to a scratch directory, a project whose deno.json import map sends
//     `@weft/weft/<entry>` there (what `deno add jsr:@weft/weft` gives).
//     The zmq and sp examples must not load @bufbuild/protobuf (only nano's serializer needs it).
//  3. Bun: the same files laid out as JSR's npm tarball (package.json `@jsr/weft__weft`, its
//     "exports" and "dependencies"), installed by `bun install` from a `file:` dependency under
//     the `@weft/weft` alias (what `bunx jsr add @weft/weft` gives).
// Prints one line per step and `check:package: N ok, N failed`; exits 1 on any failure.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  BUN,
  DENO,
  makeBunProject,
  makeDenoProject,
  makeNpmLayout,
  ROOT,
  run,
} from "./scratch_project.mjs";

const EXAMPLES = join(ROOT, "tests/package");
const scratch = mkdtempSync(join(tmpdir(), "weft-package-"));
let ok = 0;
let failed = 0;

function report(what, r, expect) {
  const good = r.code === 0 && (!expect || r.stdout.includes(expect));
  console.log(`${good ? "ok  " : "FAIL"} ${what} (${r.ms} ms)`);
  if (!good) {
    failed++;
    const why = r.timedOut ? "timed out" : `exit ${r.code}`;
    console.log(`     ${why}\n${indent(r.stderr + r.stdout)}`);
  } else ok++;
  return good;
}
const indent = (s) => s.trim().split("\n").slice(-30).map((l) => `     | ${l}`).join("\n");

try {
  const dry = await run(DENO, ["publish", "--dry-run", "--allow-dirty"], { timeoutMs: 180_000 });
  const warned = /warning/i.test(dry.stderr + dry.stdout);
  report("deno publish --dry-run (no warnings)", warned ? { ...dry, code: 1 } : dry);
  const files = [...(dry.stdout + dry.stderr).matchAll(/file:\/\/(\S+)/g)]
    .map((m) => relative(ROOT, m[1]))
    .filter((f) => f && !f.startsWith(".."));
  console.log(`     ${files.length} files published`);

  const denoProject = join(scratch, "deno-app");
  const bunProject = join(scratch, "bun-app");
  const pkg = join(denoProject, "vendor/weft");
  const npm = join(scratch, "npm");
  makeNpmLayout(pkg, files);
  makeNpmLayout(npm, files);
  makeDenoProject(denoProject, pkg);
  let bunReady = true;
  try {
    await makeBunProject(bunProject, npm, { install: true });
    console.log(`ok   bun install (file: dependency on the npm layout)`);
    ok++;
  } catch (e) {
    console.log(`FAIL bun install\n${indent(e.message)}`);
    failed++;
    bunReady = false;
  }

  for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith("_example.ts")).sort()) {
    const family = name.replace("_example.ts", "");
    const src = join(EXAMPLES, name);
    const expect = `${family}: `;
    copyFileSync(src, join(denoProject, name));
    copyFileSync(src, join(bunProject, name));
    const env = { DENO_DIR: join(scratch, "deno-dir") }; // an empty cache: nothing downloaded
    const checked = await run(DENO, ["check", name], { cwd: denoProject, env, timeoutMs: 120_000 });
    if (report(`deno check ${family}`, checked)) {
      report(
        `deno run ${family}`,
        await run(DENO, ["run", "-A", name], { cwd: denoProject, env }),
        expect,
      );
    }
    if (family !== "nano") {
      // A ZeroMQ or SP user must not need protobuf-es (only nano's serializer imports it).
      const info = await run(DENO, ["info", name], { cwd: denoProject, env });
      const pulls = /bufbuild/.test(info.stdout);
      report(`${family} without @bufbuild/protobuf`, pulls ? { ...info, code: 1 } : info);
    }
    if (bunReady) {
      report(`bun ${family}`, await run(BUN, [name], { cwd: bunProject }), expect);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`check:package: ${ok} ok, ${failed} failed`);
process.exit(failed ? 1 : 0);
