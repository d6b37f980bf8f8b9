// Bad input at weft SP sockets from raw peers (node:net bytes written by hand, and a raw HTTP
// upgrade for ws): broken connection headers, an incompatible protocol, oversize lengths,
// garbage after the header, backtraces without an id or with too many hops, replies whose id
// lacks the high bit, and a ws dial offering the wrong subprotocol. As nng 1.5.2 does, each
// either closes only that connection (with an event naming the cause) or drops the message and
// keeps the connection; a well-behaved weft peer keeps being served throughout, and nothing
// rejects into user code.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, createServer, type Server, type Socket as NetSocket } from "node:net";
import process from "node:process";
import { Rep0, Req0, Respondent0, Surveyor0 } from "../../src/sp.ts";
import type { SocketEvent, SpOptions, SpSocket } from "../../src/sp.ts";
import { removeIpcFile, tempIpcPath } from "../interop/_peers.ts";
import { concat, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

// ── SP bytes, written out by hand (independent of weft's encoder) ──────────────────────────────

/** The 8-byte connection header: 00 'S' 'P' version id(u16 BE) reserved(2). */
function header(id: number, o: { magic?: number; version?: number; reserved?: number } = {}) {
  return Uint8Array.of(
    o.magic ?? 0,
    0x53,
    0x50,
    o.version ?? 0,
    id >> 8,
    id & 0xff,
    0,
    o.reserved ?? 0,
  );
}

/** One tcp message: u64 BE length, payload (ipc: a type byte first). */
function frame(payload: Uint8Array, ipc = false): Uint8Array {
  const out = new Uint8Array((ipc ? 9 : 8) + payload.length);
  const at = ipc ? 1 : 0;
  if (ipc) out[0] = 1;
  new DataView(out.buffer).setBigUint64(at, BigInt(payload.length));
  out.set(payload, at + 8);
  return out;
}

const u32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
};
const REQ0 = 0x30;
const REP0 = 0x31;
const SURVEYOR0 = 0x62;

/** A raw peer connected over tcp or ipc: what it received, and when weft closed it. */
interface RawPeer {
  readonly sock: NetSocket;
  readonly localPort: number;
  readonly received: () => Uint8Array;
  readonly closed: Promise<void>;
}

async function rawPeer(url: string): Promise<RawPeer> {
  const tcp = /^tcp:\/\/([^:]+):(\d+)/.exec(url);
  const sock = tcp
    ? connect({ host: tcp[1]!, port: Number(tcp[2]) })
    : connect({ path: url.replace(/^ipc:\/\//, "") });
  return await adopt(sock, true);
}

async function adopt(sock: NetSocket, waitConnect: boolean): Promise<RawPeer> {
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  sock.on("error", () => {}); // a reset from weft is one of the expected endings
  sock.on("data", (c: Buffer) => chunks.push(c));
  if (waitConnect) {
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
  }
  return {
    sock,
    localPort: sock.localPort ?? 0,
    received: () => new Uint8Array(Buffer.concat(chunks)),
    closed,
  };
}

// ── the frame of every test ──────────────────────────────────────────────────────────────────

/** Sockets and raw peers to close, and process-level rejections seen, during one test. */
class Scope {
  #sockets: SpSocket[] = [];
  #raws: NetSocket[] = [];
  #servers: Server[] = [];
  #ipc: string[] = [];
  readonly rejections: unknown[] = [];
  readonly #onRejection = (reason: unknown) => {
    this.rejections.push(reason);
  };

  constructor() {
    process.on("unhandledRejection", this.#onRejection);
  }

  weft<T extends SpSocket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  async raw(url: string): Promise<RawPeer> {
    const peer = await rawPeer(url);
    this.#raws.push(peer.sock);
    return peer;
  }

  track(sock: NetSocket): void {
    this.#raws.push(sock);
  }

  server(s: Server): Server {
    this.#servers.push(s);
    return s;
  }

  ipcPath(): string {
    const p = tempIpcPath("sp-bad");
    this.#ipc.push(p);
    return p;
  }

  async dispose(): Promise<void> {
    for (const r of this.#raws.splice(0)) r.destroy();
    for (const s of this.#servers.splice(0)) s.close();
    for (const s of this.#sockets) s.close();
    await Promise.all(this.#sockets.splice(0).map((s) => s.closed));
    for (const p of this.#ipc.splice(0)) removeIpcFile(p);
    await new Promise((r) => setTimeout(r, 0)); // let pending rejections surface
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
function record(sock: SpSocket): SocketEvent[] {
  const seen: SocketEvent[] = [];
  sock.events.on("*", (e) => seen.push(e));
  return seen;
}

const FAILURES: readonly SocketEvent["type"][] = ["handshake:error", "disconnect"];

/** The first failure event about the connection from `port` (any port: 0), within a deadline. */
async function failureFor(seen: SocketEvent[], port: number): Promise<SocketEvent> {
  const match = (e: SocketEvent) =>
    FAILURES.includes(e.type) && (port === 0 || (e.remoteAddress ?? "").endsWith(`:${port}`));
  await until(() => seen.some(match), "a failure event", 5000).catch(() => {
    throw new Error(
      `no failure event for :${port}; saw ${
        seen.map((e) => `${e.type}(${e.remoteAddress ?? ""} ${e.reason ?? ""})`).join(", ")
      }`,
    );
  });
  return seen.find(match)!;
}

/** A weft REP listening with a well-behaved weft REQ that has had one exchange. */
async function repWithGoodPeer(s: Scope, url: string, options: SpOptions = {}) {
  const rep = s.weft(new Rep0(options));
  const events = record(rep);
  await rep.listen(url);
  const at = rep.lastEndpoint!;
  const good = s.weft(new Req0({ reconnectTime: 50 }));
  const goodEvents = record(good);
  await within(good.dial(at));
  let n = 0;
  /** One more exchange with the good peer, which must never have been disconnected. */
  const stillServes = async () => {
    const q = `q${n++}`;
    await good.send(q);
    assert.equal(dec.decode(await within(rep.recv())), q);
    await rep.send(`a:${q}`);
    assert.equal(dec.decode(await within(good.recv())), `a:${q}`);
    const bad = goodEvents.filter((e) => FAILURES.includes(e.type));
    assert.deepEqual(bad, [], "the well-behaved peer lost its connection");
  };
  await stillServes();
  return { rep, url: at, events, stillServes };
}

/** A raw peer writing `bytes` to a weft REP gets closed with `code` and a reason. */
async function refused(
  s: Scope,
  bytes: Uint8Array,
  expect: { code: string; reason: RegExp; type?: SocketEvent["type"]; options?: SpOptions },
): Promise<void> {
  const { url, events, stillServes } = await repWithGoodPeer(
    s,
    "tcp://127.0.0.1:0",
    expect.options,
  );
  const raw = await s.raw(url);
  raw.sock.write(bytes);
  const event = await failureFor(events, raw.localPort);
  assert.equal(event.code, expect.code, event.reason);
  assert.match(event.reason ?? "", expect.reason);
  if (expect.type) assert.equal(event.type, expect.type);
  await within(raw.closed);
  await stillServes();
}

describe("sp bad input", () => {
  test("wrong magic byte: handshake error EPROTO, only that connection closed", () =>
    scenario(async (s) => {
      await refused(s, header(REQ0, { magic: 1 }), {
        code: "EPROTO",
        reason: /SP header/,
        type: "handshake:error",
      });
    }));

  test("wrong version byte: EPROTO naming the version", () =>
    scenario(async (s) => {
      await refused(s, header(REQ0, { version: 1 }), {
        code: "EPROTO",
        reason: /version 0, got 1/,
        type: "handshake:error",
      });
    }));

  test("non-zero reserved bytes: EPROTO", () =>
    scenario(async (s) => {
      await refused(s, header(REQ0, { reserved: 7 }), { code: "EPROTO", reason: /reserved/ });
    }));

  test("a peer of an incompatible protocol (pub0 at a rep0): EPROTO naming both", () =>
    scenario(async (s) => {
      await refused(s, header(0x20), {
        code: "EPROTO",
        reason: /expected a req peer.*got pub/,
        type: "handshake:error",
      });
    }));

  test("a length above recvMaxSize: EMSGSIZE, connection closed", () =>
    scenario(async (s) => {
      const big = new Uint8Array(200).fill(0x61);
      big.set(u32(0x80000001));
      await refused(s, concat(header(REQ0), frame(big)), {
        code: "EMSGSIZE",
        reason: /^expected a message of at most 100 octets \(recvMaxSize\), got 200$/,
        type: "disconnect",
        options: { recvMaxSize: 100 },
      });
    }));

  test("garbage after the header (a length of 2^62): EMSGSIZE under the default 1 MiB", () =>
    scenario(async (s) => {
      await refused(s, concat(header(REQ0), enc.encode("@GARBAGE and more")), {
        code: "EMSGSIZE",
        reason: /recvMaxSize/,
      });
    }));

  test("a 2^62 claim with recvMaxSize 0 (no limit) names the built-in 4 GiB cap, exactly", () =>
    scenario(async (s) => {
      const claim = new Uint8Array(8);
      new DataView(claim.buffer).setBigUint64(0, 1n << 62n);
      await refused(s, concat(header(REQ0), claim), {
        code: "EMSGSIZE",
        reason: new RegExp(
          "^expected a message of at most 4294967295 octets \\(weft's built-in cap: lengths " +
            "are read as 32 bits; recvMaxSize is unset\\), got 4611686018427387904$",
        ),
        type: "disconnect",
        options: { recvMaxSize: 0 },
      });
    }));

  test("a peer that sends no SP header times out after handshakeTimeout (ETIMEDOUT)", () =>
    scenario(async (s) => {
      await refused(s, header(REQ0).subarray(0, 3), {
        code: "ETIMEDOUT",
        reason: /expected the peer's SP header within 200 ms/,
        type: "handshake:error",
        options: { handshakeTimeout: 200 },
      });
    }));

  test("maxConnections: a connection beyond it is refused (accept:error), the others carry on", () =>
    scenario(async (s) => {
      // The good peer holds one of the two.
      const { rep, url, events, stillServes } = await repWithGoodPeer(s, "tcp://127.0.0.1:0", {
        maxConnections: 2,
      });
      assert.equal(rep.maxConnections, 2);
      const second = await s.raw(url);
      second.sock.write(header(REQ0));
      await until(() => events.filter((e) => e.type === "handshake").length === 2, "2nd handshake");
      const third = await s.raw(url);
      await within(third.closed, "the third connection refused");
      const refusal = events.find((e) => e.type === "accept:error");
      assert.ok(refusal, events.map((e) => e.type).join(", "));
      assert.equal(refusal.code, "ECONNREFUSED");
      assert.match(refusal.reason ?? "", /^maxConnections \(2\) reached on this listener/);
      assert.ok(refusal.remoteAddress?.endsWith(`:${third.localPort}`), refusal.remoteAddress);
      await stillServes();
      // A slot that frees up is taken again.
      second.sock.destroy();
      await failureFor(events, second.localPort);
      // (The slot is released when weft's side of the stream has closed: retry until then.)
      let accepted = false;
      for (let i = 0; i < 100 && !accepted; i++) {
        const next = await s.raw(url);
        next.sock.write(header(REQ0));
        const about = (e: SocketEvent) => e.remoteAddress?.endsWith(`:${next.localPort}`);
        const outcome = () =>
          events.find((e) => (e.type === "handshake" || e.type === "accept:error") && about(e));
        await until(() => outcome() !== undefined, "the next connection's outcome");
        accepted = outcome()!.type === "handshake";
      }
      assert.ok(accepted, "a new connection accepted once one closed");
      await stillServes();
    }));

  test("ipc: a message type byte other than 1 closes the connection (EPROTO)", () =>
    scenario(async (s) => {
      const { url, events, stillServes } = await repWithGoodPeer(s, `ipc://${s.ipcPath()}`);
      const raw = await s.raw(url);
      const bad = frame(concat(u32(0x80000001), enc.encode("hi")), true);
      bad[0] = 2;
      raw.sock.write(concat(header(REQ0), bad));
      // The good peer is on ipc too, so match the bad one by elimination: the first failure.
      const event = await failureFor(events, 0);
      assert.equal(event.code, "EPROTO", event.reason);
      await within(raw.closed);
      await stillServes();
    }));

  test("a request whose backtrace has no id (no high bit): EPROTO, connection closed", () =>
    scenario(async (s) => {
      const { url, rep, events } = await repWithGoodPeer(s, "tcp://127.0.0.1:0");
      // As a server does, REP is waiting for the next request.
      const next = rep.recv();
      const raw = await s.raw(url);
      // Two hop words without the high bit, then fewer than 4 bytes: nng calls it garbage.
      raw.sock.write(concat(header(REQ0), frame(concat(u32(1), u32(2), enc.encode("x")))));
      const event = await failureFor(events, raw.localPort);
      assert.equal(event.code, "EPROTO", event.reason);
      assert.equal(event.type, "disconnect");
      assert.match(event.reason ?? "", /backtrace ending in an id/);
      await within(raw.closed);
      // The pending receive is still there for the good peer.
      const good = s.weft(new Req0());
      await within(good.dial(url));
      await good.send("still here");
      assert.equal(dec.decode(await within(next)), "still here");
    }));

  test("a garbage backtrace closes its connection as it arrives, with no recv() pending", () =>
    scenario(async (s) => {
      // REP (cooked and raw) and RESPONDENT: nobody receives; the bad pipe must still close.
      const cases = [
        { make: () => new Rep0(), peer: REQ0, name: "rep" },
        { make: () => new Rep0({ raw: true }), peer: REQ0, name: "rep" },
        { make: () => new Respondent0(), peer: SURVEYOR0, name: "respondent" },
      ];
      for (const c of cases) {
        const sock = s.weft(c.make());
        const events = record(sock);
        await sock.listen("tcp://127.0.0.1:0");
        const raw = await s.raw(sock.lastEndpoint!);
        // One hop word without the high bit, then 1 byte: garbage (nng closes the pipe).
        raw.sock.write(concat(header(c.peer), frame(concat(u32(1), enc.encode("x")))));
        const event = await failureFor(events, raw.localPort);
        assert.equal(event.type, "disconnect");
        assert.equal(event.code, "EPROTO", event.reason);
        assert.match(
          event.reason ?? "",
          new RegExp(`${c.name}: expected a backtrace ending in an id`),
        );
        await within(raw.closed);
        // Nothing of it was queued: a well-formed request from another peer comes first.
        const good = s.weft(c.peer === REQ0 ? new Req0() : new Surveyor0());
        await within(good.dial(sock.lastEndpoint!));
        await good.send("fine");
        assert.equal(dec.decode(await within(sock.recv())).endsWith("fine"), true);
      }
    }));

  test("a request with more than maxTtl hops is dropped; the connection stays", () =>
    scenario(async (s) => {
      const { url, rep, events, stillServes } = await repWithGoodPeer(s, "tcp://127.0.0.1:0");
      const raw = await s.raw(url);
      const hops = Array.from({ length: 8 }, (_, i) => u32(i + 1)); // 8 hops + the id = 9 > 8
      const tooFar = concat(...hops, u32(0x80000001), enc.encode("far"));
      const fine = concat(u32(5), u32(0x80000002), enc.encode("near"));
      raw.sock.write(concat(header(REQ0), frame(tooFar), frame(fine)));
      const got = await within(rep.recvMsg());
      assert.equal(dec.decode(got.body), "near", "the far request was dropped, the near one kept");
      await rep.send("back");
      // The reply carries the near request's backtrace (hop 5, id 0x80000002), to the raw peer.
      const want = concat(header(REP0), frame(concat(u32(5), u32(0x80000002), enc.encode("back"))));
      await until(() => raw.received().length >= want.length, "the expected bytes", 5000);
      assert.deepEqual(raw.received(), want);
      assert.deepEqual(events.filter((e) => FAILURES.includes(e.type)), []);
      await stillServes();
    }));

  test("REQ drops replies whose id lacks the high bit or is unknown; the pipe stays", () =>
    scenario(async (s) => {
      // The raw peer is the REP server here; weft's REQ dials it.
      let resolveRaw!: (p: RawPeer) => void;
      const peer = new Promise<RawPeer>((r) => (resolveRaw = r));
      const srv = s.server(createServer((sock) => {
        s.track(sock);
        void adopt(sock, false).then(resolveRaw);
      }));
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const port = (srv.address() as { port: number }).port;
      const req = s.weft(new Req0({ reconnectTime: 50 }));
      const events = record(req);
      const dialed = req.dial(`tcp://127.0.0.1:${port}`);
      const raw = await within(peer);
      raw.sock.write(header(REP0));
      await within(dialed);
      await req.send("q");
      const reply = req.recv();
      // Our header (8 B) then the request: length 5, the id (4 B, high bit set), "q".
      await until(() => raw.received().length >= 8 + 8 + 5, "the expected bytes", 5000);
      const id = raw.received().subarray(16, 20);
      assert.ok(id[0]! & 0x80, "request ids have the high bit set");
      const lowBit = Uint8Array.from(id);
      lowBit[0]! &= 0x7f;
      const other = Uint8Array.from(id);
      other[3] = other[3]! ^ 1;
      raw.sock.write(concat(
        frame(concat(lowBit, enc.encode("no-high-bit"))),
        frame(concat(other, enc.encode("unknown-id"))),
        frame(enc.encode("ab")), // shorter than an id
        frame(concat(id, enc.encode("right"))),
      ));
      assert.equal(dec.decode(await within(reply)), "right");
      assert.deepEqual(events.filter((e) => FAILURES.includes(e.type)), []);
    }));

  test("ws: a dial offering the wrong subprotocol gets HTTP 400; the socket keeps serving", () =>
    scenario(async (s) => {
      const { url, stillServes } = await repWithGoodPeer(s, "ws://127.0.0.1:0/bad");
      const m = /^ws:\/\/([^:/]+):(\d+)(\/.*)$/.exec(url);
      assert.ok(m, url);
      const raw = await s.raw(`tcp://${m[1]}:${m[2]}`);
      raw.sock.write(
        `GET ${m[3]} HTTP/1.1\r\nHost: ${m[1]}:${m[2]}\r\nUpgrade: websocket\r\n` +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: pub.sp.nanomsg.org\r\n\r\n",
      );
      await within(raw.closed);
      assert.match(dec.decode(raw.received()), /^HTTP\/1\.1 400 /);
      await stillServes();
    }));
});
