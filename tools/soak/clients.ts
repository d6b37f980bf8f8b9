/**
 * The soak's client process: traffic and connect/close churn against tools/soak/server.ts, at a
 * bounded rate, plus hostile connections. Each friendly client lives `churnMs`, then closes and a
 * new one takes its place:
 *
 * - ZeroMQ PUSH (64-byte messages, ~2,000/s) and REQ (~200 requests/s);
 * - SP REQ (~200 requests/s);
 * - nano over WebSocket and over raw TCP (the nano client: join, then echo requests);
 * - hostile, one every 100 ms, at most 20 open at a time: garbage bytes, huge length claims
 *   (ZMTP, SP, pomelo and WebSocket, 2^62 bytes), half-open handshakes held for 3 s, slowloris
 *   (one byte every 300 ms).
 *
 * Reads the server's ready line (JSON) as its only argument; prints `{"client":…}` counters once
 * a second; stops when stdin ends.
 * @module
 */
import { connect as tcpConnect } from "node:net";
import type { Socket } from "node:net";
import process from "node:process";
import { Push, Req } from "../../src/zmq.ts";
import { Req0 } from "../../src/sp.ts";
import { connect as nanoConnect } from "../../src/nano_client.ts";
import { tcpConnector } from "../../src/nano_client_runtime.ts";

interface Ready {
  zmqPull: string;
  zmqRep: string;
  spRep: string;
  nano: number;
}
const ready = JSON.parse(process.argv.at(-1)!) as Ready;
const churnMs = 3000;
let running = true;

const sent = { zmqPush: 0, zmqReq: 0, spReq: 0, nano: 0 };
const errors = { zmq: 0, sp: 0, nano: 0 };
const churn = { connections: 0, hostile: 0 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `life` again and again until the soak stops; a throw counts as an error of `family`. */
async function forever(family: keyof typeof errors, life: () => Promise<void>): Promise<void> {
  while (running) {
    churn.connections++;
    await life().catch(() => errors[family]++);
  }
}

const payload = new Uint8Array(64).fill(0x61);

async function zmqPushLife(): Promise<void> {
  const push = new Push({ linger: 1000, sendHighWaterMark: 10_000 });
  push.connect(ready.zmqPull);
  const until = Date.now() + churnMs;
  try {
    while (running && Date.now() < until) {
      await push.sendBatch(Array.from({ length: 200 }, () => payload));
      sent.zmqPush += 200;
      await sleep(100);
    }
  } finally {
    push.close();
  }
}

async function zmqReqLife(): Promise<void> {
  const req = new Req({ linger: 0, receiveTimeout: 5000 });
  req.connect(ready.zmqRep);
  const until = Date.now() + churnMs;
  try {
    for (let i = 0; running && Date.now() < until; i++) {
      await req.send(payload);
      await req.receive();
      sent.zmqReq++;
      if (i % 10 === 9) await sleep(50);
    }
  } finally {
    req.close();
  }
}

async function spReqLife(): Promise<void> {
  const req = new Req0({ recvTimeout: 5000 });
  await req.dial(ready.spRep);
  const until = Date.now() + churnMs;
  try {
    for (let i = 0; running && Date.now() < until; i++) {
      await req.send(payload);
      await req.recv();
      sent.spReq++;
      if (i % 10 === 9) await sleep(50);
    }
  } finally {
    req.close();
  }
}

async function nanoLife(url: string, tcp: boolean): Promise<void> {
  const client = await nanoConnect(url, {
    ...(tcp ? { connector: tcpConnector() } : {}),
    reconnect: false,
    requestTimeoutMs: 5000,
  });
  const until = Date.now() + churnMs;
  try {
    await client.request("soak.join", {});
    for (let i = 0; running && Date.now() < until; i++) {
      await client.request("soak.echo", { i, text: "soak" });
      sent.nano++;
      if (i % 5 === 4) await sleep(50);
    }
  } finally {
    client.close();
  }
}

// ---- hostile connections ----

const zmqGreeting = new Uint8Array(64);
zmqGreeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1]);
zmqGreeting.set(new TextEncoder().encode("NULL"), 12);
const hugeLength = [0x40, 0, 0, 0, 0, 0, 0, 0]; // 2^62, big-endian
const spReqHeader = [0, 0x53, 0x50, 0, 0, 0x30, 0, 0]; // SP, REQ0 (48)
const wsUpgrade = (port: number) =>
  new TextEncoder().encode(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );

function portOf(url: string): number {
  return Number(/:(\d+)$/.exec(url)![1]);
}

let openHostile = 0;

/** One hostile connection: what it sends, and how long it holds the socket before closing. */
function hostile(port: number, steps: { bytes: number[] | Uint8Array; afterMs: number }[]): void {
  if (openHostile >= 20) return;
  openHostile++;
  churn.hostile++;
  const socket: Socket = tcpConnect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.on("data", () => {}); // read and drop what the server says
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    openHostile--;
    socket.destroy();
  };
  socket.on("close", finish);
  socket.once("connect", async () => {
    for (const step of steps) {
      if (socket.destroyed) break;
      socket.write(new Uint8Array(step.bytes));
      await sleep(step.afterMs);
    }
    finish();
  });
}

function garbage(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.random() * 256) | 0;
  return out;
}

function slowloris(bytes: Uint8Array, n: number) {
  return Array.from({ length: n }, (_, i) => ({ bytes: [bytes[i]!], afterMs: 300 }));
}

const hostiles: (() => void)[] = [
  () => hostile(portOf(ready.zmqPull), [{ bytes: garbage(64), afterMs: 50 }]),
  () =>
    hostile(portOf(ready.zmqPull), [{
      bytes: [...zmqGreeting, 0x06, ...hugeLength],
      afterMs: 500,
    }]),
  () => hostile(portOf(ready.zmqRep), [{ bytes: zmqGreeting.subarray(0, 10), afterMs: 3000 }]),
  () => hostile(portOf(ready.zmqRep), slowloris(zmqGreeting, 12)),
  () => hostile(portOf(ready.spRep), [{ bytes: garbage(16), afterMs: 50 }]),
  () => hostile(portOf(ready.spRep), [{ bytes: [...spReqHeader, ...hugeLength], afterMs: 500 }]),
  () => hostile(portOf(ready.spRep), [{ bytes: spReqHeader.slice(0, 4), afterMs: 3000 }]),
  () => hostile(ready.nano, [{ bytes: garbage(32), afterMs: 50 }]),
  () => hostile(ready.nano, [{ bytes: [1, 0xff, 0xff, 0xff, 0x7b], afterMs: 500 }]), // pomelo
  () =>
    hostile(ready.nano, [
      { bytes: wsUpgrade(ready.nano), afterMs: 100 },
      { bytes: [0x82, 0xff, ...hugeLength, 1, 2, 3, 4], afterMs: 500 }, // masked, 2^62
    ]),
  () => hostile(ready.nano, [{ bytes: wsUpgrade(ready.nano).subarray(0, 30), afterMs: 3000 }]),
  () => hostile(ready.nano, slowloris(wsUpgrade(ready.nano), 12)),
];

// ---- run ----

const workers = [
  forever("zmq", zmqPushLife),
  forever("zmq", zmqReqLife),
  forever("sp", spReqLife),
  ...Array.from(
    { length: 3 },
    () => forever("nano", () => nanoLife(`ws://127.0.0.1:${ready.nano}`, false)),
  ),
  ...Array.from(
    { length: 2 },
    () => forever("nano", () => nanoLife(`tcp://127.0.0.1:${ready.nano}`, true)),
  ),
];
let h = 0;
const hostileTimer = setInterval(() => hostiles[h++ % hostiles.length]!(), 100);
const report = setInterval(() => {
  process.stdout.write(JSON.stringify({ client: { sent, errors, churn } }) + "\n"); // not console.log: Deno keeps the last 1,000 console messages
}, 1000);

async function stop(): Promise<void> {
  if (!running) return;
  running = false;
  clearInterval(hostileTimer);
  clearInterval(report);
  await Promise.race([Promise.all(workers), sleep(6000)]);
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.resume();
