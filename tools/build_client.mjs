#!/usr/bin/env node
// Bundles weft/nano/client (src/nano_client.ts) into one browser ES module with esbuild:
// dist/weft-nano-client.js (or the path given as the first argument). The wasm codec travels
// inside as base64 and is instantiated synchronously, so the file needs nothing else.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

const ESBUILD = "./node_modules/.bin/esbuild";
const outfile = process.argv[2] ?? "dist/weft-nano-client.js";
mkdirSync(dirname(outfile), { recursive: true });
const result = spawnSync(ESBUILD, [
  "src/nano_client.ts",
  "--bundle",
  "--format=esm",
  "--platform=browser",
  "--target=es2022",
  "--minify-syntax",
  `--outfile=${outfile}`,
  "--log-level=warning",
], { stdio: "inherit" });
if (result.error) {
  console.error(
    `build_client: could not run ${ESBUILD} (${result.error.message}); run npm ci first`,
  );
  process.exit(1);
}
if (result.status === 0) console.log(`build_client: wrote ${outfile}`);
process.exit(result.status ?? 1);
