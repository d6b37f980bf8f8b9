/**
 * Connection churn of ONE kind, bounded by count, for finding what the soak's slow heap creep on
 * Deno is made of without running the soak for an hour. One process, loopback only: a server
 * (weft's, or a bare runtime listener as the control) and a client that opens, uses and closes
 * as many connections as the last checkpoint says (after the warm-up), `parallel` at a time. After
 * `warmup` connections and at every checkpoint it forces a full GC and prints the JS object heap (V8's new, old and large-object spaces), so the
 * bytes each connection leaves behind are (objects at the end − objects at the first checkpoint) ÷
 * connections in between. `--snapshot DIR` also writes a heap snapshot at each checkpoint.
 *
 *   ./node_modules/deno/deno run -A --v8-flags=--expose-gc tools/churn.ts KIND
 *     [--checkpoints 5000,20000] [--parallel 8] [--warmup 1000] [--snapshot DIR] [--leak BYTES]
 *
 * KIND: plain-deno (bare Deno.listen, accept + close: no weft code), plain-node (bare node:net
 * server), zmtp-garbage, sp-garbage, nano-garbage, nano-ws-hostile (hostile clients: raw sockets
 * that write bad bytes and wait for the server to close), zmq-reconnect (a weft PUSH connecting,
 * sending one message, closing), sp-reconnect (a weft REQ0: one round trip), nano-ws, nano-tcp
 * (the nano client: connect, one request, close); zmtp-huge, sp-huge, nano-pomelo-huge (2^62-byte
 * length claims), zmtp-halfopen, sp-halfopen, nano-halfopen (a partial handshake held 3 s),
 * zmtp-slowloris, nano-slowloris (one byte every 300 ms). The last line is JSON: the object heap at
 * each checkpoint and `bytesPerConnection` between the first checkpoint and the last.
 * @module
 */
import { createServer } from "node:net";
import process from "node:process";
import v8 from "node:v8";
import { Pull } from "../src/zmq.ts";
import { Push } from "../src/zmq.ts";
import { Rep0, Req0 } from "../src/sp.ts";
import { App } from "../src/nano.ts";
import { connect as nanoConnect } from "../src/nano_client.ts";
import { tcpConnector } from "../src/nano_client_runtime.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const kind = process.argv[2] ?? "";
const checkpoints = option("checkpoints", "5000,20000").split(",").map(Number);
const parallel = Number(option("parallel", "8"));
const warmup = Number(option("warmup", "1000"));
const snapshotDir = option("snapshot", "");
/** To try the measure: keep this many bytes per connection, as a map that never forgets would. */
const leakBytes = Number(option("leak", "0"));
const leaked: number[][] = [];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

function objects(): number {
  for (let i = 0; i < 3; i++) gc!();
  const used = new Map(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  return ["new_space", "old_space", "large_object_space", "new_large_object_space"]
    .reduce((a, n) => a + (used.get(n) ?? 0), 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw client: connect, write `bytes` (all at once, or one byte per `dripMs`), read until the
 * server closes (or `holdMs`), close.
 */
async function raw(port: number, bytes: Uint8Array, holdMs = 2000, dripMs = 0): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    if (dripMs) {
      for (const byte of bytes) {
        if (!(await conn.write(new Uint8Array([byte])).catch(() => 0))) break;
        await sleep(dripMs);
      }
    } else await conn.write(bytes).catch(() => {});
    const buf = new Uint8Array(4096);
    const deadline = Date.now() + holdMs;
    while (Date.now() < deadline) {
      // A pending timer would keep this connection's objects alive for holdMs: clear it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        conn.read(buf).catch(() => null),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), holdMs))),
      ]);
      clearTimeout(timer);
      if (n === null) break;
    }
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

function garbage(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  out[0] = 0x01; // never a valid signature / method
  return out;
}
const hugeLength = [0x40, 0, 0, 0, 0, 0, 0, 0]; // 2^62, big-endian
const zmqGreeting = new Uint8Array(64);
zmqGreeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1]);
zmqGreeting.set(new TextEncoder().encode("NULL"), 12);
const spReqHeader = [0, 0x53, 0x50, 0, 0, 0x30, 0, 0]; // SP, REQ0 (48)
const wsUpgrade = (port: number) =>
  new TextEncoder().encode(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );

/** Sets up the server side of `kind`; returns one connection's life and a close. */
async function setup(): Promise<{ life: (i: number) => Promise<void>; close: () => void }> {
  const drain = (events: AsyncIterable<unknown>) =>
    void (async () => {
      for await (const _ of events) { /* read as a monitor would */ }
    })();
  const port = (endpoint: string) => Number(/:(\d+)$/.exec(endpoint)![1]);
  switch (kind) {
    case "plain-deno": {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      void (async () => {
        for await (const conn of listener) {
          void (async () => {
            const buf = new Uint8Array(4096);
            await conn.read(buf).catch(() => null);
            try {
              conn.close();
            } catch { /* closed */ }
          })();
        }
      })();
      const p = (listener.addr as Deno.NetAddr).port;
      return { life: (i) => raw(p, garbage(64, i + 1)), close: () => listener.close() };
    }
    case "plain-node": {
      const server = createServer((socket) => {
        socket.on("error", () => {});
        socket.once("data", () => socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const p = (server.address() as { port: number }).port;
      return { life: (i) => raw(p, garbage(32, i + 1)), close: () => server.close() };
    }
    case "zmtp-garbage":
    case "zmtp-huge":
    case "zmtp-halfopen":
    case "zmtp-slowloris": {
      const pull = new Pull({ linger: 0 });
      drain(pull.events);
      await pull.bind("tcp://127.0.0.1:0");
      const p = port(pull.lastEndpoint!);
      const huge = new Uint8Array([...zmqGreeting, 0x06, ...hugeLength]);
      const life = kind === "zmtp-garbage"
        ? (i: number) => raw(p, garbage(64, i + 1))
        : kind === "zmtp-huge"
        ? () => raw(p, huge, 500)
        : kind === "zmtp-halfopen"
        ? () => raw(p, zmqGreeting.subarray(0, 10), 3000)
        : () => raw(p, zmqGreeting.subarray(0, 12), 300, 300);
      return { life, close: () => pull.close() };
    }
    case "sp-garbage":
    case "sp-huge":
    case "sp-halfopen": {
      const rep = new Rep0();
      drain(rep.events);
      await rep.listen("tcp://127.0.0.1:0");
      const p = port(rep.lastEndpoint!);
      const life = kind === "sp-garbage"
        ? (i: number) => raw(p, garbage(16, i + 1))
        : kind === "sp-huge"
        ? () => raw(p, new Uint8Array([...spReqHeader, ...hugeLength]), 500)
        : () => raw(p, new Uint8Array(spReqHeader.slice(0, 4)), 3000);
      return { life, close: () => rep.close() };
    }
    case "nano-garbage":
    case "nano-pomelo-huge":
    case "nano-halfopen":
    case "nano-slowloris":
    case "nano-ws-hostile":
    case "nano-ws":
    case "nano-tcp": {
      const app = new App({
        port: 0,
        host: "127.0.0.1",
        handshakeTimeout: 2000,
        logger: { error: () => {}, warn: () => {} },
      });
      app.handle("churn.echo", (_s, payload: unknown) => payload);
      const { port: p } = await app.listen();
      const close = () => void app.close({ timeout: 100 });
      if (kind === "nano-garbage") return { life: (i) => raw(p, garbage(32, i + 1)), close };
      if (kind === "nano-pomelo-huge") {
        return { life: () => raw(p, new Uint8Array([1, 0xff, 0xff, 0xff, 0x7b]), 500), close };
      }
      if (kind === "nano-halfopen") {
        return { life: () => raw(p, wsUpgrade(p).subarray(0, 30), 3000), close };
      }
      if (kind === "nano-slowloris") return { life: () => raw(p, wsUpgrade(p), 300, 300), close };
      if (kind === "nano-ws-hostile") {
        const bytes = new Uint8Array([...wsUpgrade(p), 0x82, 0xff, ...hugeLength, 1, 2, 3, 4]);
        return { life: () => raw(p, bytes), close };
      }
      const tcp = kind === "nano-tcp";
      return {
        life: async (i) => {
          const client = await nanoConnect(`${tcp ? "tcp" : "ws"}://127.0.0.1:${p}`, {
            ...(tcp ? { connector: tcpConnector() } : {}),
            reconnect: false,
            requestTimeoutMs: 5000,
          });
          try {
            await client.request("churn.echo", { i });
          } finally {
            client.close();
          }
        },
        close,
      };
    }
    case "zmq-reconnect": {
      const pull = new Pull({ linger: 0 });
      drain(pull.events);
      await pull.bind("tcp://127.0.0.1:0");
      void (async () => {
        for (;;) if (!(await pull.receive().catch(() => undefined))) return;
      })();
      const endpoint = pull.lastEndpoint!;
      return {
        life: async () => {
          const push = new Push({ linger: 1000 });
          push.connect(endpoint);
          await push.send(new Uint8Array(8));
          push.close();
          await push.closed;
        },
        close: () => pull.close(),
      };
    }
    case "sp-reconnect": {
      const rep = new Rep0();
      drain(rep.events);
      await rep.listen("tcp://127.0.0.1:0");
      void (async () => {
        for (;;) {
          const request = await rep.recv().catch(() => undefined);
          if (!request) return;
          await rep.send(request).catch(() => {});
        }
      })();
      const endpoint = rep.lastEndpoint!;
      return {
        life: async () => {
          const req = new Req0({ recvTimeout: 5000 });
          await req.dial(endpoint);
          try {
            await req.send(new Uint8Array(8));
            await req.recv();
          } finally {
            req.close();
          }
        },
        close: () => rep.close(),
      };
    }
    default:
      throw new Error(`unknown kind "${kind}" (see the header of tools/churn.ts)`);
  }
}

const { life, close } = await setup();
let started = 0;
let failed = 0;
async function run(upTo: number): Promise<void> {
  const worker = async () => {
    while (started < upTo) {
      const i = started++;
      await life(i).catch(() => failed++);
      if (leakBytes) leaked.push(new Array(Math.ceil(leakBytes / 8)).fill(i));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

await run(warmup);
await sleep(300); // let the server finish closing the last ones
const base = objects();
const rows: { n: number; objects: number }[] = [{ n: 0, objects: base }];
const t0 = Date.now();
for (const n of checkpoints) {
  await run(warmup + n);
  await sleep(300);
  const now = objects();
  rows.push({ n, objects: now });
  if (snapshotDir) v8.writeHeapSnapshot(`${snapshotDir}/${kind}-${n}.heapsnapshot`);
  const first = rows[1]!;
  const perConn = n > first.n ? (now - first.objects) / (n - first.n) : (now - base) / n;
  console.log(
    `${kind}  n ${String(n).padStart(6)}  objects ${(now / 1e6).toFixed(3)} MB  ` +
      `Δ ${((now - base) / 1e3).toFixed(1)} kB  per connection ${perConn.toFixed(1)} B  ` +
      `failed ${failed}  ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}
const last = rows.at(-1)!;
const first = rows[1]!;
console.log(JSON.stringify({
  kind,
  connections: last.n,
  failed,
  objects: rows,
  bytesPerConnection: last.n > first.n ? (last.objects - first.objects) / (last.n - first.n) : 0,
}));
close();
await sleep(300);
process.exit(0);
