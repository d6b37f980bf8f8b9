/**
 * Public examples import weft as a user would (`deno task doc:imports`, part of
 * `deno task checks`).
 *
 * The rule: every `@example` that `deno doc` shows for a package entry (each path in deno.json's
 * `exports`: the entry's module doc, every symbol it exports, their members) imports weft only
 * through the package's own specifiers (`@weft/weft`, `@weft/weft/zmq`, …), never a relative or
 * file path (`./registry.ts`, `../../transport/inproc/inproc.ts`), which a user cannot write.
 * `deno test --doc` resolves `@weft/weft/…` to this checkout (deno.json's `name` and `exports`).
 * Examples on internal modules (not reachable from an entry) are not shown by `deno doc` and keep
 * their relative imports.
 *
 * The set of public symbols comes from `deno doc --json <entry>`, so re-exports are followed
 * exactly as the published docs follow them.
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
const entries: string[] = Object.values(config.exports as Record<string, string>);

/** Import specifiers in a code block: `from "x"`, `import "x"`, `import("x")`. */
const SPECIFIER = /\bfrom\s+["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g;
const isInternal = (specifier: string) => /^(\.{1,2}\/|\/|file:)/.test(specifier);

interface Found {
  where: string;
  specifier: string;
}

/** Walks `deno doc --json` output: every jsDoc (and module doc) with its nearest location. */
function walk(node: unknown, where: string, found: Found[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, where, found);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  const location = record.location as { filename?: string; line?: number } | undefined;
  if (location?.filename) {
    where = `${location.filename.replace(ROOT.href, "")}:${location.line ?? 0}`;
  }
  const doc = (record.jsDoc ?? record.module_doc) as { tags?: { kind: string; doc?: string }[] };
  for (const tag of doc?.tags ?? []) {
    if (tag.kind !== "example" || !tag.doc) continue;
    for (const match of tag.doc.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2]!;
      if (isInternal(specifier)) found.push({ where, specifier });
    }
  }
  for (const value of Object.values(record)) walk(value, where, found);
}

const found: Found[] = [];
for (const entry of entries) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
    stderr: "inherit",
  }).output();
  if (!out.success) Deno.exit(1);
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  walk(json.nodes ?? json, `${entry}:1`, found);
}

const unique = [...new Map(found.map((f) => [`${f.where} ${f.specifier}`, f])).values()];
if (unique.length > 0) {
  for (const { where, specifier } of unique) {
    console.error(`${where}: example imports "${specifier}"; a user writes "@weft/weft/…"`);
  }
  console.error(
    `check_doc_imports: ${unique.length} public example import(s) use an internal path`,
  );
  Deno.exit(1);
}
console.log(`check_doc_imports: public examples of ${entries.length} entries import @weft/weft/…`);
