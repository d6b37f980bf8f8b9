// weft's ZeroMQ sockets against real libzmq 4.3.4 (pyzmq, tests/interop/peers/zmq_peer.py) over
// ws:// — ZWS 2.0 (RFC 45) as libzmq speaks it: both directions (weft binds + libzmq connects,
// libzmq binds + weft connects), REQ/REP, DEALER/ROUTER, PUB/SUB and XPUB/XSUB with
// subscriptions, PUSH/PULL with large multipart messages, and heartbeats (WebSocket ping/pong).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Dealer, Pub, Pull, Push, Rep, Req, Router, Sub, XPub, XSub } from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions } from "../../src/zmq.ts";
import { type SkippableContext, startZmqPeer, withPyzmqScope, type ZmqPeer } from "./_peers.ts";
import { texts, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (data: string | Uint8Array): string =>
  Buffer.from(typeof data === "string" ? enc.encode(data) : data).toString("hex");
const unhex = (h: unknown): Uint8Array => new Uint8Array(Buffer.from(String(h), "hex"));
const hexTexts = (frames: unknown): string[] =>
  (frames as string[]).map((h) => dec.decode(unhex(h)));

type Dir = "weft binds" | "libzmq binds";
const DIRS: readonly Dir[] = ["weft binds", "libzmq binds"];

/** Sockets and peers of one test, released at its end. */
class Scope {
  #sockets: Socket[] = [];
  #peers: ZmqPeer[] = [];
  #path = 0;

  weft<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  async peer(type: string, options: Record<string, unknown> = {}): Promise<ZmqPeer> {
    const peer = await startZmqPeer();
    this.#peers.push(peer);
    await peer.ok({ op: "socket", type, options: { LINGER: 0, ...options } });
    return peer;
  }

  /** One binds `ws://127.0.0.1:0/<path>`, the other connects; returns the endpoint. */
  async link(weft: Socket, peer: ZmqPeer, dir: Dir): Promise<string> {
    const endpoint = `ws://127.0.0.1:0/zws${this.#path++}`;
    if (dir === "weft binds") {
      await weft.bind(endpoint);
      await peer.ok({ op: "connect", endpoint: weft.lastEndpoint! });
      return weft.lastEndpoint!;
    }
    const bound = String((await peer.ok({ op: "bind", endpoint })).endpoint);
    weft.connect(bound);
    return bound;
  }

  async dispose(): Promise<void> {
    for (const s of this.#sockets.splice(0)) s.close();
    await Promise.all(this.#peers.splice(0).map((p) => p.close()));
  }
}

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

function record(sock: Socket, ...types: SocketEvent["type"][]): SocketEvent[] {
  const seen: SocketEvent[] = [];
  for (const type of types) sock.events.on(type, (e) => seen.push(e));
  return seen;
}

/** A payload of `size` bytes whose content depends on `seed` (checked byte for byte). */
function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe("weft ↔ libzmq over ZWS 2.0 (ws://)", () => {
  for (const dir of DIRS) {
    test(`weft REQ ↔ libzmq REP [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const req = s.weft(new Req(opts()));
        const rep = await s.peer("REP");
        await s.link(req, rep, dir);
        for (let i = 0; i < 3; i++) {
          await req.send(["hello", String(i)]);
          const echoed = rep.ok({ op: "echo", timeout: 5000 });
          assert.deepEqual(texts(await within(req.receive())), ["hello", String(i)]);
          await echoed;
        }
      }));

    test(`libzmq REQ ↔ weft REP [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const rep = s.weft(new Rep(opts()));
        const req = await s.peer("REQ");
        await s.link(rep, req, dir);
        await req.ok({ op: "send", frames: [hex("ping"), hex("1")] });
        assert.deepEqual(texts(await within(rep.receive())), ["ping", "1"]);
        await rep.send(["pong", "1"]);
        assert.deepEqual(hexTexts((await req.ok({ op: "recv" })).frames), ["pong", "1"]);
      }));

    test(`weft DEALER ↔ libzmq ROUTER: the routing id crosses in READY [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const dealer = s.weft(new Dealer(opts({ routingId: "weft-dealer" })));
        const router = await s.peer("ROUTER");
        await s.link(dealer, router, dir);
        await dealer.send(["", "job"]);
        const got = hexTexts((await router.ok({ op: "recv" })).frames);
        assert.deepEqual(got, ["weft-dealer", "", "job"]);
        await router.ok({ op: "send", frames: [hex("weft-dealer"), hex(""), hex("done")] });
        assert.deepEqual(texts(await within(dealer.receive())), ["", "done"]);
      }));

    test(`libzmq DEALER ↔ weft ROUTER [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const router = s.weft(new Router(opts()));
        const dealer = await s.peer("DEALER", { ROUTING_ID: "py-dealer" });
        await s.link(router, dealer, dir);
        await dealer.ok({ op: "send", frames: [hex("a"), hex("b")] });
        const [id, ...rest] = await within(router.receive());
        assert.equal(dec.decode(id), "py-dealer");
        assert.deepEqual(texts(rest), ["a", "b"]);
        await router.send([id!, "back"]);
        assert.deepEqual(hexTexts((await dealer.ok({ op: "recv" })).frames), ["back"]);
      }));

    // A bound libzmq 4.3.4 SUB never sends its subscriptions to a connecting XPUB, over tcp as
    // over ws (libzmq↔libzmq alike): when libzmq binds, its XSUB subscribes by message, once
    // connected (before that it has no peer to send to).
    const subType = dir === "weft binds" ? "SUB" : "XSUB";
    const change = (peer: ZmqPeer, topic: string, on: boolean) =>
      subType === "SUB"
        ? peer.ok({ op: on ? "subscribe" : "unsubscribe", topic: hex(topic) })
        : peer.ok({ op: "send", frames: [hex(Uint8Array.of(on ? 1 : 0, ...enc.encode(topic)))] });
    test(`libzmq ${subType} subscribes at weft XPUB: 0x01|topic and 0x00|topic arrive [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const xpub = s.weft(new XPub(opts()));
        const handshakes = record(xpub, "handshake");
        const sub = await s.peer(subType);
        await s.link(xpub, sub, dir);
        await until(() => handshakes.length === 1); // an XSUB's message needs a peer
        await change(sub, "news.", true);
        assert.deepEqual([...(await within(xpub.receive()))[0]!], [1, ...enc.encode("news.")]);
        await xpub.send(["news.eu", "x"]);
        await xpub.send(["sport", "y"]);
        await xpub.send(["news.us", "z"]);
        assert.deepEqual(hexTexts((await sub.ok({ op: "recv" })).frames), ["news.eu", "x"]);
        assert.deepEqual(hexTexts((await sub.ok({ op: "recv" })).frames), ["news.us", "z"]);
        await change(sub, "news.", false);
        assert.deepEqual([...(await within(xpub.receive()))[0]!], [0, ...enc.encode("news.")]);
      }));

    test(`weft SUB subscribes at libzmq XPUB; PUB filters by it [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const sub = s.weft(new Sub(opts()));
        const xpub = await s.peer("XPUB");
        await s.link(sub, xpub, dir);
        sub.subscribe("news.");
        const got = hexTexts((await xpub.ok({ op: "recv" })).frames);
        assert.deepEqual(got, ["\x01news."]);
        await xpub.ok({ op: "send", frames: [hex("sport"), hex("no")] });
        await xpub.ok({ op: "send", frames: [hex("news.eu"), hex("yes")] });
        assert.deepEqual(texts(await within(sub.receive())), ["news.eu", "yes"]);
        sub.unsubscribe("news.");
        assert.deepEqual(hexTexts((await xpub.ok({ op: "recv" })).frames), ["\x00news."]);
      }));

    test(`weft PUB → libzmq SUB and libzmq PUB → weft XSUB [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const pub = s.weft(new Pub(opts()));
        const sub = await s.peer("SUB");
        await s.link(pub, sub, dir);
        await sub.ok({ op: "subscribe", topic: hex("t.") });
        let i = 0;
        await pumpUntil(
          sub.ok({ op: "recv", timeout: 8000 }),
          () => pub.send(["t.sync", String(i++)]),
        );
        const xsub = s.weft(new XSub(opts()));
        const lpub = await s.peer("PUB");
        await s.link(xsub, lpub, dir);
        await xsub.send(Uint8Array.of(1, ...enc.encode("t.")));
        const m = await pumpUntil(
          within(xsub.receive(), "XSUB receive", 9000),
          () => lpub.ok({ op: "send", frames: [hex("t.x"), hex("1")] }),
        );
        assert.deepEqual(texts(m), ["t.x", "1"]);
      }));

    test(`PUSH/PULL both ways: multipart messages with frames of 0 B … 1 MiB [${dir}]`, (t) =>
      scenario(t, async (s) => {
        const sizes = [0, 1, 125, 126, 65535, 65536, 70_000, 1 << 20];
        const frames = sizes.map((n, i) => payload(n, i));
        // weft → libzmq
        const push = s.weft(new Push(opts()));
        const pull = await s.peer("PULL");
        await s.link(push, pull, dir);
        await push.send(frames);
        const got = (await pull.ok({ op: "recv", timeout: 10_000 })).frames as string[];
        assert.deepEqual(got.map((h) => unhex(h).length), sizes);
        got.forEach((h, i) => assert.ok(Buffer.from(unhex(h)).equals(frames[i]!), `frame ${i}`));
        // libzmq → weft
        const wpull = s.weft(new Pull(opts()));
        const lpush = await s.peer("PUSH");
        await s.link(wpull, lpush, dir);
        await lpush.ok({ op: "send", frames: frames.map(hex) });
        const back = await within(wpull.receive(), "the multipart message", 10_000);
        assert.deepEqual(back.map((f) => f.length), sizes);
        back.forEach((f, i) => assert.ok(Buffer.from(f).equals(frames[i]!), `frame ${i}`));
        // and many in order
        await lpush.ok({ op: "sendmany", count: 200, size: 100_000 });
        for (let i = 0; i < 200; i++) {
          const [f] = await within(wpull.receive());
          assert.equal(new DataView(f!.buffer, f!.byteOffset).getUint32(0), i);
          assert.equal(f!.length, 100_000);
        }
      }));
  }

  test("weft pings an idle libzmq peer with WebSocket pings; its pongs keep the link up", (t) =>
    scenario(t, async (s) => {
      const dealer = s.weft(new Dealer(opts({ heartbeatInterval: 30, heartbeatTimeout: 150 })));
      const handshakes = record(dealer, "handshake");
      const gone = record(dealer, "disconnect", "handshake:error");
      const peer = await s.peer("DEALER");
      await s.link(dealer, peer, "libzmq binds");
      await until(() => handshakes.length === 1);
      // Ten heartbeat timeouts without traffic: only ping/pong keeps the session.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(gone, [], "the heartbeat dropped a healthy libzmq peer");
      assert.equal(handshakes.length, 1);
      await peer.ok({ op: "send", frames: [hex("still here")] });
      assert.deepEqual(texts(await within(dealer.receive())), ["still here"]);
    }));

  test("libzmq heartbeats (WebSocket pings) to weft are answered", (t) =>
    scenario(t, async (s) => {
      const dealer = s.weft(new Dealer(opts()));
      const gone = record(dealer, "disconnect");
      const peer = await s.peer("DEALER", { HEARTBEAT_IVL: 30, HEARTBEAT_TIMEOUT: 150 });
      await s.link(dealer, peer, "weft binds");
      await dealer.send("first"); // waits for the peer
      assert.deepEqual(hexTexts((await peer.ok({ op: "recv" })).frames), ["first"]);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(gone, [], "libzmq's heartbeat dropped weft");
      await peer.ok({ op: "send", frames: [hex("still here")] });
      assert.deepEqual(texts(await within(dealer.receive())), ["still here"]);
    }));
});
