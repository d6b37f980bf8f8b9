// SP over ws against a raw WebSocket peer doing what nng refuses: text messages (close 1003,
// both roles) and upgrades our listener refuses (an `accept:error` event naming the cause).
// The socket keeps serving well-behaved peers afterwards.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rep0, Req0 } from "../../src/sp.ts";
import type { SocketEvent } from "../../src/core/events.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { acceptKey } from "../../src/transport/ws/handshake.ts";
import { within } from "../_helpers.ts";
import {
  ACCEPT,
  closeCodeOf,
  frame,
  RawPeer,
  tcp,
  upgradeRequest,
} from "../../src/transport/ws/_raw_test_helpers_test.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
// A REP listener accepts its own name (what a REQ dialer offers).
const REP_PROTOCOL = "Sec-WebSocket-Protocol: rep.sp.nanomsg.org";

/** A request as it travels over ws (no length: the request id, then the body). */
function request(id: number, body: string): Uint8Array {
  const b = enc.encode(body);
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, (0x80000000 | id) >>> 0);
  out.set(b, 4);
  return out;
}

/** Collects a socket's events of one type and lets a test wait for the next. */
function watch(
  rep: Rep0,
  type: SocketEvent["type"],
): { got: SocketEvent[]; next(): Promise<SocketEvent> } {
  const got: SocketEvent[] = [];
  const waiters: ((e: SocketEvent) => void)[] = [];
  rep.events.on(type, (e) => {
    got.push(e);
    waiters.shift()?.(e);
  });
  return {
    got,
    next: () => within(new Promise<SocketEvent>((r) => waiters.push(r)), `a ${type} event`),
  };
}

async function upgraded(url: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(url);
  peer.send(upgradeRequest(new URL(url.replace(/^ws/, "http")).pathname, [REP_PROTOCOL]));
  const head = await peer.head();
  assert.match(head, /^HTTP\/1\.1 101 /);
  assert.ok(head.includes(ACCEPT), head);
  return peer;
}

/** A good Req0 peer gets an answer from `rep` (served by the loop in the test). */
async function goodRoundTrip(url: string, body: string): Promise<void> {
  await using req = new Req0({ recvTimeout: 10_000 });
  await req.dial(url);
  await req.send(body);
  assert.equal(dec.decode(await within(req.recv(), "the reply")), body.toUpperCase());
}

function serveUpper(rep: Rep0): Promise<void> {
  return (async () => {
    try {
      for (;;) {
        const m = await rep.recv();
        await rep.send(dec.decode(m).toUpperCase());
      }
    } catch { /* closed */ }
  })();
}

describe("sp over ws: what nng refuses", () => {
  test("a text message closes that connection with 1003; binary requests are answered", async () => {
    await using rep = new Rep0();
    await rep.listen("ws://127.0.0.1:0/text");
    const url = rep.lastEndpoint!;
    const disconnects = watch(rep, "disconnect");
    const serving = serveUpper(rep);

    // A binary request on a raw peer works (the peer is well-formed so far).
    const peer = await upgraded(url);
    peer.send(frame(2, request(1, "binary")));
    const [reply] = await peer.untilFrames(1, "the binary reply");
    assert.equal(reply!.opcode, 2);
    assert.equal(dec.decode(reply!.payload.subarray(4)), "BINARY");

    // Then a text frame: the listener closes with 1003 and reports the disconnect.
    const gone = disconnects.next();
    peer.send(frame(1, request(2, "text")));
    const frames = await peer.untilFrames(2, "the close frame");
    assert.equal(frames[1]!.opcode, 8);
    assert.equal(closeCodeOf(frames[1]), 1003);
    const event = await gone;
    assert.match(event.reason ?? "", /1003.*text message/);
    await peer.untilEnd("the connection to end");

    // The socket keeps serving others.
    await goodRoundTrip(url, "still here");
    rep.close();
    await serving;
  });

  test("a dialer refuses a text message from the listener too (1003)", async () => {
    // A raw listener: upgrade the Req0's dial by hand, then answer with a text frame.
    const accepted = Promise.withResolvers<RawPeer>();
    const listener = await tcp.listen(
      parseEndpoint("tcp://127.0.0.1:0"),
      (s) => accepted.resolve(new RawPeer(s)),
    );
    try {
      const port = parseEndpoint(listener.endpoint).port;
      await using req = new Req0({ recvTimeout: 10_000 });
      const disconnects: SocketEvent[] = [];
      const gone = new Promise<SocketEvent>((resolve) =>
        req.events.on("disconnect", (e) => {
          disconnects.push(e);
          resolve(e);
        })
      );
      const dialing = req.dial(`ws://127.0.0.1:${port}/d`, { nonBlocking: true });
      const server = await within(accepted.promise, "the dial");
      await server.until(() => server.text().includes("\r\n\r\n"), "the upgrade request");
      const key = /Sec-WebSocket-Key: (\S+)/i.exec(server.text())![1]!;
      server.send(
        [
          "HTTP/1.1 101 Switching Protocols",
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Accept: ${await acceptKey(key)}`,
          "Sec-WebSocket-Protocol: rep.sp.nanomsg.org",
          "",
          "",
        ].join("\r\n"),
      );
      await dialing;
      server.send(frame(1, request(1, "text"), { mask: false }));
      const event = await within(gone, "the disconnect");
      assert.match(event.reason ?? "", /1003.*text message/);
      // What the dialer sent after the upgrade ends with its close frame, 1003.
      await server.until(() => {
        const all = server.bytes();
        const text = new TextDecoder("latin1").decode(all);
        return text.includes("\r\n\r\n") && closeCodeOf(lastFrame(server)) === 1003;
      }, "the dialer's 1003 close frame");
    } finally {
      listener.close();
    }
  });
});

describe("sp over ws: refused upgrades are reported", () => {
  test("wrong subprotocol (400), unknown path (404), bad request (400): accept:error each", async () => {
    await using rep = new Rep0();
    await rep.listen("ws://127.0.0.1:0/served");
    const url = rep.lastEndpoint!;
    const errors = watch(rep, "accept:error");
    const accepts = watch(rep, "accept");
    const serving = serveUpper(rep);
    const base = url.slice(0, url.lastIndexOf("/"));

    const cases = [
      {
        what: "a req0 listener's name offered to a rep0 listener",
        send: upgradeRequest("/served", ["Sec-WebSocket-Protocol: req.sp.nanomsg.org"]),
        status: 400,
        reason: /400: no acceptable subprotocol among req\.sp\.nanomsg\.org/,
      },
      {
        what: "a path nobody serves",
        send: upgradeRequest("/elsewhere", [REP_PROTOCOL]),
        status: 404,
        reason: /404: no WebSocket is served at \/elsewhere/,
      },
      {
        what: "a request that is not an upgrade",
        send: "GET /served HTTP/1.1\r\nHost: test\r\n\r\n",
        status: 400,
        reason: /400: expected a WebSocket upgrade request/,
      },
    ];
    for (const c of cases) {
      const peer = await RawPeer.connect(base);
      const event = errors.next();
      peer.send(c.send);
      const head = await peer.head();
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${c.status} `), c.what);
      const e = await event;
      assert.equal(e.type, "accept:error");
      assert.equal(e.endpoint, url, c.what);
      assert.equal(e.code, "EPROTO");
      assert.match(e.reason ?? "", c.reason, c.what);
      assert.match(e.remoteAddress ?? "", /^ws:\/\/127\.0\.0\.1:\d+$/, c.what);
      await peer.untilEnd("the refused connection to close");
    }
    assert.equal(errors.got.length, 3);
    assert.equal(accepts.got.length, 0); // refused upgrades never became pipes

    await goodRoundTrip(url, "after the refusals");
    assert.equal(errors.got.length, 3);
    rep.close();
    await serving;
  });
});

function lastFrame(peer: RawPeer) {
  // The request head ends the first "\r\n\r\n"; frames follow it (masked, from a client).
  const frames = peer.frames();
  return frames[frames.length - 1];
}
