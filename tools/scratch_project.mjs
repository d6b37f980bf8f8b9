// Scratch projects that import weft the way a user does, `@weft/weft/<entry>`, shared by
// tools/docs_check.mjs (every README/docs example) and tools/check_package.mjs (the packed
// package). A Deno project gets an import map (deno.json); a Bun project gets
// node_modules/@weft/weft laid out as JSR's npm tarball is: package.json named
// `@jsr/weft__weft` with "exports" and "dependencies", installed under the `@weft/weft` alias.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DENO = join(ROOT, "node_modules/deno/deno");
export const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");

/** deno.json: the package name, version, exports and npm dependencies (from its imports). */
export function packageManifest() {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const npmDeps = {};
  for (const [name, target] of Object.entries(deno.imports ?? {})) {
    // "npm:name@1.2.3", or the folder mapping "name/" → "npm:/name@1.2.3/".
    const m = /^npm:\/?(@?[^@]+)@([^/]+)\/?$/.exec(target);
    if (m) npmDeps[name.replace(/\/$/, "")] = m[2];
  }
  return { name: deno.name, version: deno.version, exports: deno.exports, npmDeps };
}

/** `@weft/weft` + "./zmq" → `@weft/weft/zmq`. */
const specifier = (name, key) => (key === "." ? name : `${name}/${key.slice(2)}`);

/**
 * A Deno project in `dir` whose import map sends every `@weft/weft/<entry>` to the files under
 * `pkgDir`, and weft's own npm dependencies to `npm:` through a node_modules that links the
 * checkout's copies (offline: nothing is downloaded). A `pkgDir` outside the checkout must be
 * inside `dir`, so that its bare imports find that node_modules.
 */
export function makeDenoProject(dir, pkgDir) {
  const { name, exports, npmDeps } = packageManifest();
  mkdirSync(dir, { recursive: true });
  const imports = {};
  for (const [key, file] of Object.entries(exports)) {
    imports[specifier(name, key)] = join(pkgDir, file);
  }
  for (const [dep, version] of Object.entries(npmDeps)) {
    imports[dep] = `npm:${dep}@${version}`;
    imports[`${dep}/`] = `npm:/${dep}@${version}/`;
  }
  writeFileSync(
    join(dir, "deno.json"),
    JSON.stringify({ imports, nodeModulesDir: "manual" }, null, 2),
  );
  // Deno type-checks node: imports against @types/node, which it must find there too.
  linkNpmDeps(dir, { ...npmDeps, "@types/node": "*" });
}

/**
 * The directory JSR's npm compatibility layer would publish: package.json named
 * `@jsr/<scope>__<name>` with "exports" (TypeScript files: Bun runs them as they are) and the
 * npm "dependencies" Bun must install beside it. `files` are the paths to copy from the checkout
 * (the `deno publish --dry-run` list); without them the directory links mod.ts and src/.
 */
export function makeNpmLayout(dir, files) {
  const { name, version, exports, npmDeps } = packageManifest();
  mkdirSync(dir, { recursive: true });
  const [scope, bare] = name.slice(1).split("/");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: `@jsr/${scope}__${bare}`,
        version,
        type: "module",
        exports,
        dependencies: npmDeps,
      },
      null,
      2,
    ),
  );
  if (files) {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
  } else {
    symlinkSync(join(ROOT, "mod.ts"), join(dir, "mod.ts"));
    symlinkSync(join(ROOT, "src"), join(dir, "src"));
  }
}

/**
 * A Bun project in `dir` with the npm layout at `npmDir` installed as `@weft/weft` (what
 * `bunx jsr add @weft/weft` does: the `npm:@jsr/weft__weft` alias). With `install`, `bun install`
 * installs it from a `file:` dependency (and its npm dependencies from the registry or Bun's
 * cache); without, node_modules is laid out by hand from the checkout's copies (offline).
 */
export async function makeBunProject(dir, npmDir, { install = false } = {}) {
  const { name, npmDeps } = packageManifest();
  mkdirSync(dir, { recursive: true });
  const deps = install ? { [name]: `file:${npmDir}` } : {};
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module", dependencies: deps }, null, 2),
  );
  if (install) {
    const r = await run(BUN, ["install", "--no-progress"], { cwd: dir, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`bun install failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return;
  }
  mkdirSync(join(dir, "node_modules", dirname(name)), { recursive: true });
  symlinkSync(npmDir, join(dir, "node_modules", name));
  linkNpmDeps(dir, npmDeps);
}

/** node_modules/<dep> → the checkout's installed copy, for each npm dependency. */
function linkNpmDeps(dir, npmDeps) {
  for (const dep of Object.keys(npmDeps)) {
    const to = join(dir, "node_modules", dep);
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", dep), to);
  }
}

/**
 * Runs a command in a process group of its own; resolves with its exit code (null when killed
 * at `timeoutMs`), output and duration. When it exits, what it left running is killed. `onSpawn(child)` sees the process (servers are killed by the caller).
 */
export function run(cmd, args, { cwd = ROOT, timeoutMs = 30_000, env, onSpawn } = {}) {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on("error", (e) => (stderr += String(e)));
    // Whatever it left running in the background (a shell's `&` peers) goes with it.
    child.on("exit", () => killGroup(child));
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: timedOut ? null : code, stdout, stderr, ms: Date.now() - t0, timedOut });
    });
  });
}

/** Kills a process started by `run` and everything it started (its own process group). */
export function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
