// weft's ZeroMQ sockets against real libzmq 4.3 (pyzmq, tests/interop/peers/zmq_peer.py): every
// valid socket pairing in both directions (weft binds + libzmq connects, libzmq binds + weft
// connects) over tcp and, for a subset, ipc; frame sizes around the short/long boundary and a
// 10 MiB frame; heartbeats both ways; reconnect after the libzmq process is killed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { Dealer, Pair, Pub, Pull, Push, Rep, Req, Router, Sub, XPub, XSub } from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions } from "../../src/zmq.ts";
import {
  freePort,
  removeIpcFile,
  type SkippableContext,
  startZmqPeer,
  tempIpcPath,
  withPyzmqScope,
  type ZmqPeer,
} from "./_peers.ts";
import { texts, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Lowercase hex of a string (UTF-8) or bytes, as zmq_peer.py expects. */
function hex(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return Buffer.from(bytes).toString("hex");
}
const unhex = (h: unknown): Uint8Array => new Uint8Array(Buffer.from(String(h), "hex"));
const hexTexts = (frames: unknown): string[] =>
  (frames as string[]).map((h) => dec.decode(unhex(h)));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

type Dir = "weft binds" | "libzmq binds";
type Transport = "tcp" | "ipc";
const DIRS: readonly Dir[] = ["weft binds", "libzmq binds"];
const TCP_AND_IPC: readonly Transport[] = ["tcp", "ipc"];
const TCP_ONLY: readonly Transport[] = ["tcp"];

/** Sockets, peers and ipc files of one test, released at its end. */
class Scope {
  #sockets: Socket[] = [];
  #peers: ZmqPeer[] = [];
  #ipc: string[] = [];

  weft<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  /** A fresh pyzmq peer holding one socket of `type` (LINGER 0 plus `options`). */
  async peer(type: string, options: Record<string, unknown> = {}): Promise<ZmqPeer> {
    const peer = await startZmqPeer();
    this.#peers.push(peer);
    await peer.ok({ op: "socket", type, options: { LINGER: 0, ...options } });
    return peer;
  }

  endpoint(transport: Transport): string {
    if (transport === "tcp") return "tcp://127.0.0.1:0";
    const path = tempIpcPath("libzmq");
    this.#ipc.push(path);
    return `ipc://${path}`;
  }

  /** Joins a weft socket and a peer: one binds, the other connects. Returns the endpoint. */
  async link(weft: Socket, peer: ZmqPeer, dir: Dir, transport: Transport): Promise<string> {
    if (dir === "weft binds") {
      await weft.bind(this.endpoint(transport));
      const url = weft.lastEndpoint!;
      await peer.ok({ op: "connect", endpoint: url });
      return url;
    }
    const { endpoint } = await peer.ok({ op: "bind", endpoint: this.endpoint(transport) });
    weft.connect(String(endpoint));
    return String(endpoint);
  }

  async dispose(): Promise<void> {
    for (const s of this.#sockets.splice(0)) s.close();
    await Promise.all(this.#peers.splice(0).map((p) => p.close()));
    for (const path of this.#ipc.splice(0)) removeIpcFile(path);
  }
}

/** Runs `body` with a scope when pyzmq is present (skips loudly, or fails under CI=true). */
const scenario = (t: SkippableContext, body: (s: Scope) => Promise<void>) =>
  withPyzmqScope(t, () => new Scope(), body);

const opts = (extra: SocketOptions = {}): SocketOptions => ({ linger: 0, ...extra });

/** Calls `pump` every few ms until `p` settles (slow-joiner sync); returns `p`. */
async function pumpUntil<T>(p: Promise<T>, pump: () => Promise<unknown>, ms = 10_000): Promise<T> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  const deadline = Date.now() + ms;
  while (!settled) {
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${ms} ms of pumping`);
    await pump();
    await new Promise((r) => setTimeout(r, 10));
  }
  return p;
}

/** Receives from a weft socket until a message whose first frame is not in `skip`. */
async function receiveSkipping(sock: Socket, skip: readonly string[]): Promise<string[]> {
  for (;;) {
    const m = texts(await within(sock.receive(), "weft receive", 5000));
    if (!skip.includes(m[0]!)) return m;
  }
}

/** Receives from a peer until a message whose first frame is not in `skip`. */
async function peerReceiveSkipping(peer: ZmqPeer, skip: readonly string[]): Promise<string[]> {
  for (;;) {
    const m = hexTexts((await peer.ok({ op: "recv", timeout: 5000 })).frames);
    if (!skip.includes(m[0]!)) return m;
  }
}

/** Collects a weft socket's events of some types. */
function record(sock: Socket, ...types: SocketEvent["type"][]): SocketEvent[] {
  const seen: SocketEvent[] = [];
  for (const type of types) sock.events.on(type, (e) => seen.push(e));
  return seen;
}

/** A generated libzmq/weft routing id: 5 bytes, the first 0x00. */
function assertGeneratedId(id: Uint8Array, who: string): void {
  assert.equal(id.length, 5, `${who}: expected a generated 5-byte routing id, got ${hex(id)}`);
  assert.equal(id[0], 0, `${who}: a generated routing id starts with 0x00, got ${hex(id)}`);
}

function each(
  transports: readonly Transport[],
  name: string,
  body: (s: Scope, dir: Dir, transport: Transport) => Promise<void>,
): void {
  for (const transport of transports) {
    for (const dir of DIRS) {
      test(`${name} [${dir}, ${transport}]`, (t) => scenario(t, (s) => body(s, dir, transport)));
    }
  }
}

describe("weft ↔ libzmq: PUSH/PULL", () => {
  each(TCP_AND_IPC, "weft PUSH → libzmq PULL", async (s, dir, tr) => {
    const push = s.weft(new Push(opts()));
    const pull = await s.peer("PULL");
    await s.link(push, pull, dir, tr);
    await push.send(["a", "", "c"]);
    for (let i = 0; i < 20; i++) await push.send(`m${i}`);
    assert.deepEqual(hexTexts((await pull.ok({ op: "recv" })).frames), ["a", "", "c"]);
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(hexTexts((await pull.ok({ op: "recv" })).frames), [`m${i}`]);
    }
  });

  each(TCP_AND_IPC, "libzmq PUSH → weft PULL", async (s, dir, tr) => {
    const pull = s.weft(new Pull(opts()));
    const push = await s.peer("PUSH");
    await s.link(pull, push, dir, tr);
    await push.ok({ op: "send", frames: [hex("a"), "", hex("c")] });
    await push.ok({ op: "sendmany", count: 20, size: 8 });
    assert.deepEqual(texts(await within(pull.receive())), ["a", "", "c"]);
    for (let i = 0; i < 20; i++) {
      const [body] = await within(pull.receive());
      assert.equal(body!.length, 8);
      assert.equal(new DataView(body!.buffer, body!.byteOffset).getUint32(0), i, "order");
    }
  });
});

describe("weft ↔ libzmq: frame sizes (0, 255, 256, 10 MiB) and multipart", () => {
  const pattern = (n: number, seed: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
    return b;
  };
  for (const dir of DIRS) {
    test(`PAIR echo through libzmq keeps every byte [${dir}, tcp]`, (t) =>
      scenario(t, async (s) => {
        const pair = s.weft(new Pair(opts()));
        const peer = await s.peer("PAIR");
        await s.link(pair, peer, dir, "tcp");
        const messages: Uint8Array[][] = [
          [new Uint8Array(0)],
          [pattern(255, 1)],
          [pattern(256, 2)],
          [pattern(10 * 1024 * 1024, 5)],
          [new Uint8Array(0), pattern(255, 3), pattern(256, 4), new Uint8Array(0)],
        ];
        const echo = peer.ok({ op: "echo", count: messages.length, timeout: 20_000 });
        for (const m of messages) await pair.send(m);
        for (const [i, m] of messages.entries()) {
          const got = await within(pair.receive(), `echo ${i}`);
          assert.deepEqual(got.map((f) => f.length), m.map((f) => f.length), `message ${i}`);
          got.forEach((f, j) => assert.ok(same(f, m[j]!), `message ${i} frame ${j} differs`));
        }
        // What libzmq itself parsed (not only what came back): the multipart message, intact.
        // (The 10 MiB frame is checked by the round trip: libzmq re-encodes what it parsed.)
        const last = ((await echo).last as string[]).map(unhex);
        assert.deepEqual(last.map((f) => f.length), [0, 255, 256, 0]);
        last.forEach((f, j) =>
          assert.ok(same(f, messages[4]![j]!), `libzmq saw frame ${j} differ`)
        );
      }));
  }

  test("libzmq sends 10 MiB frames to weft PULL intact [tcp]", (t) =>
    scenario(t, async (s) => {
      const pull = s.weft(new Pull(opts()));
      const push = await s.peer("PUSH");
      await s.link(pull, push, "weft binds", "tcp");
      const size = 10 * 1024 * 1024;
      await push.ok({ op: "sendmany", count: 2, size, timeout: 20_000 });
      for (let i = 0; i < 2; i++) {
        const [body] = await within(pull.receive(), "the pushed message");
        assert.equal(body!.length, size);
        assert.equal(new DataView(body!.buffer, body!.byteOffset).getUint32(0), i);
        for (let j = 4; j < size; j += 4099) assert.equal(body![j], i & 0xff, `byte ${j}`);
        assert.equal(body![size - 1], i & 0xff);
      }
    }));
});

describe("weft ↔ libzmq: PUB/SUB", () => {
  each(TCP_ONLY, "weft PUB → libzmq SUB (subscribe, filter, unsubscribe)", async (s, dir, tr) => {
    const pub = s.weft(new Pub(opts()));
    const sub = await s.peer("SUB");
    await sub.ok({ op: "subscribe", topic: hex("news.") });
    await s.link(pub, sub, dir, tr);
    // Slow joiner: publish until the subscription has reached weft.
    const deadline = Date.now() + 10_000;
    for (let i = 0;; i++) {
      assert.ok(Date.now() < deadline, "the subscription never reached weft's PUB");
      await pub.send(["news.sync", String(i)]);
      if ((await sub.call({ op: "recv", timeout: 20 })).ok) break;
    }
    await pub.send(["weather", "x"]);
    await pub.send(["news.eu", "y"]);
    assert.deepEqual(await peerReceiveSkipping(sub, ["news.sync"]), ["news.eu", "y"]);
    // Unsubscribing must reach weft: its PUB stops matching "news." for this peer.
    await sub.ok({ op: "unsubscribe", topic: hex("news.") });
    const pipes = (pub as unknown as { pipes: Set<{ state: unknown }> }).pipes;
    await until(
      () =>
        [...pipes].every((p) =>
          !(p.state as { matches(t: Uint8Array): boolean } | undefined)?.matches(
            enc.encode("news.x"),
          )
        ),
      "the unsubscribe to reach every pipe",
      5000,
    );
  });

  each(TCP_ONLY, "libzmq PUB → weft SUB (subscribe, filter, unsubscribe)", async (s, dir, tr) => {
    const sub = s.weft(new Sub(opts()));
    sub.subscribe("news.");
    const pub = await s.peer("PUB");
    await s.link(sub, pub, dir, tr);
    let i = 0;
    await pumpUntil(
      sub.receive(),
      () => pub.ok({ op: "send", frames: [hex("news.sync"), hex(String(i++))] }),
    );
    await pub.ok({ op: "send", frames: [hex("weather"), hex("x")] });
    await pub.ok({ op: "send", frames: [hex("news.eu"), hex("y")] });
    assert.deepEqual(await receiveSkipping(sub, ["news.sync"]), ["news.eu", "y"]);
    sub.unsubscribe("news.");
    sub.subscribe("weather");
    const first = await pumpUntil(
      receiveSkipping(sub, ["news.sync", "news.eu"]), // in flight before the change
      () => pub.ok({ op: "send", frames: [hex("weather"), hex("sync")] }),
    );
    assert.deepEqual(first, ["weather", "sync"]);
    await pub.ok({ op: "send", frames: [hex("news.eu"), hex("late")] });
    await pub.ok({ op: "send", frames: [hex("weather"), hex("end")] });
    for (;;) {
      const m = texts(await within(sub.receive()));
      assert.notEqual(m[0], "news.eu", "a message for an unsubscribed topic arrived");
      if (m[1] === "end") break;
    }
  });

  each(TCP_ONLY, "weft SUB → libzmq XPUB sees subscribe and unsubscribe", async (s, dir, tr) => {
    const sub = s.weft(new Sub(opts()));
    const xpub = await s.peer("XPUB");
    await s.link(sub, xpub, dir, tr);
    sub.subscribe("news.");
    const on = await xpub.ok({ op: "recv" });
    assert.deepEqual((on.frames as string[]).map(unhex), [
      Uint8Array.of(1, ...enc.encode("news.")),
    ]);
    await xpub.ok({ op: "send", frames: [hex("news.a")] });
    await xpub.ok({ op: "send", frames: [hex("other")] });
    await xpub.ok({ op: "send", frames: [hex("news.b")] });
    assert.deepEqual(texts(await within(sub.receive())), ["news.a"]);
    assert.deepEqual(texts(await within(sub.receive())), ["news.b"]);
    sub.unsubscribe("news.");
    const off = await xpub.ok({ op: "recv" });
    assert.deepEqual((off.frames as string[]).map(unhex), [
      Uint8Array.of(0, ...enc.encode("news.")),
    ]);
  });

  each(TCP_ONLY, "libzmq XSUB → weft PUB: subscribe and unsubscribe filter", async (s, dir, tr) => {
    const pub = s.weft(new Pub(opts()));
    const xsub = await s.peer("XSUB");
    await s.link(pub, xsub, dir, tr);
    await xsub.ok({ op: "send", frames: ["01" + hex("news.")] });
    // Slow joiner: publish until weft's PUB has the subscription.
    const deadline = Date.now() + 10_000;
    for (let i = 0;; i++) {
      assert.ok(Date.now() < deadline, "the subscription never reached weft's PUB");
      await pub.send(["news.sync", String(i)]);
      if ((await xsub.call({ op: "recv", timeout: 20 })).ok) break;
    }
    await pub.send(["other"]);
    await pub.send(["news.a"]);
    // XSUB does not filter: whatever weft sends arrives, so filtering is weft's own.
    assert.deepEqual(await peerReceiveSkipping(xsub, ["news.sync"]), ["news.a"]);
    await xsub.ok({ op: "send", frames: ["00" + hex("news.")] });
    await xsub.ok({ op: "send", frames: ["01" + hex("w")] });
    // Both changes travel in order on one connection: once "w" matches, "news." is gone.
    for (let i = 0;; i++) {
      assert.ok(Date.now() < deadline + 10_000, "the second subscription never reached weft");
      await pub.send(["w", "sync"]);
      if ((await xsub.call({ op: "recv", timeout: 20 })).ok) break;
    }
    await pub.send(["news.b"]);
    await pub.send(["w", "end"]);
    for (;;) {
      const m = hexTexts((await xsub.ok({ op: "recv" })).frames);
      assert.notEqual(m[0], "news.b", "weft's PUB ignored the unsubscribe");
      assert.notEqual(m[0], "news.sync", "weft's PUB ignored the unsubscribe");
      if (m[1] === "end") break;
    }
  });
});

describe("weft ↔ libzmq: XPUB/XSUB", () => {
  each(TCP_ONLY, "libzmq XSUB → weft XPUB", async (s, dir, tr) => {
    const xpub = s.weft(new XPub(opts()));
    const xsub = await s.peer("XSUB");
    const handshakes = record(xpub, "handshake");
    await s.link(xpub, xsub, dir, tr);
    await xsub.ok({ op: "send", frames: ["0161"] }); // subscribe "a"
    await until(() => handshakes.length > 0);
    // libzmq attaches an accepted connection to its socket (and XSUB then replays its
    // subscriptions) only when the application next calls into the socket: poke it.
    const [sub] = await pumpUntil(
      xpub.receive(),
      () => xsub.ok({ op: "getsockopt", name: "EVENTS" }),
    );
    assert.deepEqual([...sub!], [1, 0x61]);
    await xpub.send("a1");
    await xpub.send("b1");
    await xpub.send("a2");
    assert.deepEqual(hexTexts((await xsub.ok({ op: "recv" })).frames), ["a1"]);
    assert.deepEqual(hexTexts((await xsub.ok({ op: "recv" })).frames), ["a2"]);
    await xsub.ok({ op: "send", frames: ["0061"] }); // unsubscribe "a"
    assert.deepEqual([...(await within(xpub.receive()))[0]!], [0, 0x61]);
  });

  each(TCP_ONLY, "weft XSUB → libzmq XPUB", async (s, dir, tr) => {
    const xsub = s.weft(new XSub(opts()));
    const xpub = await s.peer("XPUB");
    await s.link(xsub, xpub, dir, tr);
    await xsub.send(Uint8Array.of(1, 0x61));
    assert.deepEqual((await xpub.ok({ op: "recv" })).frames, ["0161"]);
    await xpub.ok({ op: "send", frames: [hex("a1")] });
    await xpub.ok({ op: "send", frames: [hex("b1")] });
    await xpub.ok({ op: "send", frames: [hex("a2")] });
    assert.deepEqual(texts(await within(xsub.receive())), ["a1"]);
    assert.deepEqual(texts(await within(xsub.receive())), ["a2"]);
    await xsub.send(Uint8Array.of(0, 0x61));
    assert.deepEqual((await xpub.ok({ op: "recv" })).frames, ["0061"]);
  });
});

describe("weft ↔ libzmq: REQ/REP, REQ/ROUTER, DEALER/REP", () => {
  each(TCP_AND_IPC, "weft REQ → libzmq REP", async (s, dir, tr) => {
    const req = s.weft(new Req(opts()));
    const rep = await s.peer("REP");
    await s.link(req, rep, dir, tr);
    const echo = rep.ok({ op: "echo", count: 3, timeout: 10_000 });
    for (let i = 0; i < 3; i++) {
      await req.send([`ping ${i}`, "", "tail"]);
      assert.deepEqual(texts(await within(req.receive())), [`ping ${i}`, "", "tail"]);
    }
    assert.deepEqual(hexTexts((await echo).last), ["ping 2", "", "tail"]);
  });

  each(TCP_AND_IPC, "libzmq REQ → weft REP", async (s, dir, tr) => {
    const rep = s.weft(new Rep(opts()));
    const req = await s.peer("REQ");
    await s.link(rep, req, dir, tr);
    for (let i = 0; i < 3; i++) {
      await req.ok({ op: "send", frames: [hex(`q${i}`), hex("x")] });
      assert.deepEqual(texts(await within(rep.receive())), [`q${i}`, "x"]);
      await rep.send([`r${i}`, ""]);
      assert.deepEqual(hexTexts((await req.ok({ op: "recv" })).frames), [`r${i}`, ""]);
    }
  });

  for (const named of [true, false]) {
    each(
      TCP_ONLY,
      `weft REQ → libzmq ROUTER (${named ? "routingId" : "generated id"})`,
      async (s, dir, tr) => {
        const req = s.weft(new Req(opts(named ? { routingId: "req-1" } : {})));
        const router = await s.peer("ROUTER");
        await s.link(req, router, dir, tr);
        const echo = router.ok({ op: "echo", count: 1 });
        await req.send("hello");
        assert.deepEqual(texts(await within(req.receive())), ["hello"]);
        const [id, delimiter, body] = ((await echo).last as string[]).map(unhex);
        if (named) assert.equal(dec.decode(id), "req-1");
        else assertGeneratedId(id!, "libzmq ROUTER");
        assert.equal(delimiter!.length, 0, "REQ puts an empty delimiter before the body");
        assert.equal(dec.decode(body), "hello");
      },
    );

    each(
      TCP_ONLY,
      `libzmq REQ → weft ROUTER (${named ? "ROUTING_ID" : "generated id"})`,
      async (s, dir, tr) => {
        const router = s.weft(new Router(opts()));
        const req = await s.peer("REQ", named ? { ROUTING_ID: "py-req" } : {});
        await s.link(router, req, dir, tr);
        await req.ok({ op: "send", frames: [hex("hello")] });
        const [id, delimiter, body] = await within(router.receive());
        if (named) assert.equal(dec.decode(id), "py-req");
        else assertGeneratedId(id!, "weft ROUTER");
        assert.equal(delimiter!.length, 0);
        assert.equal(dec.decode(body), "hello");
        await router.send([id!, "", "world"]);
        assert.deepEqual(hexTexts((await req.ok({ op: "recv" })).frames), ["world"]);
      },
    );
  }

  each(TCP_ONLY, "weft DEALER → libzmq REP", async (s, dir, tr) => {
    const dealer = s.weft(new Dealer(opts()));
    const rep = await s.peer("REP");
    await s.link(dealer, rep, dir, tr);
    const echo = rep.ok({ op: "echo", count: 1 });
    await dealer.send(["", "job", "x"]);
    assert.deepEqual(texts(await within(dealer.receive())), ["", "job", "x"]);
    assert.deepEqual(hexTexts((await echo).last), ["job", "x"], "REP strips the envelope");
  });

  each(TCP_ONLY, "libzmq DEALER → weft REP", async (s, dir, tr) => {
    const rep = s.weft(new Rep(opts()));
    const dealer = await s.peer("DEALER");
    await s.link(rep, dealer, dir, tr);
    await dealer.ok({ op: "send", frames: ["", hex("job")] });
    assert.deepEqual(texts(await within(rep.receive())), ["job"]);
    await rep.send("done");
    assert.deepEqual(hexTexts((await dealer.ok({ op: "recv" })).frames), ["", "done"]);
  });
});

describe("weft ↔ libzmq: DEALER/ROUTER and ROUTER/ROUTER", () => {
  for (const named of [true, false]) {
    const tag = named ? "explicit id" : "generated id";
    each(TCP_AND_IPC, `weft DEALER → libzmq ROUTER (${tag})`, async (s, dir, tr) => {
      const dealer = s.weft(new Dealer(opts(named ? { routingId: "w1" } : {})));
      const router = await s.peer("ROUTER");
      await s.link(dealer, router, dir, tr);
      const echo = router.ok({ op: "echo", count: 2 });
      await dealer.send(["one", ""]);
      await dealer.send("two");
      assert.deepEqual(texts(await within(dealer.receive())), ["one", ""]);
      assert.deepEqual(texts(await within(dealer.receive())), ["two"]);
      const [id, body] = ((await echo).last as string[]).map(unhex);
      if (named) assert.equal(dec.decode(id), "w1");
      else assertGeneratedId(id!, "libzmq ROUTER");
      assert.equal(dec.decode(body), "two");
    });

    each(TCP_AND_IPC, `libzmq DEALER → weft ROUTER (${tag})`, async (s, dir, tr) => {
      const router = s.weft(new Router(opts()));
      const dealer = await s.peer("DEALER", named ? { ROUTING_ID: "d1" } : {});
      await s.link(router, dealer, dir, tr);
      await dealer.ok({ op: "send", frames: [hex("hi"), ""] });
      const [id, body, empty] = await within(router.receive());
      if (named) assert.equal(dec.decode(id), "d1");
      else assertGeneratedId(id!, "weft ROUTER");
      assert.equal(dec.decode(body), "hi");
      assert.equal(empty!.length, 0);
      await router.send([id!, "reply", "2"]);
      await router.send(["not-connected", "dropped"]); // unroutable: dropped silently
      await router.send([id!, "after"]);
      assert.deepEqual(hexTexts((await dealer.ok({ op: "recv" })).frames), ["reply", "2"]);
      assert.deepEqual(hexTexts((await dealer.ok({ op: "recv" })).frames), ["after"]);
    });
  }

  test("weft ROUTER binds (routingId B) ← libzmq ROUTER connects (ROUTING_ID C) [tcp]", (t) =>
    scenario(t, async (s) => {
      const router = s.weft(new Router(opts({ routingId: "B" })));
      const peer = await s.peer("ROUTER", { ROUTING_ID: "C", ROUTER_MANDATORY: 1 });
      await s.link(router, peer, "weft binds", "tcp");
      // ROUTER_MANDATORY: the send fails (EHOSTUNREACH) until the handshake named the peer.
      const deadline = Date.now() + 10_000;
      while (!(await peer.call({ op: "send", frames: [hex("B"), hex("hello")] })).ok) {
        assert.ok(Date.now() < deadline, "libzmq never learned the routing id B");
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(texts(await within(router.receive())), ["C", "hello"]);
      await router.send(["C", "back"]);
      assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["B", "back"]);
    }));

  test("libzmq ROUTER binds (ROUTING_ID B) ← weft ROUTER connects (routingId C) [tcp]", (t) =>
    scenario(t, async (s) => {
      const router = s.weft(new Router({ ...opts({ routingId: "C" }), routerMandatory: true }));
      const handshakes = record(router, "handshake");
      const peer = await s.peer("ROUTER", { ROUTING_ID: "B" });
      await s.link(router, peer, "libzmq binds", "tcp");
      await until(() => handshakes.length > 0);
      await router.send(["B", "hello"]);
      assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["C", "hello"]);
      await peer.ok({ op: "send", frames: [hex("C"), hex("back")] });
      assert.deepEqual(texts(await within(router.receive())), ["B", "back"]);
    }));
});

describe("weft ↔ libzmq: PAIR", () => {
  each(TCP_AND_IPC, "weft PAIR ↔ libzmq PAIR", async (s, dir, tr) => {
    const pair = s.weft(new Pair(opts()));
    const peer = await s.peer("PAIR");
    await s.link(pair, peer, dir, tr);
    await pair.send(["ping", ""]);
    assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["ping", ""]);
    await peer.ok({ op: "send", frames: [hex("pong"), hex("!")] });
    assert.deepEqual(texts(await within(pair.receive())), ["pong", "!"]);
  });
});

/** Waits `ms` while watching: resolves with the events of `types` seen meanwhile. */
async function observe(sock: Socket, ms: number, ...types: SocketEvent["type"][]) {
  const seen = record(sock, ...types);
  await new Promise((r) => setTimeout(r, ms));
  return seen;
}

describe("weft ↔ libzmq: heartbeats", () => {
  test("weft PINGs an idle libzmq peer; libzmq PONGs and the link stays up [tcp]", (t) =>
    scenario(t, async (s) => {
      const pair = s.weft(new Pair(opts({ heartbeatInterval: 50, heartbeatTimeout: 200 })));
      const handshakes = record(pair, "handshake");
      const peer = await s.peer("PAIR");
      await s.link(pair, peer, "libzmq binds", "tcp");
      await until(() => handshakes.length === 1);
      // Eight intervals with no application traffic: only PING/PONG keep the session alive.
      const gone = await observe(pair, 400, "disconnect", "handshake:error");
      assert.deepEqual(gone, [], "the heartbeat dropped a healthy libzmq peer");
      assert.equal(handshakes.length, 1, "the connection was re-made meanwhile");
      await peer.ok({ op: "send", frames: [hex("still here")] });
      assert.deepEqual(texts(await within(pair.receive())), ["still here"]);
    }));

  test("a libzmq peer that stops answering (SIGSTOP) is dropped with a heartbeat reason [tcp]", (t) =>
    scenario(t, async (s) => {
      // DEALER, not PAIR: libzmq's PAIR refuses the reconnect if it attaches before the old
      // pipe is gone (both happen at once on SIGCONT) and keeps it open without a pipe.
      const pair = s.weft(new Dealer(opts({ heartbeatInterval: 50, heartbeatTimeout: 200 })));
      const handshakes = record(pair, "handshake");
      const disconnects = record(pair, "disconnect");
      const peer = await s.peer("DEALER");
      await s.link(pair, peer, "libzmq binds", "tcp");
      await until(() => handshakes.length === 1);
      await pair.send("before");
      assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["before"]);
      const pid = peer.pid!;
      process.kill(pid, "SIGSTOP");
      try {
        const stopped = Date.now();
        await until(() => disconnects.length > 0, "a disconnect event", 3000);
        const elapsed = Date.now() - stopped;
        assert.match(disconnects[0]!.reason ?? "", /heartbeat|PING/i);
        assert.ok(elapsed < 1500, `took ${elapsed} ms to notice (interval 50, timeout 200)`);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      // The dialer reconnects by itself once libzmq answers again.
      await until(() => handshakes.length >= 2);
      await peer.ok({ op: "send", frames: [hex("after")] });
      assert.deepEqual(texts(await within(pair.receive())), ["after"]);
    }));

  for (const dir of DIRS) {
    test(`libzmq with HEARTBEAT_IVL/TIMEOUT/TTL keeps an idle weft peer (weft PONGs) [${dir}, tcp]`, (t) =>
      scenario(t, async (s) => {
        const pair = s.weft(new Pair(opts()));
        const handshakes = record(pair, "handshake");
        const peer = await s.peer("PAIR", {
          HEARTBEAT_IVL: 50,
          HEARTBEAT_TIMEOUT: 200,
          HEARTBEAT_TTL: 500,
        });
        await peer.ok({ op: "monitor" });
        await s.link(pair, peer, dir, "tcp");
        await until(() => handshakes.length === 1);
        await peer.nextEvent({ name: "HANDSHAKE_SUCCEEDED" });
        const gone = await observe(pair, 600, "disconnect", "handshake:error");
        assert.deepEqual(gone, [], "weft dropped a libzmq peer that PINGs (TTL 500 ms)");
        assert.equal(handshakes.length, 1);
        await pair.send("ok?");
        assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["ok?"]);
        // libzmq would have said DISCONNECTED had weft not answered its PINGs.
        const dropped = await peer.nextEvent({ name: "DISCONNECTED", timeoutMs: 1 }).then(
          (e) => e,
          () => undefined,
        );
        assert.equal(dropped, undefined, "libzmq dropped weft: no PONG within HEARTBEAT_TIMEOUT");
      }));
  }
});

describe("weft ↔ libzmq: reconnect", () => {
  test("weft PUSH reconnects to a restarted libzmq PULL on the same endpoint [tcp]", (t) =>
    scenario(t, async (s) => {
      const push = s.weft(new Push(opts({ reconnectInterval: 20 })));
      const handshakes = record(push, "handshake");
      const disconnects = record(push, "disconnect");
      const url = `tcp://127.0.0.1:${await freePort()}`;
      const first = await s.peer("PULL");
      await first.ok({ op: "bind", endpoint: url });
      push.connect(url);
      await push.send("before");
      assert.deepEqual(hexTexts((await first.ok({ op: "recv" })).frames), ["before"]);
      process.kill(first.pid!, "SIGKILL");
      await first.exited;
      await until(() => disconnects.length > 0, "a disconnect event", 5000);
      // Queued while the peer is away: the pipe from connect outlives its connection.
      await push.send("while away");
      const second = await s.peer("PULL");
      await second.ok({ op: "bind", endpoint: url });
      assert.deepEqual(hexTexts((await second.ok({ op: "recv" })).frames), ["while away"]);
      await push.send("after");
      assert.deepEqual(hexTexts((await second.ok({ op: "recv" })).frames), ["after"]);
      assert.equal(handshakes.length, 2);
    }));
});
