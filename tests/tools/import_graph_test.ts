// The import-graph reader behind `deno task layers`: what counts as an import (code, not doc
// examples or strings), its line, type-only imports, and the cycle it reports.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { blank, cyclesOf, importsOf } from "../../tools/import_graph.ts";

describe("tools/import_graph", () => {
  test("code imports with their lines; doc examples and strings are not imports", () => {
    const text = [
      "/**",
      " * @example",
      ' * import { App } from "../nano.ts";',
      " */",
      'import { a } from "./a.ts";',
      'import type { B } from "./b.ts";',
      'export * from "./c.ts";',
      'const s = \'import { x } from "./not.ts"\'; // import "./nor.ts"',
      'const re = /"/g; await import("./d.ts");',
    ].join("\n");
    assert.deepEqual(importsOf(text), [
      { specifier: "./a.ts", line: 5, typeOnly: false, dynamic: false },
      { specifier: "./b.ts", line: 6, typeOnly: true, dynamic: false },
      { specifier: "./c.ts", line: 7, typeOnly: false, dynamic: false },
      { specifier: "./d.ts", line: 9, typeOnly: false, dynamic: true }, // loaded when run
    ]);
  });

  test("blanking strings hides runtime names inside them and inside templates", () => {
    const code = blank('const a = `Deno.${Bun.version}`; const b = "Deno.exit";', {
      strings: true,
    });
    assert.doesNotMatch(code, /Deno\./);
    assert.match(code, /Bun\.version/);
  });

  test("a cycle is reported as a path back to its first file", () => {
    const graph = new Map([
      ["a.ts", new Set(["b.ts"])],
      ["b.ts", new Set(["c.ts"])],
      ["c.ts", new Set(["a.ts"])],
      ["d.ts", new Set(["a.ts"])],
    ]);
    assert.deepEqual(cyclesOf(graph), [
      { files: ["a.ts", "b.ts", "c.ts"], path: ["a.ts", "b.ts", "c.ts", "a.ts"] },
    ]);
  });
});
