/**
 * The direct inproc (issue 13, point 4): ZeroMQ sockets in one process run their handshake over
 * the in-memory stream, then pass messages between their pipes by reference, as libzmq's inproc
 * does. What is new and has to hold: frames are not copied (ownership passes on send), each
 * receiver gets its own frames array, capacity is exactly sendHighWaterMark +
 * receiveHighWaterMark, reconnects re-link, socket types are still checked, maxMessageSize is
 * not applied (as libzmq on inproc), and `{ direct: false }` / SP keep the bytes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pub, Pull, Push, Sub, XPub } from "../../src/zmq.ts";
import { Pull0, Push0 } from "../../src/sp.ts";
import type { EventStream, SocketEvent, SocketEventType } from "../../src/core/events.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
import type { TransportRegistry } from "../../src/transport/types.ts";
import { texts, within } from "../_helpers.ts";

const direct = (): TransportRegistry =>
  createRegistry([new InprocTransport(new InprocNamespace())]);
const bytewise = (): TransportRegistry =>
  createRegistry([new InprocTransport(new InprocNamespace(), { direct: false })]);

/** The next event of `type` on a socket. */
function next(socket: { events: EventStream }, type: SocketEventType): Promise<SocketEvent> {
  return new Promise((resolve) => {
    const off = socket.events.on(type, (event) => {
      off();
      resolve(event);
    });
  });
}

/** The `reason` or `code` of an event, or "". */
const field = (event: SocketEvent, key: "reason" | "code"): string =>
  String((event as unknown as Record<string, unknown>)[key] ?? "");

describe("inproc passes messages by reference", () => {
  test("the PULL gets the very frames the PUSH sent, in order, multipart intact", async () => {
    const transports = direct();
    await using pull = new Pull({ transports });
    await pull.bind("inproc://ref");
    await using push = new Push({ transports });
    push.connect("inproc://ref");
    const sent = Array.from({ length: 50 }, (_, i) => [Uint8Array.of(i), Uint8Array.of(i, i)]);
    for (const m of sent) await push.send(m);
    for (const m of sent) {
      const got = await within(pull.receive());
      assert.equal(got.length, 2);
      assert.equal(got[0], m[0], "frame 0 is the sender's Uint8Array, not a copy");
      assert.equal(got[1], m[1], "frame 1 is the sender's Uint8Array, not a copy");
    }
  });

  test("ownership passes on send: a buffer changed afterwards shows the change", async () => {
    // The documented contract (docs/zmq.md): after send() the frames belong to weft and then to
    // the receiver, as libzmq's zero-copy messages; a sender that reuses a buffer must copy.
    const transports = direct();
    await using pull = new Pull({ transports });
    await pull.bind("inproc://own");
    await using push = new Push({ transports });
    push.connect("inproc://own");
    const buf = new TextEncoder().encode("before");
    await push.send(buf);
    buf.set(new TextEncoder().encode("after!"));
    assert.deepEqual(texts(await within(pull.receive())), ["after!"]);
  });

  test("each subscriber gets its own frames array; the frames are shared", async () => {
    const transports = direct();
    await using xpub = new XPub({ transports, xpubVerbose: true });
    await xpub.bind("inproc://fan");
    await using a = new Sub({ transports });
    await using b = new Sub({ transports });
    for (const sub of [a, b]) {
      sub.subscribe("t");
      sub.connect("inproc://fan");
    }
    // A verbose XPUB hands each subscription to the application: both are in once both came.
    for (let i = 0; i < 2; i++) assert.deepEqual(texts(await within(xpub.receive())), ["\x01t"]);
    const topic = new TextEncoder().encode("t");
    const body = Uint8Array.of(7);
    await xpub.send([topic, body]);
    const gotA = await within(a.receive());
    const gotB = await within(b.receive());
    assert.notEqual(gotA, gotB, "two arrays");
    assert.equal(gotA[1], body);
    assert.equal(gotB[1], body);
    gotA.shift(); // one subscriber rearranging its message…
    assert.equal(gotB.length, 2); // …does not touch the other's
  });

  test("capacity is sendHighWaterMark + receiveHighWaterMark; reads make room", async () => {
    const transports = direct();
    await using pull = new Pull({ transports, receiveHighWaterMark: 2 });
    await pull.bind("inproc://hwm");
    await using push = new Push({ transports, sendHighWaterMark: 3 });
    push.connect("inproc://hwm");
    await within(next(push, "handshake"));
    const first = Array.from({ length: 5 }, (_, i) => push.send(String(i)));
    await within(Promise.all(first), "five sends (3 + 2) to resolve");
    push.sendTimeout = 0;
    await assert.rejects(push.send("no room"), { code: "EAGAIN" });
    push.sendTimeout = -1;
    const sixth = push.send("5");
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(texts(await within(pull.receive()))[0]!);
    await within(sixth);
    assert.deepEqual(got, ["0", "1", "2", "3", "4", "5"]);
  });

  test("a reconnecting PUSH re-links to a new PULL and delivers what it queued", async () => {
    const transports = direct();
    await using push = new Push({ transports, reconnectInterval: 5 });
    push.connect("inproc://again");
    const first = new Pull({ transports });
    await first.bind("inproc://again");
    const one = Uint8Array.of(1);
    await push.send(one);
    assert.equal((await within(first.receive()))[0], one);
    const gone = next(push, "disconnect");
    first.close();
    await first.closed;
    await within(gone);
    const two = Uint8Array.of(2);
    await push.send(two); // queued while nobody is bound
    await using second = new Pull({ transports });
    await second.bind("inproc://again");
    assert.equal((await within(second.receive()))[0], two);
  });

  test("monitor events: connect, accept, handshake both sides, disconnect on close", async () => {
    const transports = direct();
    await using pull = new Pull({ transports });
    const pullSeen: string[] = [];
    pull.events.on("*", (e) => pullSeen.push(e.type));
    await pull.bind("inproc://events");
    const push = new Push({ transports });
    const pushSeen: string[] = [];
    push.events.on("*", (e) => pushSeen.push(e.type));
    push.connect("inproc://events");
    const frame = Uint8Array.of(1);
    await push.send(frame);
    assert.equal((await within(pull.receive()))[0], frame); // the direct path was taken
    const gone = next(pull, "disconnect");
    push.close();
    await push.closed;
    await within(gone);
    assert.deepEqual(pushSeen.slice(0, 2), ["connect", "handshake"]);
    assert.deepEqual(pullSeen, ["bind", "accept", "handshake", "disconnect"]);
  });

  test("socket types are still checked: a PUSH cannot talk to a PUB", async () => {
    const transports = direct();
    await using pub = new Pub({ transports });
    await pub.bind("inproc://wrong");
    await using push = new Push({ transports, reconnectInterval: -1 });
    const refused = next(push, "handshake:error");
    push.connect("inproc://wrong");
    const event = await within(refused);
    assert.match(field(event, "reason"), /Invalid socket type: PUSH expects PULL/);
  });

  test("maxMessageSize is not applied on the direct path (as libzmq's inproc)", async () => {
    // libzmq 4.3.4 checks ZMQ_MAXMSGSIZE in its stream decoder, which inproc never runs: a
    // 100-octet message reaches a PULL with MAXMSGSIZE 10 there. `{ direct: false }` keeps it.
    const transports = direct();
    await using pull = new Pull({ transports, maxMessageSize: 10 });
    await pull.bind("inproc://big");
    await using push = new Push({ transports });
    push.connect("inproc://big");
    await push.send(new Uint8Array(100));
    assert.equal((await within(pull.receive()))[0]!.length, 100);
  });
});

describe("inproc on the bytes", () => {
  test("{ direct: false } runs ZMTP framing: copies arrive, maxMessageSize applies", async () => {
    const transports = bytewise();
    await using pull = new Pull({ transports, maxMessageSize: 10 });
    await pull.bind("inproc://bytes");
    await using push = new Push({ transports, reconnectInterval: -1 });
    push.connect("inproc://bytes");
    const small = Uint8Array.of(1, 2, 3);
    await push.send(small);
    const got = (await within(pull.receive()))[0]!;
    assert.deepEqual([...got], [1, 2, 3]);
    assert.notEqual(got, small, "decoded from the bytes, not the sender's array");
    const dropped = next(pull, "disconnect");
    await push.send(new Uint8Array(100));
    const event = await within(dropped);
    assert.equal(field(event, "code"), "EMSGSIZE");
  });

  test("SP sockets stay on the bytes over inproc (their wire reshapes messages)", async () => {
    const transports = direct();
    await using pull = new Pull0({ transports });
    await pull.listen("inproc://sp-bytes");
    await using push = new Push0({ transports });
    await push.dial("inproc://sp-bytes");
    const body = Uint8Array.of(9, 8, 7);
    await push.send(body);
    const got = await within(pull.recv());
    assert.deepEqual([...got], [9, 8, 7]);
    assert.notEqual(got, body);
  });
});
