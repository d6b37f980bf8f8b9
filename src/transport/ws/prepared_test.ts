// Shared messages on WsStream.writeShared (the ByteStream capability): a server writes the one shared frame (the very
// same buffer on every connection), a client masks its own copy, and messages above the
// fragment size are fragmented as write() would.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder, type FrameEvents } from "./frame.ts";
import { PreparedMessage, serverFrame } from "./prepared.ts";
import { SharedMessage, writeShared } from "../shared_message.ts";
import { WsStream } from "./stream.ts";
import { PeekStream } from "./peek.ts";
import type { ByteStream, StreamHandler } from "../types.ts";

/** A raw stream that records what is written to it. */
function recorder(): ByteStream & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    localAddress: "tcp://127.0.0.1:1",
    remoteAddress: "tcp://127.0.0.1:2",
    closed: new Promise(() => {}),
    start(_h: StreamHandler) {},
    write: (b) => (writes.push(b), true),
    pause() {},
    resume() {},
    close() {},
  };
}

function decode(bytes: Uint8Array[], expectMasked: boolean): string[] {
  const got: string[] = [];
  const events: FrameEvents = {
    message: (p) => got.push(new TextDecoder().decode(p)),
    ping() {},
    pong() {},
    close() {},
    error: (code, message) => got.push(`error ${code} ${message}`),
  };
  const d = new FrameDecoder(events, { expectMasked, maxMessageSize: 1 << 20 });
  for (const b of bytes) d.feed(b);
  return got;
}

const text = (s: string) => new TextEncoder().encode(s);

describe("ws: prepared messages", () => {
  test("servers write the same frame buffer; the peer reads one message each", () => {
    const m = new PreparedMessage(text("to everyone"));
    const raws = [recorder(), recorder(), recorder()];
    for (const raw of raws) {
      const ws = new WsStream(raw, { role: "server" });
      ws.start({ data() {}, drain() {}, end() {} });
      assert.equal(ws.writeShared(m), true);
    }
    for (const raw of raws) {
      assert.equal(raw.writes.length, 1);
      assert.equal(raw.writes[0], m.frame); // shared, not a copy
      assert.deepEqual(decode(raw.writes, false), ["to everyone"]);
    }
  });

  test("any shared message: one frame for every server stream, via the contract", () => {
    const m = new SharedMessage(text("neutral"));
    const raws = [recorder(), recorder()];
    for (const raw of raws) {
      const ws: ByteStream = new WsStream(raw, { role: "server" });
      ws.start({ data() {}, drain() {}, end() {} });
      assert.equal(writeShared(ws, m), true);
    }
    assert.equal(raws[0]!.writes[0], raws[1]!.writes[0]); // the same buffer
    assert.equal(raws[0]!.writes[0], m.framed(serverFrame));
    assert.deepEqual(decode(raws[0]!.writes, false), ["neutral"]);
  });

  test("frame headers for 16- and 64-bit lengths", () => {
    for (const n of [125, 126, 65535, 65536]) {
      const m = new PreparedMessage(new Uint8Array(n).fill(97));
      assert.equal(m.frame.length, n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
      assert.deepEqual(decode([m.frame], false), ["a".repeat(n)]);
    }
  });

  test("a client masks its own copy; a big message is fragmented", () => {
    const m = new PreparedMessage(text("from a client"));
    const raw = recorder();
    const client = new WsStream(raw, { role: "client" });
    client.start({ data() {}, drain() {}, end() {} });
    client.writeShared(m);
    assert.notEqual(raw.writes[0], m.frame);
    assert.deepEqual(decode(raw.writes, true), ["from a client"]);

    const raw2 = recorder();
    const server = new WsStream(raw2, { role: "server", fragmentSize: 4 });
    server.start({ data() {}, drain() {}, end() {} });
    server.writeShared(new PreparedMessage(text("fragmented")));
    assert.ok(raw2.writes.length >= 3);
    assert.deepEqual(decode(raw2.writes, false), ["fragmented"]);
  });

  test("over a PeekStream, frames go to the stream beneath: in order, with its back-pressure", () => {
    // What an upgraded server connection is (front door, upgrade): ws over a PeekStream over
    // the socket's stream. Writes skip the PeekStream hop, so they must still keep the order
    // of every write and return what the socket's stream returns.
    const raw = recorder();
    let room = 2; // the socket's stream takes two writes, then reports its buffer full
    const write = raw.write;
    raw.write = (b) => (write(b), --room > 0);
    const peek = new PeekStream(raw);
    assert.equal(peek.writer, raw);
    const ws = new WsStream(peek, { role: "server" });
    ws.start({ data() {}, drain() {}, end() {} });
    const m = new PreparedMessage(text("shared"));
    assert.equal(ws.write(text("first")), true);
    assert.equal(ws.writeShared(m), false); // the socket's stream is above its mark
    assert.equal(ws.write(text("third")), false);
    assert.equal(raw.writes[1], m.frame); // the shared frame itself, not a copy
    assert.deepEqual(decode(raw.writes, false), ["first", "shared", "third"]);
    ws.close(0);
    assert.equal(ws.writeShared(m), true); // closed: ignored, as write() does
    assert.equal(raw.writes.length, 4); // the close frame only
  });

  test("nothing is written once the stream is closing", () => {
    const raw = recorder();
    const ws = new WsStream(raw, { role: "server" });
    ws.start({ data() {}, drain() {}, end() {} });
    ws.close(0);
    const before = raw.writes.length;
    assert.equal(ws.writeShared(new PreparedMessage(text("late"))), true);
    assert.equal(raw.writes.length, before);
  });
});
