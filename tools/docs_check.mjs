#!/usr/bin/env node
// `npm run docs:check`: every example in README.md and docs/*.md runs as documented.
//
// Fenced blocks, by their info string:
//   ```ts / ```js            written to a scratch project that imports weft as a user does
//                            (`@weft/weft/<entry>`: an import map on Deno, node_modules/@weft/weft
//                            on Bun), type-checked with `deno check`, then run on Deno and on Bun;
//                            it must exit 0 within the timeout, and print what its comments
//                            say: `console.log(…); // X` means X must appear in its output.
//   ```ts ignore             a fragment: not run (counted as ignored).
//   ```ts server port=N      runs until killed: started, checked by a TCP connection to port N and
//                            by the ```ts client blocks that follow it in the same file, then
//                            killed.
//   ```ts client             run while the file's last server block is up.
//   ```sh                    a shell script: `weft` is the command from this checkout (src/cli/
//                            main.ts on Deno, then on Bun); lines ending in `&` start peers (killed
//                            at the end); it must exit 0. Real peers (nngcat, python3) are used
//                            where a block names them.
//   ```sh ignore             not run (installs, interactive sessions, commands that run forever).
//   anything else            (text, json, …) not an example.
// Options: file paths to check only those; `--only deno|bun`; `--timeout MS` (default 30000).
// Prints one line per block and runtime (file:line runtime ok/FAIL ms), the failures' output,
// and `docs:check: N ok, N failed, N ignored`; exits 1 on any failure.
import { createConnection } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  BUN,
  DENO,
  killGroup,
  makeBunProject,
  makeDenoProject,
  makeNpmLayout,
  ROOT,
  run,
} from "./scratch_project.mjs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, v] = args.splice(i, 2);
  return v;
};
const only = flag("--only");
const TIMEOUT = Number(flag("--timeout") ?? 30_000);
const RUNTIMES = ["deno", "bun"].filter((r) => !only || r === only);
const files = args.length ? args : [
  "README.md",
  ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) =>
    `docs/${f}`
  ),
];

/** The fenced blocks of a markdown file: `{ file, line, lang, attrs, code }`. */
function blocks(file) {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)?\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const attrs = Object.fromEntries(
      (open[2] ?? "").split(/\s+/).filter(Boolean).map((a) => {
        const [k, v] = a.split("=");
        return [k, v ?? true];
      }),
    );
    out.push({ file, line: start + 1, lang: open[1] ?? "", attrs, code: body.join("\n") + "\n" });
  }
  return out;
}

const TS = new Set(["ts", "typescript", "js", "javascript"]);
const SH = new Set(["sh", "bash", "shell"]);

const scratch = mkdtempSync(join(tmpdir(), "weft-docs-"));
const denoDir = join(scratch, "deno-app");
const bunDir = join(scratch, "bun-app");
makeDenoProject(denoDir, ROOT);
makeNpmLayout(join(scratch, "npm"));
await makeBunProject(bunDir, join(scratch, "npm"));
// The examples' TLS files, made once (a self-signed certificate for localhost and 127.0.0.1).
const tlsReady = makeCertificates();

let ok = 0;
let failed = 0;
let ignored = 0;
const failures = [];

/** What a block says it prints: the `// X` after each `console.log(…);` line. */
function expected(b) {
  if (!b.code) return [];
  return [...b.code.matchAll(/console\.log\(.*\);\s*\/\/\s*(.+)$/gm)].map((m) => m[1].trim());
}

function record(b, runtime, r, note = "") {
  const missing = r.code === 0 ? expected(b).filter((x) => !r.stdout.includes(x)) : [];
  if (missing.length) {
    r = { ...r, code: 1, stderr: `${r.stderr}\nexpected in the output: ${missing.join(" | ")}` };
  }
  const good = r.code === 0;
  const where = `${b.file}:${b.line}`;
  console.log(
    `${where.padEnd(22)} ${runtime.padEnd(5)} ${good ? "ok  " : "FAIL"} ${r.ms} ms${note}`,
  );
  if (good) ok++;
  else {
    failed++;
    const why = r.timedOut ? `no exit after ${TIMEOUT} ms` : `exit ${r.code}`;
    failures.push(`${where} ${runtime}: ${why}\n${tail(r.stderr + "\n" + r.stdout)}`);
  }
  return good;
}
const tail = (s) => s.trim().split("\n").slice(-25).map((l) => `  | ${l}`).join("\n");

/** Resolves true once something accepts TCP connections on `port` (within `ms`). */
async function portOpen(port, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise((res) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.destroy();
        res(true);
      });
      s.on("error", () => res(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const command = (runtime, file) => runtime === "deno" ? [DENO, ["run", "-A", file]] : [BUN, [file]];
const projectDir = (runtime) => (runtime === "deno" ? denoDir : bunDir);

/** Writes a TS/JS block into both projects under one name; returns the name. */
function writeBlock(b) {
  const ext = b.lang.startsWith("j") ? "js" : "ts";
  const name = `${basename(b.file, ".md")}_${b.line}.${ext}`;
  for (const dir of [denoDir, bunDir]) writeFileSync(join(dir, name), b.code);
  return name;
}

async function checkTypes(bs) {
  // One `deno check` for every block; on failure each is checked alone to name the culprit.
  const names = bs.map((b) => b.name);
  const all = await run(DENO, ["check", ...names], { cwd: denoDir, timeoutMs: 300_000 });
  if (all.code === 0) return new Set();
  const bad = new Set();
  for (const b of bs) {
    const one = await run(DENO, ["check", b.name], { cwd: denoDir, timeoutMs: 120_000 });
    if (one.code !== 0) {
      bad.add(b);
      record(b, "check", one);
    }
  }
  if (bad.size === 0) record({ file: "(all blocks)", line: 0 }, "check", all);
  return bad;
}

async function runScript(b, runtime) {
  const [cmd, argv] = command(runtime, b.name);
  return await run(cmd, argv, { cwd: projectDir(runtime), timeoutMs: TIMEOUT });
}

async function runServer(b, clients, runtime) {
  const [cmd, argv] = command(runtime, b.name);
  let child;
  const exited = run(cmd, argv, {
    cwd: projectDir(runtime),
    timeoutMs: TIMEOUT * 2,
    onSpawn: (c) => (child = c),
  });
  const port = Number(b.attrs.port);
  const t0 = Date.now();
  const up = await Promise.race([portOpen(port, TIMEOUT), exited.then(() => false)]);
  let good = up;
  const results = [];
  if (up) {
    for (const c of clients) {
      const r = await runScript(c, runtime);
      results.push([c, r]);
      if (r.code !== 0) good = false;
    }
  }
  killGroup(child);
  const r = await exited;
  const note = up ? ` (listening on ${port}, ${clients.length} client(s))` : "";
  record(b, runtime, { ...r, code: good ? 0 : (r.code ?? 1), ms: Date.now() - t0 }, note);
  for (const [c, cr] of results) record(c, runtime, cr, ` (client of ${b.file}:${b.line})`);
}

async function runShell(b, runtime) {
  const weft = runtime === "deno"
    ? `"${DENO}" run -A "${ROOT}/src/cli/main.ts"`
    : `"${BUN}" "${ROOT}/src/cli/main.ts"`;
  const script = [
    "set -e",
    `weft() { ${weft} "$@"; }`,
    b.code,
  ].join("\n");
  return await run("bash", ["-c", script], { cwd: scratch, timeoutMs: TIMEOUT });
}

/** Writes cert.pem, key.pem (localhost, 127.0.0.1; not a CA) into both projects. */
async function makeCertificates() {
  const r = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-keyout",
    join(denoDir, "key.pem"),
    "-out",
    join(denoDir, "cert.pem"),
  ], { cwd: scratch });
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  for (const f of ["cert.pem", "key.pem"]) {
    writeFileSync(join(bunDir, f), readFileSync(join(denoDir, f)));
  }
}

try {
  await tlsReady;
  const all = files.flatMap(blocks);
  const code = all.filter((b) => TS.has(b.lang) && !b.attrs.ignore);
  for (const b of all) {
    if ((TS.has(b.lang) || SH.has(b.lang)) && b.attrs.ignore) {
      ignored++;
      console.log(`${`${b.file}:${b.line}`.padEnd(22)} -     ignored (${b.lang} ignore)`);
    }
  }
  for (const b of code) b.name = writeBlock(b);
  console.log(`docs:check: ${code.length} TS/JS blocks in ${files.length} files; deno check…`);
  const t0 = Date.now();
  const badTypes = await checkTypes(code);
  console.log(`docs:check: types checked in ${Date.now() - t0} ms`);

  for (const file of files) {
    const own = all.filter((b) => b.file === file);
    for (let i = 0; i < own.length; i++) {
      const b = own[i];
      if (b.attrs.ignore || badTypes.has(b)) continue;
      if (TS.has(b.lang) && b.attrs.server) {
        const clients = [];
        for (let j = i + 1; j < own.length && own[j].attrs.client; j++) clients.push(own[j]);
        for (const rt of RUNTIMES) {
          await runServer(b, clients.filter((c) => !badTypes.has(c)), rt);
        }
        i += clients.length;
      } else if (TS.has(b.lang)) {
        for (const rt of RUNTIMES) record(b, rt, await runScript(b, rt));
      } else if (SH.has(b.lang)) {
        for (const rt of RUNTIMES) record(b, rt, await runShell(b, rt), " (sh)");
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

for (const f of failures) console.log(`\n${f}`);
console.log(`\ndocs:check: ${ok} ok, ${failed} failed, ${ignored} ignored`);
process.exit(failed ? 1 : 0);
