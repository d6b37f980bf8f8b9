#!/usr/bin/env node
// Makes `npm test` self-sufficient on a fresh clone: runs `npm ci` when node_modules is
// missing or older than package-lock.json. Only the pinned npm devDependencies are used;
// nothing is installed globally.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale = !existsSync(marker) ||
  statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs;
if (stale) {
  console.error("weft: installing the pinned toolchain (npm ci)…");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
