#!/usr/bin/env node
// Draws a comparison runner's raw figures as an SVG bar chart, no dependency:
//   node tools/bench_chart.mjs bench/.out/sp.json bench/sp.svg "SP: weft vs nng"
// The input is what `npm run bench:zmq|sp|nano -- --json FILE` writes: `{ column: [record…] }`.
// Each scenario (the record's fields other than figures) gets one bar per column: the median
// msg/s over the rounds, scaled to the scenario's fastest column, the figure written beside it.
import { readFileSync, writeFileSync } from "node:fs";
import { median, si } from "../bench/_compare.mjs";

const [input, output, title = "weft benchmarks"] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node tools/bench_chart.mjs FILE.json OUT.svg [title]");
  process.exit(2);
}
const raw = JSON.parse(readFileSync(input, "utf8"));
const FIGURE = /(_per_s|_us|_ms|_kb|_bytes|^n$|^rounds?$|^seconds$|^count$|^elapsed)/;
const METRIC = "msg_per_s";

// Fields that name the column, not the scenario; a mode that is the default (libzmq's and nng's
// "native", weft's "plain") is left out so those columns share a scenario.
const COLUMN_FIELDS = new Set(["impl", "runtime", "same_process", "version"]);
const key = (r) =>
  Object.entries(r).filter(([k, v]) =>
    !FIGURE.test(k) && !COLUMN_FIELDS.has(k) && typeof v !== "object" &&
    !(k === "mode" && (v === "native" || v === "plain"))
  )
    .map(([k, v]) => (k === "size" ? `${v} B` : String(v))).join(" ");
const scenarios = new Map(); // key → Map(column → [values])
for (const [column, records] of Object.entries(raw)) {
  for (const r of records) {
    if (typeof r[METRIC] !== "number") continue;
    const k = key(r);
    if (!scenarios.has(k)) scenarios.set(k, new Map());
    const byColumn = scenarios.get(k);
    if (!byColumn.has(column)) byColumn.set(column, []);
    byColumn.get(column).push(r[METRIC]);
  }
}
const columns = Object.keys(raw);
const TITLES = {
  c: "C (libzmq / nng)",
  zeromqjs: "zeromq.js (Node)",
  deno: "weft Deno",
  bun: "weft Bun",
};
const COLORS = ["#8a8f98", "#2f6fde", "#e0803a", "#3aa56b", "#a45bd6"];
const W = 760, LABEL = 230, BAR = 14, GAP = 4, GROUP = 14, TOP = 56, RIGHT = 90;
const esc = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const parts = [];
let y = TOP;
for (const [name, byColumn] of scenarios) {
  const values = columns.map((c) => median(byColumn.get(c) ?? []));
  const max = Math.max(...values.filter(Number.isFinite));
  const groupTop = y;
  columns.forEach((_column, i) => {
    const v = values[i];
    if (!Number.isFinite(v)) return;
    const w = Math.max(1, ((W - LABEL - RIGHT) * v) / max);
    parts.push(
      `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${
        COLORS[i % COLORS.length]
      }"/>`,
      `<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + BAR - 3}" class="v">${si(v)}</text>`,
    );
    y += BAR + GAP;
  });
  parts.push(`<text x="${LABEL - 8}" y="${(groupTop + y) / 2 + 3}" class="l">${esc(name)}</text>`);
  y += GROUP;
}
const legend = columns.map((c, i) =>
  `<rect x="${LABEL + i * 130}" y="30" width="12" height="12" fill="${
    COLORS[i % COLORS.length]
  }"/>` +
  `<text x="${LABEL + i * 130 + 16}" y="40" class="v">${esc(TITLES[c] ?? c)}</text>`
);
const H = y + 10;
const svg =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">
<style>.t{font-size:15px;font-weight:600}.l{font-size:12px;text-anchor:end}.v{font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" class="t">${esc(title)} — messages per second (median), longer is faster</text>
${legend.join("\n")}
${parts.join("\n")}
</svg>
`;
writeFileSync(output, svg);
console.log(`bench chart: ${scenarios.size} scenarios × ${columns.length} columns → ${output}`);
