/**
 * The version in one place (`deno task version`, part of `deno task checks`): deno.json's
 * `version` is the source (JSR publishes it). package.json must say the same, src/version.ts
 * must be the file generated from it (`deno task version --write` regenerates it), and no other
 * code under src/ may write the version as a literal: it imports `VERSION` from src/version.ts.
 * @module
 */

import { blank } from "./import_graph.ts";

/** Files that may still write the version literally (none: import VERSION from src/version.ts). */
const PENDING_LITERALS: string[] = [];

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

const version: string = JSON.parse(await read("deno.json")).version;
const generated = `/**
 * weft's version, written once: deno.json's \`version\` (what JSR publishes) copied here by
 * \`deno task version --write\`; \`deno task version\` fails if this file or package.json differs.
 * @module
 */

/**
 * weft's version (semver), as published.
 *
 * @example
 * \`\`\`ts
 * import { VERSION } from "./version.ts";
 * console.log(\`weft \${VERSION}\`); // what \`weft --version\` prints
 * \`\`\`
 */
export const VERSION = ${JSON.stringify(version)};
`;

if (Deno.args.includes("--write")) {
  await Deno.writeTextFile(new URL("src/version.ts", ROOT), generated);
  const pkg = JSON.parse(await read("package.json"));
  if (pkg.version !== version) {
    pkg.version = version;
    await Deno.writeTextFile(new URL("package.json", ROOT), JSON.stringify(pkg, null, 2) + "\n");
  }
  console.log(`version: wrote ${version} to src/version.ts and package.json`);
  Deno.exit(0);
}

const problems: string[] = [];
const pkgVersion = JSON.parse(await read("package.json")).version;
if (pkgVersion !== version) {
  problems.push(`package.json says ${pkgVersion}, deno.json ${version}`);
}
if ((await read("src/version.ts").catch(() => "")) !== generated) {
  problems.push(`src/version.ts is not generated from deno.json's ${version}`);
}

async function* walk(dir: URL, rel: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = rel + entry.name;
    if (entry.isDirectory) yield* walk(new URL(entry.name + "/", dir), path + "/");
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

const literal = JSON.stringify(version);
for await (const path of walk(new URL("src/", ROOT), "src/")) {
  if (path === "src/version.ts") continue;
  const code = blank(await read(path));
  if (PENDING_LITERALS.includes(path)) {
    if (!code.includes(literal)) {
      problems.push(`${path}: its version literal is not ${literal} (import VERSION instead)`);
    }
  } else {
    code.split("\n").forEach((line, i) => {
      if (line.includes(literal)) {
        problems.push(`${path}:${i + 1}: writes the version; import VERSION from src/version.ts`);
      }
    });
  }
}

if (problems.length > 0) {
  console.error(`version check: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  console.error("  (deno.json is the source; `deno task version --write` regenerates the rest)");
  Deno.exit(1);
}
console.log(`version check: ${version} in deno.json, package.json and src/version.ts`);
