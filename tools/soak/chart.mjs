/**
 * A hand-written SVG line chart of a soak timeline: one panel per measure (memory, FDs,
 * throughput, errors), time along the bottom. No dependency.
 * @module
 */

const W = 900;
const PANEL = 150;
const LEFT = 70;
const RIGHT = 160;
const TOP = 56;
const GAP = 40;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

function esc(s) {
  return String(s).replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c],
  );
}

function nice(v) {
  if (v >= 100) return Math.round(v).toLocaleString("en-US");
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * The SVG text of a chart.
 * @param {string} title
 * @param {{ t: number }[]} rows one per sample; `t` in seconds
 * @param {{ title: string, unit: string, series: { name: string, value: (row: object) => number }[] }[]} panels
 * @returns {string}
 */
export function lineChart(title, rows, panels) {
  const height = TOP + panels.length * (PANEL + GAP) + 10;
  const plotW = W - LEFT - RIGHT;
  const tMax = Math.max(1, ...rows.map((r) => r.t));
  const x = (t) => LEFT + (t / tMax) * plotW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const top = TOP + p * (PANEL + GAP);
    const values = panel.series.flatMap((s) => rows.map((r) => s.value(r))).filter(Number.isFinite);
    const vMax = Math.max(1e-9, ...values) * 1.1;
    const y = (v) => top + PANEL - (v / vMax) * PANEL;
    out.push(
      `<text x="${LEFT}" y="${top - 6}" font-weight="bold">${esc(panel.title)} (${
        esc(panel.unit)
      })</text>`,
    );
    out.push(
      `<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL}" fill="none" stroke="#999"/>`,
    );
    for (const frac of [0, 0.5, 1]) {
      const v = vMax * frac;
      out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      out.push(
        `<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${nice(v)}</text>`,
      );
    }
    for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
      const t = tMax * frac;
      out.push(
        `<text x="${x(t)}" y="${top + PANEL + 14}" text-anchor="middle" fill="#555">${
          Math.round(t)
        } s</text>`,
      );
    }
    panel.series.forEach((s, i) => {
      const points = rows
        .map((r) => [r.t, s.value(r)])
        .filter(([, v]) => Number.isFinite(v))
        .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`)
        .join(" ");
      const color = COLORS[i % COLORS.length];
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`);
      const last = rows.at(-1) ? s.value(rows.at(-1)) : NaN;
      out.push(
        `<text x="${LEFT + plotW + 10}" y="${top + 16 + i * 18}" fill="${color}">${esc(s.name)}${
          Number.isFinite(last) ? ` ${nice(last)}` : ""
        }</text>`,
      );
    });
  });
  return [...out, "</svg>"].join("\n") + "\n";
}

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);

/**
 * The chart of a soak run: RSS, JS heap (on Deno also objects and compiled code apart), FDs and
 * sessions, throughput, errors.
 * @param {string} runtime
 * @param {number} seconds
 * @param {object[]} rows the timeline rows tools/soak.mjs records
 * @returns {string}
 */
export function soakChart(runtime, seconds, rows) {
  const minutes = Math.round((seconds / 60) * 10) / 10;
  return lineChart(
    `weft soak — ${runtime}, ${minutes} min (ZeroMQ, SP, nano; churn + hostile)`,
    rows,
    [
      {
        title: "resident memory (RSS)",
        unit: "MB",
        series: [{ name: "RSS", value: (r) => r.rss / 1048576 }],
      },
      {
        title: "JS heap after a full GC",
        unit: "MB",
        series: [
          { name: "heap", value: (r) => r.heap / 1048576 },
          ...(rows[0]?.heapObjects !== undefined
            ? [
              { name: "objects", value: (r) => r.heapObjects / 1048576 },
              { name: "compiled code", value: (r) => r.heapCode / 1048576 },
            ]
            : []),
        ],
      },
      {
        title: "open file descriptors and nano sessions",
        unit: "count",
        series: [
          { name: "FDs", value: (r) => r.fds },
          { name: "sessions", value: (r) => r.sessions },
        ],
      },
      {
        title: "messages handled by the server",
        unit: "per second",
        series: [{ name: "msg/s", value: (r) => r.rate }],
      },
      {
        title: "errors, cumulative",
        unit: "count",
        series: [
          { name: "server (refusals)", value: (r) => r.serverErrors },
          { name: "client", value: (r) => sum(r.client.errors) },
        ],
      },
    ],
  );
}
