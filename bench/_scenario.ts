/**
 * What the runtime-neutral scenario scripts (bench/zmq/scenarios.ts, bench/sp/scenarios.ts) share:
 * the JSON line they print (same keys as the C and Node anchors), endpoints, the pilot-sized
 * throughput run and the round-trip latency loop.
 * @module
 */

interface Proc {
  argv: string[];
  pid: number;
  exit(code: number): never;
}
/** `process` as Deno and Bun both provide it (no runtime namespace needed). */
export const proc: Proc = (globalThis as unknown as { process: Proc }).process;

/** "deno 2.9.6" or "bun 1.4.5", from navigator.userAgent. */
function runtimeName(): string {
  const ua = typeof navigator !== "undefined" ? navigator.userAgent : "unknown";
  const m = /^(\w+)\/(\S+)/.exec(ua);
  return m ? `${m[1]!.toLowerCase()} ${m[2]}` : ua;
}
/** The runtime running the script, e.g. "deno 2.9.6". */
export const RUNTIME: string = runtimeName();

/** Seconds, monotonic. */
export const now = (): number => performance.now() / 1e3;

/** Pilot runs grow until one lasts this long (they warm the JIT too). */
const PILOT_SECONDS = 0.3;

let serial = 0;
/** A fresh endpoint for `transport`; `tag` keeps families' ipc files and inproc names apart. */
export function endpointFor(tag: string, transport: string): string {
  const id = `${proc.pid}-${Date.now() % 1e9}-${serial++}`;
  if (transport === "tcp") return "tcp://127.0.0.1:0";
  if (transport === "ipc") return `ipc:///tmp/weft-${tag}-${id}.sock`;
  if (transport === "inproc") return `inproc://weft-${tag}-${id}`;
  throw new Error(`unknown transport ${transport}`);
}

/** Prints one result line; weft's lines add the runtime and that both ends share a process. */
export function line(obj: Record<string, unknown>): void {
  console.log(JSON.stringify({ impl: "weft", ...obj, runtime: RUNTIME, same_process: true }));
}

/** Closes sockets and waits until they are closed. */
export async function closeAll(
  ...socks: { close(): void; readonly closed: Promise<void> }[]
): Promise<void> {
  for (const s of socks) s.close();
  await Promise.all(socks.map((s) => s.closed));
}

function pilotCount(size: number): number {
  return size <= 64 ? 50000 : size <= 4096 ? 20000 : 2000;
}

/**
 * Runs a push→pull throughput scenario: `once(count)` returns the seconds from the first message
 * received to the last. With `count` ≤ 0, pilots (which warm the JIT too) grow until one lasts long
 * enough to show the steady rate — a short one is all queueing — then one run of ~`seconds`.
 */
export async function runThroughput(
  opts: { count: number; seconds: number; mode: string; transport: string; size: number },
  once: (count: number) => Promise<number>,
): Promise<void> {
  let count = opts.count;
  if (count <= 0) {
    let pilot = pilotCount(opts.size);
    let secs = await once(pilot);
    while (secs < PILOT_SECONDS) {
      pilot = Math.round(pilot * Math.min(8, Math.max(2, (1.5 * PILOT_SECONDS) / secs)));
      secs = await once(pilot);
    }
    count = Math.max(pilot, Math.min(50e6, Math.round(((pilot - 1) / secs) * opts.seconds)));
  }
  const secs = await once(count);
  const rate = (count - 1) / secs;
  line({
    scenario: "push_pull",
    mode: opts.mode,
    transport: opts.transport,
    size: opts.size,
    count: count - 1,
    seconds: +secs.toFixed(3),
    msg_per_s: Math.round(rate),
    mb_per_s: +(rate * opts.size / 1e6).toFixed(1),
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[k]!;
}

/**
 * Runs a request→reply latency scenario: 1000 warm-up round trips, then round trips for
 * `count` trips or `seconds`, and prints p50/p99/mean in µs.
 */
export async function runRoundTrips(
  opts: { count: number; seconds: number; transport: string; size: number },
  roundTrip: () => Promise<void>,
): Promise<void> {
  for (let i = 0; i < 1000; i++) await roundTrip(); // warm-up
  const rtt: number[] = [];
  const cap = opts.count > 0 ? opts.count : 5e6;
  const start = now();
  let t = start;
  while (rtt.length < cap && (opts.count > 0 || t - start < opts.seconds)) {
    const t0 = now();
    await roundTrip();
    t = now();
    rtt.push((t - t0) * 1e6);
  }
  const sum = rtt.reduce((a, b) => a + b, 0);
  rtt.sort((a, b) => a - b);
  line({
    scenario: "req_rep",
    mode: "plain",
    transport: opts.transport,
    size: opts.size,
    count: rtt.length,
    p50_us: +pct(rtt, 0.5).toFixed(1),
    p99_us: +pct(rtt, 0.99).toFixed(1),
    mean_us: +(sum / rtt.length).toFixed(1),
    rtt_per_s: Math.round(1e6 * rtt.length / sum),
  });
}
