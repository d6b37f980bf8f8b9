// One browser ES module from one entry with the pinned esbuild (node_modules/.bin/esbuild): what
// build_client.mjs and build_zmq_browser.mjs share. The wasm codec travels inside as base64.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

const ESBUILD = "./node_modules/.bin/esbuild";

/** Bundles `entry` into `outfile`; exits the process with esbuild's status. */
export function bundle(tool, entry, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = spawnSync(ESBUILD, [
    entry,
    "--bundle",
    "--format=esm",
    "--platform=browser",
    "--target=es2022",
    "--minify-syntax",
    `--outfile=${outfile}`,
    "--log-level=warning",
  ], { stdio: "inherit" });
  if (result.error) {
    console.error(`${tool}: could not run ${ESBUILD} (${result.error.message}); run npm ci first`);
    process.exit(1);
  }
  if (result.status === 0) console.log(`${tool}: wrote ${outfile}`);
  process.exit(result.status ?? 1);
}
