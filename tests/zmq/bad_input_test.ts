// Bad input at a weft ZeroMQ socket: raw TCP peers (node:net) writing broken greetings,
// handshakes and frames, a libzmq peer of an incompatible type, and a peer that never reads.
// Each misbehaving connection must be closed on its own with an event naming the cause, while
// a well-behaved peer keeps exchanging messages, and nothing may reject into user code.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, type Socket as NetSocket } from "node:net";
import process from "node:process";
import { Pub, Pull, Push, Sub, WeftError } from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions } from "../../src/zmq.ts";
import { requirePeer, type SkippableContext, startZmqPeer } from "../interop/_peers.ts";
import { concat, texts, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

// ── raw ZMTP bytes, written out by hand (independent of weft's own encoder) ──────────────────

interface GreetingBytes {
  octet0?: number;
  octet9?: number;
  major?: number;
  minor?: number;
  mechanism?: string;
}

/** A 64-octet ZMTP greeting (RFC 23): signature, version, mechanism, as-server, filler. */
function greeting(g: GreetingBytes = {}): Uint8Array {
  const b = new Uint8Array(64);
  b[0] = g.octet0 ?? 0xff;
  b[9] = g.octet9 ?? 0x7f;
  b[10] = g.major ?? 3;
  b[11] = g.minor ?? 1;
  b.set(enc.encode(g.mechanism ?? "NULL"), 12);
  return b;
}

/** A frame: flags (MORE 1, LONG 2, COMMAND 4) and body; long form above 255 octets. */
function frame(body: Uint8Array, flags = 0): Uint8Array {
  if (body.length <= 255) return Uint8Array.of(flags, body.length, ...body);
  const out = new Uint8Array(9 + body.length);
  out[0] = flags | 2;
  new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  out.set(body, 9);
  return out;
}

/** A READY command with the given properties. */
function ready(props: Record<string, string>): Uint8Array {
  const parts: number[] = [5, ...enc.encode("READY")];
  for (const [name, value] of Object.entries(props)) {
    const v = enc.encode(value);
    parts.push(name.length, ...enc.encode(name), 0, 0, (v.length >> 8) & 0xff, v.length & 0xff);
    parts.push(...v);
  }
  return frame(Uint8Array.from(parts), 4);
}

/** A raw TCP peer: what it received, and when the other side closed it. */
interface RawPeer {
  readonly sock: NetSocket;
  readonly localPort: number;
  readonly received: () => Uint8Array;
  readonly closed: Promise<void>;
}

async function rawPeer(url: string, opts: { read?: boolean } = {}): Promise<RawPeer> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
  if (!m) throw new Error(`expected tcp://host:port, got ${url}`);
  const sock = connect({ host: m[1]!, port: Number(m[2]) });
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  sock.on("error", () => {}); // a reset from weft is one of the expected endings
  if (opts.read === false) sock.pause();
  else sock.on("data", (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  return {
    sock,
    localPort: sock.localPort!,
    received: () => new Uint8Array(Buffer.concat(chunks)),
    closed,
  };
}

// ── the frame of every test ──────────────────────────────────────────────────────────────────

const opts = (extra: SocketOptions = {}): SocketOptions => ({ linger: 0, ...extra });

/** Sockets to close and process-level rejections seen during one test. */
class Scope {
  #sockets: Socket[] = [];
  #raws: NetSocket[] = [];
  #cleanups: Array<() => Promise<void>> = [];
  readonly rejections: unknown[] = [];
  readonly #onRejection = (reason: unknown) => {
    this.rejections.push(reason);
  };

  constructor() {
    process.on("unhandledRejection", this.#onRejection);
  }

  weft<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  async raw(url: string, o: { read?: boolean } = {}): Promise<RawPeer> {
    const peer = await rawPeer(url, o);
    this.#raws.push(peer.sock);
    return peer;
  }

  later(fn: () => Promise<void>): void {
    this.#cleanups.push(fn);
  }

  async dispose(): Promise<void> {
    for (const r of this.#raws.splice(0)) r.destroy();
    for (const s of this.#sockets.splice(0)) s.close();
    for (const fn of this.#cleanups.splice(0)) await fn();
    // Let pending rejections surface before looking.
    await new Promise((r) => setTimeout(r, 0));
    process.off("unhandledRejection", this.#onRejection);
  }
}

async function scenario(body: (s: Scope) => Promise<void>): Promise<void> {
  const scope = new Scope();
  try {
    await body(scope);
  } finally {
    await scope.dispose();
  }
  assert.deepEqual(scope.rejections, [], "an unhandled rejection reached the process");
}

/** Collects a socket's events. */
function record(sock: Socket): SocketEvent[] {
  const seen: SocketEvent[] = [];
  sock.events.on("*", (e) => seen.push(e));
  return seen;
}

/** The first event of one of `types` about the connection from `port`, within a deadline. */
async function eventFor(
  seen: SocketEvent[],
  port: number,
  types: readonly SocketEvent["type"][],
): Promise<SocketEvent> {
  const match = (e: SocketEvent) =>
    types.includes(e.type) && (e.remoteAddress ?? "").endsWith(`:${port}`);
  await until(() => seen.some(match), "the event", 5000).catch(() => {
    throw new Error(
      `no ${types.join("/")} event for :${port}; saw ${
        seen.map((e) => `${e.type}(${e.remoteAddress ?? ""} ${e.reason ?? ""})`).join(", ")
      }`,
    );
  });
  return seen.find(match)!;
}

/** A weft PULL bound on tcp with a healthy weft PUSH that has delivered one message. */
async function pullWithGoodPeer(s: Scope, pullOptions: SocketOptions = {}) {
  const pull = s.weft(new Pull(opts(pullOptions)));
  const events = record(pull);
  await pull.bind("tcp://127.0.0.1:0");
  const url = pull.lastEndpoint!;
  const good = s.weft(new Push(opts()));
  const goodEvents = record(good);
  good.connect(url);
  await good.send("before");
  assert.deepEqual(texts(await within(pull.receive())), ["before"]);
  /** The good peer still gets through, and was never disconnected. */
  const stillServes = async (tag: string) => {
    await good.send(["after", tag]);
    assert.deepEqual(texts(await within(pull.receive())), ["after", tag]);
    const bad = goodEvents.filter((e) => e.type === "disconnect" || e.type === "handshake:error");
    assert.deepEqual(bad, [], "the well-behaved peer lost its connection");
  };
  return { pull, url, events, stillServes };
}

/** A raw peer's bytes make weft PULL close it with an event of `type` matching `reason`. */
async function refuses(
  s: Scope,
  bytes: Uint8Array,
  expect: { type: SocketEvent["type"]; reason: RegExp; code?: string; options?: SocketOptions },
): Promise<RawPeer> {
  const { url, events, stillServes } = await pullWithGoodPeer(s, expect.options);
  const raw = await s.raw(url);
  raw.sock.write(bytes);
  const event = await eventFor(events, raw.localPort, ["handshake:error", "disconnect"]);
  assert.equal(event.type, expect.type, `${event.type}: ${event.reason}`);
  assert.match(event.reason ?? "", expect.reason);
  if (expect.code !== undefined) assert.equal(event.code, expect.code);
  await within(raw.closed, "weft closing the bad connection", 5000);
  await stillServes(expect.reason.source);
  return raw;
}

const PUSH_HANDSHAKE = concat(greeting(), ready({ "Socket-Type": "PUSH" }));

describe("bad input at a weft socket", () => {
  test("garbage instead of a greeting", () =>
    scenario(async (s) => {
      await refuses(s, enc.encode("GET / HTTP/1.1\r\nHost: weft\r\n\r\n"), {
        type: "handshake:error",
        reason: /not a ZMTP peer.*octet 0.*0x47/,
        code: "EPROTO",
      });
    }));

  test("wrong signature (octet 9 without bit 0: ZMTP 1.0 or noise)", () =>
    scenario(async (s) => {
      await refuses(s, greeting({ octet9: 0x00 }), {
        type: "handshake:error",
        reason: /octet 9/,
        code: "EPROTO",
      });
    }));

  test("greeting with major version 2", () =>
    scenario(async (s) => {
      await refuses(s, greeting({ major: 2, minor: 0 }), {
        type: "handshake:error",
        reason: /major version 3 or higher, got 2/,
        code: "EPROTO",
      });
    }));

  test("mechanism PLAIN against our NULL", () =>
    scenario(async (s) => {
      await refuses(s, greeting({ mechanism: "PLAIN" }), {
        type: "handshake:error",
        reason: /mechanism mismatch: we use NULL, the peer uses "PLAIN"/,
        code: "EPROTO",
      });
    }));

  test("a READY claiming PUB at a PULL is refused with an ERROR command", () =>
    scenario(async (s) => {
      const raw = await refuses(s, concat(greeting(), ready({ "Socket-Type": "PUB" })), {
        type: "handshake:error",
        reason: /Invalid socket type.*"PUB"/,
        code: "EPROTO",
      });
      // weft told the peer why: its greeting, its READY, then ERROR.
      const got = dec.decode(raw.received());
      assert.match(got, /READY/);
      assert.match(got, /ERROR/);
    }));

  test("a message frame before READY", () =>
    scenario(async (s) => {
      await refuses(s, concat(greeting(), frame(enc.encode("too early"))), {
        type: "handshake:error",
        reason: /message before READY/,
        code: "EPROTO",
      });
    }));

  test("a peer that never completes the handshake times out (handshakeInterval)", () =>
    scenario(async (s) => {
      await refuses(s, greeting().subarray(0, 30), {
        type: "handshake:error",
        reason: /handshake not complete within 200 ms/,
        code: "ETIMEDOUT",
        options: { handshakeInterval: 200 },
      });
    }));

  test("a frame over maxMessageSize (short frame, checked after arrival)", () =>
    scenario(async (s) => {
      await refuses(s, concat(PUSH_HANDSHAKE, frame(new Uint8Array(2000))), {
        type: "disconnect",
        reason: /maxMessageSize.*got 2000/,
        code: "EMSGSIZE",
        options: { maxMessageSize: 1024 },
      });
    }));

  test("a frame header announcing 1 TiB (refused from the header, nothing buffered)", () =>
    scenario(async (s) => {
      const header = new Uint8Array(9);
      header[0] = 2;
      new DataView(header.buffer).setBigUint64(1, 1n << 40n);
      await refuses(s, concat(PUSH_HANDSHAKE, header, new Uint8Array(100)), {
        type: "disconnect",
        reason: /at most 1024 octets \(maxMessageSize\), got 1099511627776$/,
        code: "EMSGSIZE",
        options: { maxMessageSize: 1024 },
      });
    }));

  test("a 2^62 claim with maxMessageSize unset names the built-in 4 GiB cap, exactly", () =>
    scenario(async (s) => {
      const header = new Uint8Array(9);
      header[0] = 2;
      new DataView(header.buffer).setBigUint64(1, 1n << 62n);
      await refuses(s, concat(PUSH_HANDSHAKE, header), {
        type: "disconnect",
        reason: new RegExp(
          "^bad ZMTP frame: expected frames of at most 4294967295 octets \\(weft's built-in " +
            "cap: lengths are read as 32 bits; maxMessageSize is unset\\), got 4611686018427387904$",
        ),
        code: "EMSGSIZE",
      });
    }));

  test("a READY with a 256-octet Identity is refused (ZMTP allows 255), ERROR sent", () =>
    scenario(async (s) => {
      const raw = await refuses(
        s,
        concat(greeting(), ready({ "Socket-Type": "PUSH", Identity: "i".repeat(256) })),
        {
          type: "handshake:error",
          reason: /^Invalid Identity: at most 255 octets \(RFC 23\), got 256$/,
          code: "EPROTO",
        },
      );
      assert.match(dec.decode(raw.received()), /ERROR.*Invalid Identity/s);
    }));

  test("maxConnections: a connection beyond it is refused (accept:error), the others carry on", () =>
    scenario(async (s) => {
      // The good peer holds one of the two.
      const { pull, url, events, stillServes } = await pullWithGoodPeer(s, { maxConnections: 2 });
      assert.equal(pull.maxConnections, 2);
      const second = await s.raw(url);
      second.sock.write(PUSH_HANDSHAKE);
      await eventFor(events, second.localPort, ["handshake"]);
      const third = await s.raw(url);
      await within(third.closed, "the third connection refused");
      const refusal = await eventFor(events, third.localPort, ["accept:error"]);
      assert.equal(refusal.code, "ECONNREFUSED");
      assert.match(refusal.reason ?? "", /^maxConnections \(2\) reached on this listener/);
      await stillServes("beyond maxConnections");
      // The second one still works too.
      second.sock.write(frame(enc.encode("from the second")));
      assert.deepEqual(texts(await within(pull.receive())), ["from the second"]);
      // A slot that frees up is taken again (released once weft's side has closed: retry).
      second.sock.destroy();
      await eventFor(events, second.localPort, ["disconnect"]);
      let accepted = false;
      for (let i = 0; i < 100 && !accepted; i++) {
        const next = await s.raw(url);
        next.sock.write(PUSH_HANDSHAKE);
        accepted = (await eventFor(events, next.localPort, ["handshake", "accept:error"])).type ===
          "handshake";
      }
      assert.ok(accepted, "a new connection accepted once one closed");
      await stillServes("after a slot freed up");
    }));

  for (
    const [name, tail] of [
      ["a frame cut short", Uint8Array.of(0, 100, ...new Uint8Array(10))],
      ["a multipart message missing its last frame", frame(enc.encode("part one"), 1)],
      ["a long-frame header cut short", Uint8Array.of(2, 0, 0, 0)],
    ] as const
  ) {
    test(`the peer vanishes mid-message (${name}): no message, a disconnect`, () =>
      scenario(async (s) => {
        const { pull, url, events, stillServes } = await pullWithGoodPeer(s);
        const raw = await s.raw(url);
        raw.sock.write(PUSH_HANDSHAKE);
        await eventFor(events, raw.localPort, ["handshake"]);
        raw.sock.end(tail);
        const event = await eventFor(events, raw.localPort, ["disconnect", "handshake:error"]);
        assert.equal(event.type, "disconnect");
        assert.match(event.reason ?? "", /closed/);
        // Nothing half-made was delivered: the next message is the good peer's.
        assert.equal((pull as unknown as { xrecv(): unknown }).xrecv(), undefined);
        await stillServes("after a vanished peer");
      }));
  }

  test("libzmq PUSH at a weft PUB: refused (socket type), subscribers keep receiving", (t) =>
    scenario(async (s) => {
      if (!requirePeer(t as SkippableContext, "python3-zmq")) return;
      const pub = s.weft(new Pub(opts()));
      const events = record(pub);
      await pub.bind("tcp://127.0.0.1:0");
      const url = pub.lastEndpoint!;
      const sub = s.weft(new Sub(opts()));
      sub.subscribe("t");
      sub.connect(url);
      const pump = setInterval(() => void pub.send(["t", "sync"]), 10);
      try {
        assert.deepEqual(texts(await within(sub.receive())), ["t", "sync"]);
      } finally {
        clearInterval(pump);
      }
      const peer = await startZmqPeer();
      s.later(() => peer.close());
      await peer.ok({ op: "socket", type: "PUSH", options: { LINGER: 0 } });
      await peer.ok({ op: "monitor" });
      await peer.ok({ op: "connect", endpoint: url });
      await until(
        () => events.some((e) => e.type === "handshake:error"),
        "a handshake:error",
        5000,
      );
      const refusal = events.find((e) => e.type === "handshake:error")!;
      assert.match(refusal.reason ?? "", /Invalid socket type: PUB expects .*SUB.*got "PUSH"/);
      // libzmq got our READY and ERROR (not a bare hang-up, which it reports as
      // HANDSHAKE_FAILED_NO_DETAIL and retries forever): a protocol error, so it gives up.
      const ending = await peer.nextEvent({
        name: ["HANDSHAKE_FAILED_NO_DETAIL", "HANDSHAKE_FAILED_PROTOCOL", "DISCONNECTED"],
      });
      assert.equal(ending.event, "DISCONNECTED", "libzmq never saw why it was refused");
      const retry = await peer.nextEvent({ name: "CONNECT_RETRIED", timeoutMs: 500 }).then(
        (e) => e,
        () => undefined,
      );
      assert.equal(retry, undefined, "libzmq kept retrying a refused connection");
      await pub.send(["t", "end"]);
      for (;;) {
        const m = texts(await within(sub.receive()));
        if (m[1] === "end") break;
      }
      assert.equal(events.filter((e) => e.type === "handshake").length, 1, "only the SUB's");
      assert.equal(events.filter((e) => e.type === "handshake:error").length, 1);
    }));

  test("a peer that never reads: send waits at the HWM, queues stay bounded", () =>
    scenario(async (s) => {
      const hwm = 8;
      const size = 64 * 1024;
      const push = s.weft(new Push(opts({ sendHighWaterMark: hwm, sendTimeout: 300 })));
      const events = record(push);
      await push.bind("tcp://127.0.0.1:0");
      const url = push.lastEndpoint!;
      const raw = await s.raw(url, { read: false });
      raw.sock.write(concat(greeting(), ready({ "Socket-Type": "PULL" })));
      await eventFor(events, raw.localPort, ["handshake"]);
      const body = new Uint8Array(size).fill(0x5a);
      let sent = 0;
      let blocked: unknown;
      const limit = 4096; // 256 MiB: far beyond what the kernel and our queues may hold
      while (sent < limit) {
        try {
          await push.send(body);
          sent++;
        } catch (e) {
          blocked = e;
          break;
        }
      }
      assert.ok(blocked instanceof WeftError && blocked.code === "EAGAIN", `${blocked}`);
      // Bounded: the HWM plus what the kernel's socket buffers and one write batch absorbed.
      assert.ok(sent >= hwm, `only ${sent} sends went through`);
      assert.ok(sent * size <= 64 * 1024 * 1024, `${sent} × 64 KiB queued before send blocked`);
      const pipes = [...(push as unknown as { pipes: Set<{ writable: boolean }> }).pipes];
      assert.deepEqual(pipes.map((p) => p.writable), [false], "the pipe is at its HWM");
      // Another peer is served meanwhile (PUSH skips the full pipe).
      const good = s.weft(new Pull(opts()));
      good.connect(url);
      await push.send("to the reader");
      assert.deepEqual(texts(await within(good.receive())), ["to the reader"]);
      // The stuck peer leaves: only its connection goes.
      raw.sock.destroy();
      const gone = await eventFor(events, raw.localPort, ["disconnect"]);
      assert.ok(gone.reason, "a disconnect names its reason");
      await push.send("still");
      assert.deepEqual(texts(await within(good.receive())), ["still"]);
    }));
});
