// Cross-process pairs for the side-by-side runners (bench/zmq/compare.mjs, bench/sp/compare.mjs):
// the receiver (PULL / REP) in one process, the sender (PUSH / REQ) in another, any program
// against any other, each speaking the `--role R --endpoint E --size N --count N` flags.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync, unlinkSync } from "node:fs";
import process from "node:process";
import { log, median, root, si } from "./_compare.mjs";

/** A free loopback tcp port (the kernel's pick; released before the receiver binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let serial = 0;
/** A fresh endpoint: `tcp://127.0.0.1:PORT` or `ipc:///tmp/weft-xproc-….sock`. */
export async function pairEndpoint(transport) {
  if (transport === "tcp") return `tcp://127.0.0.1:${await freePort()}`;
  return `ipc:///tmp/weft-xproc-${process.pid}-${serial++}.sock`;
}

function start(prog, role, endpoint, size, count) {
  const args = [...prog.args, "--role", role, "--endpoint", endpoint, "--size", `${size}`];
  return spawn(prog.cmd, [...args, "--count", `${count}`], { cwd: root });
}

/** Resolves once `child` has exited, with its stdout's first JSON line (or null) and stderr. */
function outcome(child) {
  return new Promise((resolve) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const text = out.split("\n").find((l) => l.startsWith("{"));
      resolve({ rec: text ? JSON.parse(text) : null, code, err: err.trim() });
    });
  });
}

/**
 * Runs one pair: starts the receiver (`pull` or `rep`) bound to a fresh endpoint, then the sender
 * (`push` or `req`), and resolves with the line of the side that measures (the receiver for
 * push_pull, the requester for req_rep), tagged with both programs' ids. Once the measuring side
 * is done the other is stopped; after `timeoutS` both are.
 */
export async function runPair({ scenario, sender, receiver, transport, size, count, timeoutS }) {
  const endpoint = await pairEndpoint(transport);
  const [bindRole, connectRole] = scenario === "req_rep" ? ["rep", "req"] : ["pull", "push"];
  const bound = start(receiver, bindRole, endpoint, size, count);
  const bindDone = outcome(bound);
  await new Promise((r) => setTimeout(r, 300)); // the sender reconnects anyway; this saves a retry
  const conn = start(sender, connectRole, endpoint, size, count);
  const connDone = outcome(conn);
  const timer = setTimeout(() => {
    log(
      `  ${sender.id} → ${receiver.id} ${scenario} ${transport} ${size} B: no result after ${timeoutS} s: killed`,
    );
    bound.kill("SIGKILL");
    conn.kill("SIGKILL");
  }, timeoutS * 1e3);
  const measured = scenario === "req_rep" ? await connDone : await bindDone;
  (scenario === "req_rep" ? bound : conn).kill("SIGTERM");
  const other = await (scenario === "req_rep" ? bindDone : connDone);
  clearTimeout(timer);
  if (endpoint.startsWith("ipc://")) {
    try {
      unlinkSync(endpoint.slice("ipc://".length));
    } catch { /* removed by its listener */ }
  }
  if (!measured.rec) {
    const why = (measured.err || other.err).split("\n").slice(-2).join(" | ");
    log(`  ${sender.id} → ${receiver.id} ${scenario} ${transport} ${size} B: no result (${why})`);
    return null;
  }
  // weft's PUSH prints its own CPU per message before it waits to be stopped
  const senderCpu = scenario === "push_pull" ? other.rec?.cpu_ns_per_msg : undefined;
  return {
    ...measured.rec,
    ...(senderCpu !== undefined ? { sender_cpu_ns_per_msg: senderCpu } : {}),
    sender: sender.id,
    receiver: receiver.id,
  };
}

/**
 * The pairs both runners use: every program against itself (PUSH → PULL at each transport and
 * size; with `quick`, 1 KiB and 64 KiB over tcp only), the mixed pairs over tcp at `mixedSizes`
 * (weft Deno ↔ the C anchor, weft Bun ↔ weft Deno), then REQ → REP 16 B over tcp. `counts` maps a
 * size (and `rr`) to the messages per pair.
 */
export function standardPlan(progs, { counts, quick, transports, sizes, mixedSizes }) {
  const count = (z) => counts[z] ?? Math.max(5_000, Math.round(counts[16] * 16 / (z + 16)));
  const byId = Object.fromEntries(progs.map((p) => [p.id, p]));
  const plan = [];
  const pair = (scenario, sender, receiver, transport, size, n) =>
    plan.push({ scenario, sender, receiver, transport, size, count: n });
  for (const transport of transports) {
    for (const size of sizes) {
      if (quick && transport !== "tcp" && size !== 16) continue;
      for (const p of progs) {
        if (p.transports && !p.transports.includes(transport)) continue;
        if (p.maxSize !== undefined && size > p.maxSize) continue;
        pair("push_pull", p, p, transport, size, count(size));
      }
    }
  }
  for (const size of mixedSizes) {
    const pairs = [["deno", "c"], ["c", "deno"], ["bun", "deno"], ["deno", "bun"]];
    // Fed by the C anchor, the floors show what each runtime's receive path costs at least.
    if (size === 16) pairs.push(["c", "floor-deno"], ["c", "floor-bun"], ["c", "bun"]);
    for (const [s, r] of pairs) {
      if (byId[s] && byId[r]) pair("push_pull", byId[s], byId[r], "tcp", size, count(size));
    }
  }
  for (const p of progs) {
    if (p.transports && !p.transports.includes("tcp")) continue;
    pair("req_rep", p, p, "tcp", 16, counts.rr);
  }
  return plan;
}

/** Prints the cross-process tables alone (`--quick`, `--cross-process-only`) and exits. */
export function printCrossAndExit(tables, rounds, versions) {
  const load = () => {
    try {
      return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    } catch {
      return "?";
    }
  };
  console.log(`\nacross processes, medians of ${rounds} round(s); ${versions}`);
  console.log(`load average after: ${load()}\n`);
  console.log(tables);
  process.exit(0);
}

/** What one pair measured, for the progress log. */
export function showPair(r) {
  const who = `${r.sender} → ${r.receiver}`.padEnd(22);
  const what = `${r.scenario} ${r.transport} ${r.size} B`.padEnd(22);
  if (r.scenario === "req_rep") {
    return `${who} ${what} p50 ${r.p50_us} / p99 ${r.p99_us} / p99.9 ${r.p999_us} µs`;
  }
  return `${who} ${what} ${si(r.msg_per_s)} msg/s, receiver ${r.cpu_ns_per_msg} ns CPU/msg`;
}

/**
 * Runs every pair of `plan` (`{ scenario, sender, receiver, transport, size, count }`, programs
 * as `{ id, title, cmd, args }`) `runs` times, round-robin, and returns the records.
 */
export async function runPlan(plan, { runs, timeoutS }) {
  const records = [];
  const t0 = Date.now();
  for (let round = 1; round <= runs; round++) {
    for (const p of plan) {
      const r = await runPair({ ...p, timeoutS });
      if (r) {
        log(`  [${String(Math.round((Date.now() - t0) / 1e3)).padStart(4)} s] ${showPair(r)}`);
        records.push(r);
      }
    }
  }
  return records;
}

function fmtRate(rate, size) {
  if (!Number.isFinite(rate)) return "–";
  if (size < 1024) return si(rate);
  const mbs = (rate * size) / 1e6;
  return `${si(rate)} (${
    mbs >= 1000 ? (mbs / 1e3).toFixed(2) + " GB/s" : mbs.toFixed(0) + " MB/s"
  })`;
}

function render(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const sep = `|${
    widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")
  }|`;
  return [fmt(head), sep, ...rows.map(fmt)].join("\n");
}

const pick = (records, s, r, scenario, transport, size) =>
  records.filter((x) =>
    x.sender === s && x.receiver === r && x.scenario === scenario && x.transport === transport &&
    x.size === size
  );

/**
 * The cross-process tables: same-program pairs (one column per program, cells "msg/s · receiver
 * CPU ns per message", then weft ÷ `anchor`), the REQ/REP round trips, and the mixed pairs.
 */
export function pairTables(records, programs, anchor) {
  const out = [];
  const keys = [
    ...new Set(
      records.filter((r) => r.sender === r.receiver && r.scenario === "push_pull")
        .map((r) => `${r.transport}|${r.size}`),
    ),
  ]
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const weft = programs.filter((p) => p.id === "deno" || p.id === "bun");
  // weft ÷ the zero-framework floor of the same runtime, where one ran (bench/zmq/floor_peer.ts).
  const floors = weft.filter((p) => programs.some((f) => f.id === `floor-${p.id}`));
  const cellOf = (rs, size) =>
    rs.length
      ? `${fmtRate(median(rs.map((r) => r.msg_per_s)), size)} · ${
        median(rs.map((r) => r.cpu_ns_per_msg)).toFixed(0)
      } ns`
      : "–";
  const rateOf = (id, t, z) =>
    median(pick(records, id, id, "push_pull", t, z).map((r) => r.msg_per_s));
  const anchorTitle = programs.find((p) => p.id === anchor)?.title ?? anchor;
  const ratio = (a, b) => Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "–";
  out.push(render(
    [
      "PUSH → PULL, two processes (msg/s · receiver CPU/msg)",
      ...programs.map((p) => p.title),
      ...weft.map((p) => `${p.title} ÷ ${anchorTitle}`),
      ...floors.map((p) => `${p.title} ÷ floor`),
    ],
    keys.map((k) => {
      const [t, z] = k.split("|");
      const size = Number(z);
      return [
        `${t} ${size} B`,
        ...programs.map((p) => cellOf(pick(records, p.id, p.id, "push_pull", t, size), size)),
        ...weft.map((p) => ratio(rateOf(p.id, t, size), rateOf(anchor, t, size))),
        ...floors.map((p) => ratio(rateOf(p.id, t, size), rateOf(`floor-${p.id}`, t, size))),
      ];
    }),
  ));
  const rr = records.filter((r) => r.scenario === "req_rep" && r.sender === r.receiver);
  if (rr.length) {
    const lat = (rs, k) => rs.length ? median(rs.map((r) => r[k])).toFixed(0) : "–";
    out.push(render(
      ["REQ → REP round trip, two processes (µs)", ...programs.map((p) => p.title)],
      ["p50_us", "p99_us", "p999_us"].map((k) => {
        const rows = [...new Set(rr.map((r) => `${r.transport} ${r.size} B`))];
        return [
          `${rows.join(", ")} ${k.replace("_us", "").replace("p999", "p99.9")}`,
          ...programs.map((p) => lat(rr.filter((r) => r.sender === p.id), k)),
        ];
      }),
    ));
  }
  const mixed = [
    ...new Set(
      records.filter((r) => r.sender !== r.receiver)
        .map((r) => `${r.sender}|${r.receiver}|${r.transport}|${r.size}`),
    ),
  ];
  if (mixed.length) {
    const title = (id) => programs.find((p) => p.id === id)?.title ?? id;
    out.push(render(
      ["mixed pairs: sender → receiver", "PUSH → PULL msg/s", "receiver CPU/msg"],
      mixed.map((k) => {
        const [s, r, t, z] = k.split("|");
        const rs = pick(records, s, r, "push_pull", t, Number(z));
        return [
          `${title(s)} → ${title(r)}, ${t} ${z} B`,
          fmtRate(median(rs.map((x) => x.msg_per_s)), Number(z)),
          `${median(rs.map((x) => x.cpu_ns_per_msg)).toFixed(0)} ns`,
        ];
      }),
    ));
  }
  return out.join("\n\n");
}
