// CURVE benchmarks for weft on Deno or Bun, one JSON line per figure; the libzmq/libsodium
// anchors are bench/.out/zmq_curve_bench (bench/c/zmq_curve_bench.c), same scenarios.
//
//   deno run -A bench/curve/curve_bench.ts primitives [--seconds 1]
//   deno run -A bench/curve/curve_bench.ts push_pull --mech curve|null --size 1024 --count 100000
//   deno run -A bench/curve/curve_bench.ts handshakes --count 300
//   bun bench/curve/curve_bench.ts …                  (the same on Bun)
//
// primitives: X25519 (@noble/curves, and the runtime's native WebCrypto X25519 for comparison),
//   crypto_box_beforenm (sync on @noble/curves; `precompute`: async, as the handshake does it
//   now, on the runtime's WebCrypto when it has X25519, with the peer key's import each time), and seal/open with the precomputed key at 16 B, 1 KiB, 64 KiB: the
//   one-shot @noble/ciphers xsalsa20poly1305 (`seal`/`open`, what weft used for MESSAGE boxes
//   before) and the traffic path's PrefixedBoxes (`seal_traffic`/`open_traffic`, what each
//   MESSAGE costs now). `cpu_us` is CPU time per operation (user + system), steadier than the
//   wall-clock rate on a loaded machine.
// push_pull: PULL (CURVE server, binds tcp) here, PUSH (CURVE client) in a child process of the
//   same runtime; `sendBatch` of 256 at a time; timed from the first message received to the last.
//   Each side also reports its CPU µs per message (`recv_cpu_us`, `send_cpu_us`).
// handshakes: REP (CURVE server) here, a child process that, `count` times, opens a REQ (CURVE
//   client), does one 1-byte round trip and closes it: connections per second.
import process from "node:process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { x25519 } from "@noble/curves/ed25519.js";
import {
  beforenm,
  open,
  precompute,
  PrefixedBoxes,
  seal,
} from "../../src/protocol/zmtp/curve/box.ts";
import { defaultX25519 } from "../../src/protocol/zmtp/curve/x25519.ts";
import { curveKeyPair, Pull, Push, Rep, Req, type SocketOptions } from "../../src/zmq.ts";

const runtime = "Deno" in globalThis ? "deno" : "bun";
const [what = "primitives", ...rest] = process.argv.slice("Deno" in globalThis ? 2 : 2);
const flags = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) flags.set(rest[i]!.replace(/^--/, ""), rest[i + 1]!);
const num = (name: string, fallback: number) => Number(flags.get(name) ?? fallback);
const emit = (o: Record<string, unknown>) =>
  console.log(JSON.stringify({ impl: "weft", runtime, ...o }));

/** Operations per wall-clock second, and CPU microseconds per operation. */
function rate(seconds: number, fn: (n: number) => void): { perS: number; cpuUs: number } {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    fn(n);
    const c = process.cpuUsage(c0);
    const dt = (performance.now() - t0) / 1000;
    if (dt >= seconds) return { perS: n / dt, cpuUs: (c.user + c.system) / n };
    n = dt < seconds / 20 ? n * 10 : Math.ceil(n * seconds / dt * 1.1);
  }
}

async function asyncRate(seconds: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

function figure(scenario: string, size: number | undefined, r: { perS: number; cpuUs: number }) {
  emit({
    scenario,
    ...(size === undefined ? {} : { size }),
    ops_per_s: Math.round(r.perS),
    ...(size === undefined ? {} : { mb_per_s: +(r.perS * size / 1e6).toFixed(1) }),
    cpu_us: +r.cpuUs.toFixed(2),
  });
}

async function primitives(seconds: number): Promise<void> {
  const a = x25519.keygen();
  const b = x25519.keygen();
  figure(
    "x25519",
    undefined,
    rate(seconds, (n) => {
      for (let i = 0; i < n; i++) x25519.getSharedSecret(a.secretKey, b.publicKey);
    }),
  );
  figure(
    "beforenm",
    undefined,
    rate(seconds, (n) => {
      for (let i = 0; i < n; i++) beforenm(b.publicKey, a.secretKey);
    }),
  );
  await nativeX25519(seconds);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await precompute(defaultX25519, b.publicKey, a.secretKey);
    done++;
  }
  const cpu = process.cpuUsage(c0);
  figure("precompute", undefined, {
    perS: done / ((performance.now() - t0) / 1000),
    cpuUs: (cpu.user + cpu.system) / done,
  });
  const key = beforenm(b.publicKey, a.secretKey);
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const boxes = new PrefixedBoxes(key, nonce.subarray(0, 16));
  const counter = nonce.slice(16);
  for (const size of [16, 1024, 65536]) {
    const plain = new Uint8Array(size);
    const boxed = seal(key, nonce, plain);
    const scratch = new Uint8Array(32 + size);
    figure(
      "seal",
      size,
      rate(seconds, (n) => {
        for (let i = 0; i < n; i++) seal(key, nonce, plain);
      }),
    );
    figure(
      "open",
      size,
      rate(seconds, (n) => {
        for (let i = 0; i < n; i++) if (open(key, nonce, boxed) === null) throw new Error("open");
      }),
    );
    figure(
      "seal_traffic",
      size,
      rate(seconds, (n) => {
        for (let i = 0; i < n; i++) boxes.sealInPlace(counter, scratch);
      }),
    );
    figure(
      "open_traffic",
      size,
      rate(seconds, (n) => {
        for (let i = 0; i < n; i++) {
          if (boxes.open(counter, boxed) === null) throw new Error("open");
        }
      }),
    );
  }
}

/** The runtime's WebCrypto X25519 (async, native), for comparison with @noble/curves. */
async function nativeX25519(seconds: number): Promise<void> {
  let pair: CryptoKeyPair;
  try {
    pair = await crypto.subtle.generateKey({ name: "X25519" }, false, [
      "deriveBits",
    ]) as CryptoKeyPair;
  } catch (error) {
    emit({ scenario: "x25519_webcrypto", unavailable: String(error) });
    return;
  }
  const other = await crypto.subtle.generateKey({ name: "X25519" }, true, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const derive = { name: "X25519", public: other.publicKey };
  emit({
    scenario: "x25519_webcrypto",
    ops_per_s: Math.round(
      await asyncRate(seconds, () => crypto.subtle.deriveBits(derive, pair.privateKey, 256)),
    ),
  });
  emit({
    scenario: "keygen_webcrypto",
    ops_per_s: Math.round(
      await asyncRate(
        seconds,
        () => crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]),
      ),
    ),
  });
}

function child(args: string[]): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  // CURVE_BENCH_CHILD_ARGS: runtime flags for the child (e.g. "--cpu-prof" to profile the sender).
  const extra = (process.env.CURVE_BENCH_CHILD_ARGS ?? "").split(" ").filter(Boolean);
  const argv = runtime === "deno"
    ? ["run", ...extra, "-A", self, ...args]
    : [...extra, self, ...args];
  const proc = spawn(process.execPath, argv, { stdio: ["ignore", "inherit", "inherit"] });
  return new Promise((resolve, reject) =>
    proc.on("close", (code) => code === 0 ? resolve() : reject(new Error(`child exited ${code}`)))
  );
}

function keysFromFlags(role: "server" | "client"): SocketOptions {
  if (flags.get("mech") === "null") return {};
  const serverSecret = flags.get("server-secret")!;
  const serverPublic = flags.get("server-public")!;
  return role === "server"
    ? { curveServer: true, curveSecretKey: serverSecret }
    : { curveServerKey: serverPublic, curveSecretKey: curveKeyPair().secretKey };
}

async function pushPull(): Promise<void> {
  const size = num("size", 1024);
  const count = num("count", 100_000);
  const mech = flags.get("mech") ?? "curve";
  const pair = curveKeyPair();
  flags.set("server-secret", pair.secretKey);
  flags.set("server-public", pair.publicKey);
  await using pull = new Pull({ ...keysFromFlags("server"), receiveHighWaterMark: 10_000 });
  await pull.bind("tcp://127.0.0.1:0");
  const sender = child([
    "push_sender",
    "--endpoint",
    pull.lastEndpoint!,
    "--size",
    String(size),
    "--count",
    String(count),
    "--mech",
    mech,
    "--server-public",
    pair.publicKey,
  ]);
  let got = 0;
  let first = 0;
  let cpu0 = process.cpuUsage();
  while (got < count) {
    const batch = await pull.receiveBatch();
    if (got === 0) {
      first = performance.now();
      cpu0 = process.cpuUsage();
    }
    got += batch.length;
  }
  const dt = (performance.now() - first) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await sender;
  const mps = (count - 1) / dt;
  emit({
    scenario: "push_pull",
    mech,
    size,
    count,
    msg_per_s: Math.round(mps),
    mb_per_s: +(mps * size / 1e6).toFixed(1),
    // The receiver's CPU per message (user + system): what the pipe costs on a free core.
    recv_cpu_us: +((cpu.user + cpu.system) / (count - 1)).toFixed(2),
  });
}

async function pushSender(): Promise<void> {
  const size = num("size", 1024);
  const count = num("count", 100_000);
  const push = new Push({ ...keysFromFlags("client"), sendHighWaterMark: 10_000, linger: -1 });
  push.connect(flags.get("endpoint")!);
  const buf = new Uint8Array(size).fill(0x78);
  const run = Array.from({ length: 256 }, () => [buf]);
  // CPU is counted after the first 1024 messages (handshake and JIT warm-up left out).
  const warmUp = Math.min(1024, count >> 1);
  let cpu0 = process.cpuUsage();
  for (let sent = 0; sent < count;) {
    const n = Math.min(256, count - sent);
    await push.sendBatch(n === 256 ? run : run.slice(0, n));
    sent += n;
    if (sent === warmUp) cpu0 = process.cpuUsage();
  }
  push.close();
  await push.closed;
  const cpu = process.cpuUsage(cpu0);
  emit({
    scenario: "push_pull_sender",
    mech: flags.get("mech") ?? "curve",
    size,
    count,
    send_cpu_us: +((cpu.user + cpu.system) / (count - warmUp)).toFixed(2),
  });
}

async function handshakes(): Promise<void> {
  const count = num("count", 300);
  const pair = curveKeyPair();
  flags.set("server-secret", pair.secretKey);
  await using rep = new Rep(keysFromFlags("server"));
  await rep.bind("tcp://127.0.0.1:0");
  const client = child([
    "handshake_client",
    "--endpoint",
    rep.lastEndpoint!,
    "--count",
    String(count),
    "--server-public",
    pair.publicKey,
    "--mech",
    flags.get("mech") ?? "curve",
  ]);
  for (let i = 0; i < count; i++) {
    const [m] = await rep.receive();
    await rep.send(m!);
  }
  await client;
}

async function handshakeClient(): Promise<void> {
  const count = num("count", 300);
  const mine = curveKeyPair();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const req = new Req({
      linger: 0,
      ...(flags.get("mech") === "null" ? {} : {
        curveServerKey: flags.get("server-public")!,
        curveSecretKey: mine.secretKey,
        curvePublicKey: mine.publicKey,
      }),
    });
    req.connect(flags.get("endpoint")!);
    await req.send("x");
    await req.receive();
    req.close();
  }
  const dt = (performance.now() - t0) / 1000;
  emit({
    scenario: "handshakes",
    mech: flags.get("mech") ?? "curve",
    count,
    per_s: Math.round(count / dt),
  });
}

switch (what) {
  case "primitives":
    await primitives(num("seconds", 1));
    break;
  case "push_pull":
    await pushPull();
    break;
  case "push_sender":
    await pushSender();
    break;
  case "handshakes":
    await handshakes();
    break;
  case "handshake_client":
    await handshakeClient();
    break;
  default:
    throw new Error(`unknown scenario ${what}: primitives, push_pull or handshakes`);
}
