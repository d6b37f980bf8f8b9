#!/usr/bin/env node
// `npm run build:cli`: compiles the `weft` command into one self-contained executable,
// dist/weft (or the path given as the first argument), with Bun's --compile.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

const BUN = "./node_modules/bun/bin/bun.exe";
const outfile = process.argv[2] ?? "dist/weft";
mkdirSync(dirname(outfile), { recursive: true });
const result = spawnSync(BUN, ["build", "--compile", "src/cli/main.ts", "--outfile", outfile], {
  stdio: "inherit",
});
if (result.error) {
  console.error(`build:cli: could not run ${BUN} (${result.error.message}); run npm ci first`);
  process.exit(1);
}
process.exit(result.status ?? 1);
