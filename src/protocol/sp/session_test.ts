import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SpSession } from "./session.ts";
import type { SpSessionOptions } from "./session.ts";
import type { WirePeer, WireSessionError } from "../../core/wire.ts";
import { hex } from "../../../tests/_helpers.ts";

function harness(options: SpSessionOptions) {
  const written: Uint8Array[] = [];
  const messages: Uint8Array[] = [];
  const errors: WireSessionError[] = [];
  let peer: WirePeer | undefined;
  const session = new SpSession(options, {
    write: (b) => written.push(b),
    ready: (p) => (peer = p),
    message: ([p]) => messages.push(p!),
    subscription: () => assert.fail("SP has no subscriptions"),
    error: (e) => errors.push(e),
  });
  const out = () => {
    const all = written.splice(0).flatMap((b) => [...b]);
    return all.map((b) => b.toString(16).padStart(2, "0")).join(" ");
  };
  return { session, messages, errors, out, peer: () => peer };
}

describe("SpSession over byte streams", () => {
  test("the worked example: REQ hi → REP 42, byte by byte", () => {
    const req = harness({ selfId: 0x30, peerId: 0x31 });
    req.session.start(0);
    assert.equal(req.out(), "00 53 50 00 00 30 00 00");
    for (const b of hex("00 53 50 00 00 31 00 00")) req.session.feed(new Uint8Array([b]), 1);
    assert.equal(req.peer()?.socketType, "rep");
    req.session.send([hex("80 00 12 34"), new TextEncoder().encode("hi")]);
    req.session.flush();
    assert.equal(req.out(), "00 00 00 00 00 00 00 06 80 00 12 34 68 69");
    for (const b of hex("00 00 00 00 00 00 00 06 80 00 12 34 34 32")) {
      req.session.feed(new Uint8Array([b]), 2);
    }
    assert.deepEqual(req.messages.map((m) => [...m]), [[0x80, 0, 0x12, 0x34, 0x34, 0x32]]);
    assert.deepEqual(req.errors, []);
  });

  test("header and first messages in one chunk; ipc adds the type byte", () => {
    const rep = harness({ selfId: 0x31, peerId: 0x30, ipc: true });
    rep.session.start(0);
    rep.out();
    rep.session.feed(
      hex(
        "00 53 50 00 00 30 00 00  01 00 00 00 00 00 00 00 05 80 00 00 01 41  01 00 00 00 00 00 00 00 00",
      ),
      1,
    );
    assert.deepEqual(rep.messages.map((m) => [...m]), [[0x80, 0, 0, 1, 0x41], []]);
    rep.session.send([hex("80 00 00 01"), hex("42")]);
    rep.session.send([new Uint8Array(0), hex("43")]);
    rep.session.flush();
    assert.equal(
      rep.out(),
      "01 00 00 00 00 00 00 00 05 80 00 00 01 42 01 00 00 00 00 00 00 00 01 43",
    );
  });

  test("an ipc type byte other than 1 is EPROTO", () => {
    const h = harness({ selfId: 0x51, peerId: 0x50, ipc: true });
    h.session.start(0);
    h.session.feed(hex("00 53 50 00 00 50 00 00 02 00 00 00 00 00 00 00 00"), 1);
    assert.equal(h.errors[0]?.code, "EPROTO");
    assert.equal(h.errors[0]?.phase, "traffic");
  });

  test("a wrong peer protocol is EPROTO naming both sides", () => {
    const h = harness({ selfId: 0x30, peerId: 0x31 });
    h.session.start(0);
    h.session.feed(hex("00 53 50 00 00 20 00 00"), 1);
    assert.equal(h.errors.length, 1);
    assert.equal(h.errors[0]!.code, "EPROTO");
    assert.equal(h.errors[0]!.phase, "handshake");
    assert.match(h.errors[0]!.reason, /rep peer \(0x31\) for our req socket \(0x30\), got pub/);
    assert.equal(h.peer(), undefined);
  });

  test("bad magic, version and reserved bytes are EPROTO", () => {
    for (
      const bad of ["01 53 50 00 00 31 00 00", "00 53 50 01 00 31 00 00", "00 53 50 00 00 31 00 01"]
    ) {
      const h = harness({ selfId: 0x30, peerId: 0x31 });
      h.session.start(0);
      h.session.feed(hex(bad), 1);
      assert.equal(h.errors[0]?.code, "EPROTO", bad);
    }
  });

  test("a message above recvMaxSize is EMSGSIZE; at the limit it passes", () => {
    const h = harness({ selfId: 0x51, peerId: 0x50, recvMaxSize: 4 });
    h.session.start(0);
    h.session.feed(hex("00 53 50 00 00 50 00 00 00 00 00 00 00 00 00 04 01 02 03 04"), 1);
    assert.equal(h.messages.length, 1);
    h.session.feed(hex("00 00 00 00 00 00 00 05"), 2);
    assert.equal(h.errors[0]?.code, "EMSGSIZE");
    h.session.feed(hex("00 00 00 00 00 00 00 00"), 3);
    assert.equal(h.messages.length, 1);
    assert.equal(h.errors.length, 1);
  });

  test("the handshake times out after 10 s by default", () => {
    const h = harness({ selfId: 0x30, peerId: 0x31 });
    h.session.start(1000);
    assert.equal(h.session.tick(1000), 11_000);
    h.session.feed(hex("00 53 50"), 5000);
    assert.equal(h.session.tick(10_999), 11_000);
    assert.equal(h.session.tick(11_000), Infinity);
    assert.equal(h.errors[0]?.code, "ETIMEDOUT");
    const done = harness({ selfId: 0x30, peerId: 0x31, handshakeTimeoutMs: 50 });
    done.session.start(0);
    done.session.feed(hex("00 53 50 00 00 31 00 00"), 10);
    assert.equal(done.session.tick(100), Infinity);
    assert.deepEqual(done.errors, []);
  });
});

describe("SpSession over message streams (ws)", () => {
  test("no header, no length: one message per chunk and per write", () => {
    const h = harness({ selfId: 0x30, peerId: 0x31, framing: "messages", recvMaxSize: 8 });
    h.session.start(0);
    assert.equal(h.peer()?.socketType, "rep");
    assert.equal(h.out(), "");
    h.session.send([hex("80 00 00 07"), hex("68 69")]);
    h.session.send([hex("61")]);
    h.session.flush();
    assert.equal(h.out(), "80 00 00 07 68 69 61");
    h.session.feed(hex("80 00 00 07 34 32"), 1);
    assert.deepEqual(h.messages.map((m) => [...m]), [[0x80, 0, 0, 7, 0x34, 0x32]]);
    h.session.feed(new Uint8Array(9), 2);
    assert.equal(h.errors[0]?.code, "EMSGSIZE");
    assert.equal(h.session.tick(1e9), Infinity);
  });
});
