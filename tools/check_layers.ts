/**
 * The layer check (house rules 1 and the dependency rule), run by the test command:
 *  - `Deno.*` / `Bun.*` appear only under src/transport/deno/, src/transport/bun/ and src/cli/;
 *  - nothing under src/patterns, src/protocol, src/codec, src/core or src/nano (but the client's
 *    runtime wiring) imports a concrete transport: only the transport-neutral contract
 *    (src/transport/types.ts, src/transport/shared_message.ts); entry files wire transports in.
 * Test files (`*_test.ts`) are exempt: they may start real peers.
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const RUNTIME_OK = /^src\/(transport\/(deno|bun)|cli)\//;
const NO_TRANSPORT =
  /^src\/(patterns|protocol|codec|core|nano\/(?!client\/runtime_connectors\.ts))/;
const NEUTRAL = /^src\/transport\/(types|shared_message)\.ts$/;
const RUNTIME_USE = /\b(Deno|Bun)\.[a-zA-Z]/;
const IMPORT =
  /(?:^|\s)(?:import|export)\b[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']/g;

async function* walk(dir: URL, rel: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = rel + entry.name;
    if (entry.isDirectory) yield* walk(new URL(entry.name + "/", dir), path + "/");
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of spec.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  return parts.join("/");
}

const problems: string[] = [];
let files = 0;
for await (const path of walk(new URL("src/", ROOT), "src/")) {
  files++;
  const text = await Deno.readTextFile(new URL(path, ROOT));
  if (!RUNTIME_OK.test(path)) {
    text.split("\n").forEach((line, i) => {
      if (RUNTIME_USE.test(line)) {
        problems.push(`${path}:${i + 1}: names Deno.*/Bun.* outside src/transport/{deno,bun}`);
      }
    });
  }
  if (NO_TRANSPORT.test(path)) {
    // Only code counts as a dependency: doc-comment examples may show how to wire transports.
    const code = text.split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
    for (const m of code.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? "";
      if (!spec.startsWith(".")) continue;
      const target = resolve(path, spec);
      if (target.startsWith("src/transport/") && !NEUTRAL.test(target)) {
        problems.push(`${path}: imports the transport ${target} (only the neutral contract)`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`layer check: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  Deno.exit(1);
}
console.log(`layer check: ${files} files, runtime use and imports are in their layers`);
