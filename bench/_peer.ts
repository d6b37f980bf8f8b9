/**
 * What the cross-process peers (bench/zmq/peer.ts, bench/sp/peer.ts) share: their flags, the
 * timed round-trip loop and the JSON lines, with the keys of `zmq_bench --role` / `nng_bench --role`.
 * @module
 */

import { proc, RUNTIME } from "./_scenario.ts";

/** A peer's flags: `--role R --endpoint E --size N --count N`. */
export interface PeerArgs {
  role: "push" | "pull" | "req" | "rep";
  endpoint: string;
  transport: string;
  size: number;
  count: number;
}

/** Parses a peer's flags; unknown or missing ones throw. */
export function parsePeerArgs(argv: readonly string[]): PeerArgs {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (!["--role", "--endpoint", "--size", "--count"].includes(a) || v === undefined) {
      throw new Error(`peer: unknown flag or missing value: ${a} (see the file's header)`);
    }
    o[a.slice(2)] = v;
  }
  const role = o.role as PeerArgs["role"];
  if (!["push", "pull", "req", "rep"].includes(role)) throw new Error(`peer: bad --role ${role}`);
  if (!o.endpoint) throw new Error("peer: --endpoint missing");
  return {
    role,
    endpoint: o.endpoint,
    transport: o.endpoint.split(":")[0]!,
    size: Number(o.size ?? 16),
    count: Number(o.count ?? 100000),
  };
}

function print(obj: Record<string, unknown>): void {
  console.log(JSON.stringify({ impl: "weft", ...obj, runtime: RUNTIME, same_process: false }));
}

/** This process's CPU time (user + system, every thread), in seconds. */
export function cpuSeconds(): number {
  const u = (proc as unknown as { cpuUsage(): { user: number; system: number } }).cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The sender's line: its CPU time per message over the send loop (`count - 1` messages). */
export function printSenderCpu(p: PeerArgs, cpu: number): void {
  print({ role: "push", cpu_ns_per_msg: Math.round((cpu * 1e9) / (p.count - 1)) });
}

/**
 * The receiver's line: `count - 1` messages between the first and the last, and the receiving
 * process's CPU time per message over that window (robust on a loaded machine, unlike msg/s).
 */
export function printThroughput(p: PeerArgs, secs: number, cpu: number): void {
  const rate = (p.count - 1) / secs;
  print({
    scenario: "push_pull",
    mode: "plain",
    transport: p.transport,
    size: p.size,
    count: p.count - 1,
    seconds: +secs.toFixed(3),
    msg_per_s: Math.round(rate),
    mb_per_s: +(rate * p.size / 1e6).toFixed(1),
    cpu_ns_per_msg: Math.round(cpu * 1e9 / (p.count - 1)),
  });
}

/**
 * The receiver's loop: `for await` over `messages` until `p.count` arrived, timed (wall clock and
 * this process's CPU) from the first to the last; checks the last one's size (`sizeOf`) and prints
 * the receiver's line.
 */
export async function receiveTimed<T>(
  p: PeerArgs,
  messages: AsyncIterable<T>,
  sizeOf: (message: T) => number,
): Promise<void> {
  let n = 0;
  let t0 = 0;
  let cpu0 = 0;
  let last = 0;
  for await (const message of messages) {
    if (n === 0) {
      t0 = performance.now();
      cpu0 = cpuSeconds();
    }
    last = sizeOf(message);
    if (++n === p.count) break;
  }
  const secs = (performance.now() - t0) / 1e3;
  const cpu = cpuSeconds() - cpu0;
  if (last !== p.size) throw new Error(`pull: got ${last} B, expected ${p.size}`);
  printThroughput(p, secs, cpu);
}

/** 1000 warm-up round trips, then `count` timed ones: their durations in µs. */
export async function timedRoundTrips(
  count: number,
  roundTrip: () => Promise<void>,
): Promise<number[]> {
  for (let i = 0; i < 1000; i++) await roundTrip();
  const rtt = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await roundTrip();
    rtt[i] = (performance.now() - t0) * 1e3;
  }
  return rtt;
}

function pct(sorted: number[], p: number): number {
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[k] ?? 0;
}

/** The requester's line: p50 / p99 / p99.9 / max round trip in µs. */
export function printLatency(p: PeerArgs, rtt: number[]): void {
  const sum = rtt.reduce((a, b) => a + b, 0);
  rtt.sort((a, b) => a - b);
  print({
    scenario: "req_rep",
    mode: "plain",
    transport: p.transport,
    size: p.size,
    count: rtt.length,
    p50_us: +pct(rtt, 0.5).toFixed(1),
    p99_us: +pct(rtt, 0.99).toFixed(1),
    p999_us: +pct(rtt, 0.999).toFixed(1),
    max_us: +(rtt[rtt.length - 1] ?? 0).toFixed(1),
    mean_us: +(sum / rtt.length).toFixed(1),
  });
}
