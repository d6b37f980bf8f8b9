#!/usr/bin/env node
// Coverage-guided fuzzing with Jazzer.js (libFuzzer on Node) over the runtime-free decoders:
// `node tools/jazzer.mjs [--seconds N]`. Installs @jazzer.js/core (pinned; its npm package
// carries prebuilt libFuzzer addons for linux/darwin/win32) into bench/.out/jazzer on first
// use, bundles tests/fuzz/jazzer/target.ts to CommonJS with esbuild, and runs it; findings
// land in bench/.out/jazzer/ as crash-* files (libFuzzer's format).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const JAZZER = "@jazzer.js/core@4.0.0";
const dir = "bench/.out/jazzer";
const argv = process.argv.slice(2);
const at = argv.indexOf("--seconds");
const seconds = at >= 0 ? Number(argv[at + 1]) : 60;

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0 && !opts.allowFail) process.exit(r.status ?? 1);
  return r.status;
};

mkdirSync(`${dir}/corpus`, { recursive: true });
if (!existsSync(`${dir}/node_modules/@jazzer.js/core`)) {
  run("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", JAZZER]);
}
const env = { ...process.env, ...compatibility() };
run("./node_modules/.bin/esbuild", [
  "tests/fuzz/jazzer/target.ts",
  "--bundle",
  "--format=cjs",
  "--platform=node",
  `--outfile=${dir}/target.cjs`,
  "--log-level=warning",
]);
const code = run(
  "node",
  [
    `${dir}/node_modules/@jazzer.js/core/dist/cli.js`,
    `${dir}/target.cjs`,
    `${dir}/corpus`,
    "--sync",
    "--",
    `-max_total_time=${seconds}`,
    `-artifact_prefix=${dir}/`,
    "-print_final_stats=1",
  ],
  { allowFail: true, env },
);
process.exit(code ?? 1);

/**
 * The linux-x64 addon of @jazzer.js/core 4.0.0 is built against glibc 2.38 and GCC 13, and uses
 * only three symbols newer than glibc 2.36 / GCC 12 (Debian 12): `__isoc23_strtol`,
 * `__isoc23_strtoul` (C23's strtol) and `std::ios_base_library_init`. Where it does not load, this
 * renames its two version needs (GLIBC_2.38 → 2.34, GLIBCXX_3.4.32 → 3.4.30, which this libc and
 * libstdc++ have) in a copy of the addon, and preloads a shim defining the three symbols (built
 * with g++). Returns the environment to run Jazzer with.
 */
function compatibility() {
  const addon = `${dir}/node_modules/@jazzer.js/fuzzer/prebuilds/fuzzer-linux-x64.node`;
  const shim = resolve(`${dir}/glibc236_shim.so`);
  const loads = (env) =>
    spawnSync("node", ["-e", `require(${JSON.stringify(resolve(addon))})`], {
      // Bind every symbol now: a missing one would otherwise only fail when first called.
      env: { ...process.env, LD_BIND_NOW: "1", ...env },
    });
  if (process.platform !== "linux" || process.arch !== "x64" || !existsSync(addon)) return {};
  if (loads({}).status === 0) return {};
  if (!existsSync(`${addon}.orig`)) copyFileSync(addon, `${addon}.orig`);
  const elf = readFileSync(`${addon}.orig`);
  renameVersionNeeds(elf, { "GLIBC_2.38": "GLIBC_2.34", "GLIBCXX_3.4.32": "GLIBCXX_3.4.30" });
  writeFileSync(addon, elf);
  writeFileSync(
    `${dir}/glibc236_shim.cc`,
    `#include <cstdlib>
#include <ios>
extern "C" long __isoc23_strtol(const char* s, char** e, int b) { return std::strtol(s, e, b); }
extern "C" unsigned long __isoc23_strtoul(const char* s, char** e, int b) {
  return std::strtoul(s, e, b);
}
namespace std { void ios_base_library_init() {} }
static std::ios_base::Init init;
`,
  );
  run("g++", ["-shared", "-fPIC", "-O2", "-o", shim, `${dir}/glibc236_shim.cc`]);
  const env = { LD_PRELOAD: shim };
  const check = loads(env);
  if (check.status !== 0) {
    console.error(`the Jazzer.js addon does not load, even shimmed:\n${check.stderr}`);
    process.exit(1);
  }
  console.log("jazzer: addon patched for glibc < 2.38 (see compatibility() in tools/jazzer.mjs)");
  return env;
}

/** Renames version needs (`.gnu.version_r` entries) of an ELF64 little-endian file in place. */
function renameVersionNeeds(elf, renames) {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const [entsize, count] = [elf.readUInt16LE(0x3a), elf.readUInt16LE(0x3c)];
  const section = (i) => {
    const at = shoff + i * entsize;
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      link: elf.readUInt32LE(at + 40),
    };
  };
  const elfHash = (name) => {
    let h = 0;
    for (const c of Buffer.from(name)) {
      h = ((h << 4) + c) >>> 0;
      const g = h & 0xf0000000;
      if (g) h ^= g >>> 24;
      h = (h & ~g) >>> 0;
    }
    return h;
  };
  for (let i = 0; i < count; i++) {
    const s = section(i);
    if (s.type !== 0x6ffffffe) continue; // SHT_GNU_verneed
    const strings = section(s.link).offset;
    for (let need = s.offset, next = 1; next !== 0; need += next) {
      next = elf.readUInt32LE(need + 12);
      let aux = need + elf.readUInt32LE(need + 8);
      for (let n = elf.readUInt16LE(need + 2); n > 0; n--) {
        const at = strings + elf.readUInt32LE(aux + 8);
        const name = elf.toString("latin1", at, elf.indexOf(0, at));
        const to = renames[name];
        if (to !== undefined && to.length === name.length) {
          elf.write(to, at, "latin1");
          elf.writeUInt32LE(elfHash(to), aux);
        }
        aux += elf.readUInt32LE(aux + 12);
      }
    }
  }
}
