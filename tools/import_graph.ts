/**
 * Reads a TypeScript file's import graph without a compiler: a small lexer blanks comments (so
 * doc-comment examples are not dependencies) and string contents (so text is not code);
 * then every `import … from`, `export … from`, side-effect `import "…"` and literal `import("…")`
 * is an edge with its line. Pure (text in, edges out), so it runs under Deno and Bun alike.
 * @module
 */

/** One import or re-export of a file. */
export interface ImportEdge {
  /** The specifier as written (`./x.ts`, `node:fs`, `npm:…`). */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** `import type` / `export type`: erased at runtime, still a dependency for cycles. */
  typeOnly: boolean;
  /** `import("…")`: loaded only when that code runs. */
  dynamic: boolean;
}

/** The text with comments (and, if asked, string contents) replaced by spaces; lines are kept. */
export function blank(text: string, options: { strings?: boolean } = {}): string {
  const out = text.split("");
  const wipe = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  let i = 0;
  let lastSignificant = ""; // the last non-space code character, to tell a regex from a division
  let lastWord = "";
  const templateDepth: number[] = []; // brace depth at each open `${`, innermost last
  let braces = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      wipe(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      wipe(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      if (options.strings) wipe(i + 1, j);
      i = j + 1;
      lastSignificant = c;
    } else if (c === "`" || (c === "}" && templateDepth.at(-1) === braces)) {
      if (c === "}") {
        templateDepth.pop(); // the `}` closing a `${`: the template text goes on
        braces--;
      }
      let j = i + 1;
      while (j < n && text[j] !== "`" && !(text[j] === "$" && text[j + 1] === "{")) {
        j += text[j] === "\\" ? 2 : 1;
      }
      if (options.strings) wipe(i + 1, j);
      if (text[j] === "$") {
        braces++;
        templateDepth.push(braces);
        i = j + 2;
        lastSignificant = "{";
      } else {
        i = j + 1;
        lastSignificant = "`";
      }
    } else if (c === "/" && regexMayStart(lastSignificant, lastWord)) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n") {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        else if (text[j] === "/" && !inClass) break;
        j++;
      }
      if (options.strings) wipe(i + 1, j);
      i = j + 1;
      lastSignificant = "/";
    } else {
      if (c === "{") braces++;
      else if (c === "}") braces--;
      if (/[A-Za-z0-9_$]/.test(c)) {
        let j = i;
        while (j < n && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
        lastWord = text.slice(i, j);
        lastSignificant = "a";
        i = j;
        continue;
      }
      if (!/\s/.test(c)) {
        lastSignificant = c;
        lastWord = "";
      }
      i++;
    }
  }
  return out.join("");
}

const REGEX_AFTER_WORD = new Set(["return", "typeof", "case", "do", "else", "in", "of", "void"]);

/** After these a `/` starts a regular expression literal, not a division. */
function regexMayStart(last: string, word: string): boolean {
  if (last === "a") return REGEX_AFTER_WORD.has(word);
  return last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last);
}

// Matched on the text with comments and string contents blanked (so neither can look like an
// import); the specifier is then read from the original text at the same offsets.
const IMPORT_RE =
  /\b(import|export)(\s+type\b)?[^;"'`]*?\bfrom\s*(["'])([^"']*)\3|\bimport\s*(["'])([^"']*)\5|\bimport\s*\(\s*(["'])([^"']*)\7\s*\)/dg;

/** Every import and re-export in `text` (comments and strings ignored), with its line. */
export function importsOf(text: string): ImportEdge[] {
  const code = blank(text, { strings: true });
  const edges: ImportEdge[] = [];
  for (const m of code.matchAll(IMPORT_RE)) {
    const [from, to] = m.indices![4] ?? m.indices![6] ?? m.indices![8]!;
    edges.push({
      specifier: text.slice(from, to),
      line: lineAt(code, from),
      typeOnly: m[2] !== undefined,
      dynamic: m.indices![8] !== undefined,
    });
  }
  return edges;
}

/** 1-based line of offset `at`. */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let k = text.indexOf("\n"); k >= 0 && k < at; k = text.indexOf("\n", k + 1)) line++;
  return line;
}

/** `spec` resolved against the importing file `from` (both repository-relative). */
export function resolveRelative(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of spec.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  return parts.join("/");
}

/** A set of files that import each other, and one cycle through them (a → b → … → a). */
export interface Cycle {
  /** Every file of the strongly connected component, sorted. */
  files: string[];
  /** The shortest cycle through its first file. */
  path: string[];
}

/** One cycle per strongly connected component of more than one file (or a self-import). */
export function cyclesOf(graph: Map<string, Set<string>>): Cycle[] {
  // Tarjan's algorithm, iterative enough for a few hundred files.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return components.map((files) => ({ files, path: cyclePath(graph, files) }));
}

/** A readable cycle through a component: its first file, back to itself (a → b → … → a). */
function cyclePath(graph: Map<string, Set<string>>, component: string[]): string[] {
  const inside = new Set(component);
  const start = component[0]!;
  // Breadth-first from start's successors back to start gives the shortest cycle through it.
  const prev = new Map<string, string>();
  const queue = [...(graph.get(start) ?? [])].filter((w) => inside.has(w)).sort();
  for (const w of queue) prev.set(w, start);
  while (queue.length > 0) {
    const v = queue.shift()!;
    if (v === start) break;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (inside.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const path = [start];
  for (let v = prev.get(start); v !== undefined && v !== start; v = prev.get(v)) path.unshift(v);
  path.unshift(start);
  return path;
}
