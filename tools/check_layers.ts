/**
 * The import-graph check (`deno task layers`, also run first by `npm test`): reads every
 * import and re-export of the non-test files under src/ (doc-comment examples are not code) and
 * enforces the house's dependency rules. The tables below ARE the rules: adjust them here when
 * the architecture changes, and say why in ARCHITECTURE.md.
 *
 *   transport → codec → protocol → patterns → nano (and the entry points), core usable by all.
 *
 * Test files (`*_test.ts`) are exempt: they may start real peers and reach into any layer.
 * @module
 */

import { blank, cyclesOf, type ImportEdge, importsOf, resolveRelative } from "./import_graph.ts";

/**
 * Layers by path, most specific first: a file belongs to the first layer whose prefix it starts
 * with (a prefix ending in `.ts` names one file).
 */
const LAYERS: readonly (readonly [layer: string, prefix: string])[] = [
  ["version", "src/version.ts"],
  ["transport contract", "src/transport/types.ts"],
  ["transport contract", "src/transport/shared_message.ts"],
  ["transport", "src/transport/"],
  ["core", "src/core/"],
  ["codec", "src/codec/"],
  ["protocol", "src/protocol/"],
  ["patterns", "src/patterns/"],
  ["nano client runtime", "src/nano/client/runtime_connectors.ts"],
  ["nano client", "src/nano/client/"],
  ["nano cluster options", "src/nano/cluster/options.ts"],
  ["nano cluster", "src/nano/cluster/"],
  ["nano", "src/nano/"],
  ["cli", "src/cli/"],
  ["entry", "src/"], // src/zmq.ts, src/sp.ts, src/nano.ts, …: the published entry points
];

const EVERY_LAYER_BELOW_THE_ENTRIES = [
  "nano",
  "nano cluster options",
  "nano client",
  "nano client runtime",
  "patterns",
  "protocol",
  "codec",
  "core",
  "transport",
  "transport contract",
];

/** Layers any layer may import: constants with no imports of their own. */
const SHARED = ["version"];

/** The allowed edges: which layers each layer may import (its own and SHARED always allowed). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  // The contract is types only; it may name core's types (errors, endpoints).
  "transport contract": ["core"],
  // Runtime byte streams: nothing of the messaging layers above.
  "transport": ["transport contract", "core"],
  // Family-neutral machinery; reaches transports only through the contract.
  "core": ["transport contract"],
  // Pure framing (wasm core and its TypeScript wrappers).
  "codec": ["core"],
  // Pure sessions: bytes and time in, frames and events out.
  "protocol": ["core", "codec"],
  // Sockets: sessions over streams given by the contract, never a concrete transport.
  "patterns": ["transport contract", "core", "codec", "protocol"],
  // The nano server: streams through the contract (ws capabilities such as shared frames are on
  // it); the entry src/nano.ts wires the ws front door and the runtime's transports in.
  "nano": [
    "transport contract",
    "core",
    "codec",
    "protocol",
    "patterns",
    "nano cluster options",
    "nano cluster", // only lazily: see LAZY_LAYERS
  ],
  // The cluster: NATS (in nats.ts only) under the nano server's pieces, never app.ts.
  "nano cluster": ["nano", "nano cluster options", "core", "protocol", "transport contract"],
  // The cluster option's names and checks: loaded by every App, so nothing of NATS.
  "nano cluster options": ["nano", "core"],
  // The browser-safe client: no transport, no server.
  "nano client": ["core", "codec", "protocol"],
  // The client's runtime connectors (tcp, ws over the runtime's transports).
  "nano client runtime": ["nano client", "transport contract", "transport", "core", "codec"],
  // The entry points re-export every layer; the command line uses them all.
  "entry": EVERY_LAYER_BELOW_THE_ENTRIES,
  "cli": ["entry", ...EVERY_LAYER_BELOW_THE_ENTRIES],
};

/** Where `node:*` modules may be imported (folders where they are used today). */
const NODE_IMPORTS_OK = ["src/transport/node_net/", "src/transport/bun/", "src/cli/"];

/** Where the runtime globals `Deno.*` / `Bun.*` may be used. */
const RUNTIME_GLOBALS_OK = ["src/transport/deno/", "src/transport/bun/", "src/cli/"];

/** Bare specifiers (from deno.json "imports") that any layer may use. */
// @nats-io/nats-core: the cluster's WebSocket NATS connection (src/nano/cluster/nats_ws.ts).
const PACKAGES_OK = [
  "@bufbuild/protobuf",
  "@nats-io/nats-core",
  "@noble/curves/ed25519.js", // CURVE: X25519
  "@noble/ciphers/salsa.js", // CURVE: HSalsa20, XSalsa20-Poly1305
  "@noble/ciphers/_poly1305.js", // CURVE: Poly1305 for the traffic boxes (PrefixedBoxes)
];

/** Bare specifiers allowed in one file only (the single place that uses them). */
const PACKAGES_IN: Readonly<Record<string, string>> = {
  "@nats-io/transport-node": "src/nano/cluster/nats.ts",
};

/**
 * Layers the others may import only with `import("…")` or `import type`: code a default App
 * must not load (a single-process App never loads NATS).
 */
const LAZY_LAYERS = ["nano cluster"];

/**
 * Entries bundled for browsers: nothing they import, however indirectly, may be a file that uses
 * node:* or Deno/Bun (the folders above) or picks the runtime's transports.
 */
const BROWSER_ENTRIES = ["src/zmq_browser.ts"];
const NOT_IN_BROWSERS = [
  ...NODE_IMPORTS_OK,
  ...RUNTIME_GLOBALS_OK,
  "src/transport/deno/",
  "src/transport/default.ts",
  "src/runtime.ts",
];

/** Import cycles tolerated, each as its set of files (none: add one only with a reason). */
const ALLOWED_CYCLES: readonly (readonly string[])[] = [];

// ── the check ────────────────────────────────────────────────────────────────────────────────

const ROOT = new URL("../", import.meta.url);

function layerOf(path: string): string {
  for (const [layer, prefix] of LAYERS) {
    if (prefix.endsWith(".ts") ? path === prefix : path.startsWith(prefix)) return layer;
  }
  return "outside src";
}

async function* walk(dir: URL, rel: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = rel + entry.name;
    if (entry.isDirectory) yield* walk(new URL(entry.name + "/", dir), path + "/");
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

const problems: string[] = [];
const graph = new Map<string, Set<string>>();
let edges = 0;

function checkEdge(path: string, edge: ImportEdge): void {
  const where = `${path}:${edge.line}`;
  const spec = edge.specifier;
  if (spec.startsWith("node:")) {
    if (!NODE_IMPORTS_OK.some((p) => path.startsWith(p))) {
      problems.push(`${where}: imports ${spec} [node:* only in ${NODE_IMPORTS_OK.join(", ")}]`);
    }
    return;
  }
  if (!spec.startsWith(".")) {
    if (PACKAGES_IN[spec] !== undefined) {
      if (path !== PACKAGES_IN[spec]) {
        problems.push(`${where}: imports ${spec} [only in ${PACKAGES_IN[spec]}]`);
      }
      return;
    }
    if (!PACKAGES_OK.includes(spec)) {
      problems.push(`${where}: imports ${spec} [packages: only ${PACKAGES_OK.join(", ")}]`);
    }
    return;
  }
  const target = resolveRelative(path, spec);
  graph.get(path)!.add(target);
  const from = layerOf(path);
  const to = layerOf(target);
  if (from !== to && LAZY_LAYERS.includes(to) && !edge.dynamic && !edge.typeOnly) {
    problems.push(`${where}: ${from} imports ${to} (${target}) statically [only import("…")]`);
  }
  if (from !== to && !SHARED.includes(to) && !(MAY_IMPORT[from] ?? []).includes(to)) {
    problems.push(
      `${where}: ${from} imports ${to} (${target}) [${from} may import: ${
        (MAY_IMPORT[from] ?? []).join(", ") || "nothing else"
      }]`,
    );
  }
}

const files: string[] = [];
for await (const path of walk(new URL("src/", ROOT), "src/")) files.push(path);
for (const path of files) graph.set(path, new Set());
for (const path of files) {
  const text = await Deno.readTextFile(new URL(path, ROOT));
  for (const edge of importsOf(text)) {
    edges++;
    checkEdge(path, edge);
  }
  if (!RUNTIME_GLOBALS_OK.some((p) => path.startsWith(p))) {
    // Code only: comments and string contents are blanked, so docs may mention Deno.serve.
    blank(text, { strings: true }).split("\n").forEach((line, i) => {
      const m = line.match(/\b(Deno|Bun)\.[A-Za-z]/);
      if (m) {
        problems.push(
          `${path}:${i + 1}: uses ${m[1]}.* [runtime globals only in ${
            RUNTIME_GLOBALS_OK.join(", ")
          }]`,
        );
      }
    });
  }
}

for (const entry of BROWSER_ENTRIES) {
  // Breadth-first over the import graph, remembering who pulled each file in.
  const via = new Map<string, string>([[entry, ""]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (NOT_IN_BROWSERS.some((p) => file.startsWith(p))) {
      const chain = [file];
      for (let f = via.get(file)!; f !== ""; f = via.get(f)!) chain.unshift(f);
      problems.push(`browser entry ${entry} reaches ${file} (${chain.join(" → ")})`);
      continue;
    }
    for (const next of graph.get(file) ?? []) {
      if (!via.has(next)) {
        via.set(next, file);
        queue.push(next);
      }
    }
  }
}

const tolerated: string[] = [];
for (const { files: members, path: cycle } of cyclesOf(graph)) {
  const allowed = ALLOWED_CYCLES.find((a) => members.every((f) => a.includes(f)));
  const line = cycle.join(" → ") +
    (members.length > cycle.length - 1 ? ` (one of the cycles among ${members.join(", ")})` : "");
  if (allowed) tolerated.push(line);
  else problems.push(`import cycle: ${line} [no import cycles between files]`);
}

for (const line of tolerated) {
  console.log(`layer check: tolerated (temporary, ALLOWED_CYCLES): import cycle ${line}`);
}
if (problems.length > 0) {
  console.error(`layer check: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  Deno.exit(1);
}
const fileEdges = [...graph.values()].reduce((n, targets) => n + targets.size, 0);
console.log(
  `layer check: ${files.length} files, ${edges} imports (${fileEdges} file edges), 5 rules ` +
    `(layer order, no cycles, node:* where allowed, Deno/Bun where allowed, lazy cluster, ` +
    `browser entries free of both): ok` +
    (tolerated.length ? `, ${tolerated.length} cycle(s) tolerated` : ""),
);
