// ZWS 2.0 (RFC 45) at a weft ZeroMQ socket, from a raw WebSocket peer whose ZWS frames are
// written out by hand (independent of weft's ZwsFraming): both subprotocol modes (ZWS2.0/NULL
// with READY commands; bare ZWS2.0 with routing ids, as jszmq speaks it), subprotocol refusal,
// and bad input — each closes that one connection with an event naming the cause while a
// well-behaved peer keeps working — plus the size and handshake-time limits.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pull, Push, Router } from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions } from "../../src/zmq.ts";
import { runtimeTransports } from "../../src/zmq.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import type { ByteStream } from "../../src/transport/types.ts";
import { concat, texts, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A NULL READY command body: name, then Socket-Type (and Identity) properties. */
function ready(type: string, identity?: string): Uint8Array {
  const prop = (name: string, value: string) => {
    const v = enc.encode(value);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, v.length);
    return concat(Uint8Array.of(name.length), enc.encode(name), len, v);
  };
  return concat(
    Uint8Array.of(5),
    enc.encode("READY"),
    prop("Socket-Type", type),
    ...(identity !== undefined ? [prop("Identity", identity)] : []),
  );
}

/** One ZWS frame: the flag octet (0x01 MORE, 0x02 COMMAND), then the body. */
const zws = (flags: number, body: Uint8Array | string) =>
  concat(Uint8Array.of(flags), typeof body === "string" ? enc.encode(body) : body);

/** A raw WebSocket client (weft's ws transport, no ZMTP) and what it received. */
async function rawClient(url: string, protocols: string[]) {
  const stream: ByteStream = await runtimeTransports().get("ws")!.dial(parseEndpoint(url), {
    protocols,
  });
  const got: Uint8Array[] = [];
  let ended = false;
  stream.start({ data: (m) => got.push(m), drain() {}, end: () => (ended = true) });
  return {
    stream,
    got,
    get ended() {
      return ended;
    },
  };
}

function record(sock: Socket, ...types: SocketEvent["type"][]): SocketEvent[] {
  const seen: SocketEvent[] = [];
  for (const type of types) sock.events.on(type, (e) => seen.push(e));
  return seen;
}

const opts = (extra: SocketOptions = {}): SocketOptions => ({ linger: 0, ...extra });
let path = 0;
const endpoint = () => `ws://127.0.0.1:0/zws-test${path++}`;

describe("ZWS 2.0 at a weft socket, from a raw WebSocket peer", () => {
  test("ZWS2.0/NULL: READY commands both ways, no greeting, one frame per message", async () => {
    await using pull = new Pull(opts());
    await pull.bind(endpoint());
    const raw = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
    assert.equal(raw.stream.protocol, "ZWS2.0/NULL");
    await until(() => raw.got.length === 1, "the server's READY");
    assert.equal(raw.got[0]![0], 0x02, "a command frame");
    assert.equal(dec.decode(raw.got[0]!.subarray(2, 7)), "READY");
    assert.ok(dec.decode(raw.got[0]!).includes("Socket-Type\0\0\0\x04PULL"), "Socket-Type PULL");
    raw.stream.write(zws(0x02, ready("PUSH")));
    raw.stream.write(zws(0x01, "part one"));
    raw.stream.write(zws(0x00, "part two"));
    assert.deepEqual(texts(await within(pull.receive())), ["part one", "part two"]);
    raw.stream.close();
  });

  test("bare ZWS2.0 (jszmq): routing ids first, then messages; ROUTER sees the id", async () => {
    await using router = new Router(opts());
    await router.bind(endpoint());
    const raw = await rawClient(router.lastEndpoint!, ["ZWS2.0"]);
    assert.equal(raw.stream.protocol, "ZWS2.0");
    await until(() => raw.got.length === 1, "the server's routing id");
    assert.deepEqual([...raw.got[0]!], [0x00], "an empty routing id, as a message");
    raw.stream.write(zws(0x00, "js-client"));
    raw.stream.write(zws(0x00, "hello"));
    const [id, body] = await within(router.receive());
    assert.equal(dec.decode(id), "js-client");
    assert.equal(dec.decode(body), "hello");
    await router.send([id!, "back"]);
    await until(() => raw.got.length === 2, "the reply");
    assert.deepEqual(dec.decode(raw.got[1]!), "\0back");
    raw.stream.close();
  });

  test("a mechanism the socket does not use is refused at the upgrade (HTTP 400)", async () => {
    await using pull = new Pull(opts());
    const refused = record(pull, "accept:error");
    await pull.bind(endpoint());
    await assert.rejects(rawClient(pull.lastEndpoint!, ["ZWS2.0/PLAIN"]), /400/);
    await assert.rejects(rawClient(pull.lastEndpoint!, ["pull.sp.nanomsg.org"]), /400/);
    await until(() => refused.length === 2, "two accept:error events");
    assert.match(refused[0]!.reason ?? "", /subprotocol/i);
  });

  const bad: [string, (raw: Awaited<ReturnType<typeof rawClient>>) => void, RegExp][] = [
    ["an empty message", (r) => r.stream.write(new Uint8Array(0)), /empty message/],
    ["reserved flag bits", (r) => r.stream.write(zws(0x08, "x")), /flags 0x00-0x03.*0x08/],
    ["a command with MORE", (r) => r.stream.write(zws(0x03, "x")), /without MORE/],
    ["a message before READY", (r) => r.stream.write(zws(0x00, "x")), /before READY/],
  ];
  for (const [what, send, reason] of bad) {
    test(`bad input (${what}) closes that connection only, naming the cause`, async () => {
      await using pull = new Pull(opts());
      const events = record(pull, "disconnect", "handshake:error");
      await pull.bind(endpoint());
      await using good = new Push(opts());
      good.connect(pull.lastEndpoint!);
      const raw = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
      await until(() => raw.got.length === 1, "the server's READY");
      if (what !== "a message before READY") raw.stream.write(zws(0x02, ready("PUSH")));
      send(raw);
      await until(() => events.length === 1, "an event for the bad peer");
      assert.match(events[0]!.reason ?? "", reason);
      assert.equal(events[0]!.code, "EPROTO");
      await until(() => raw.ended, "the bad connection closed");
      await good.send("still fine");
      assert.deepEqual(texts(await within(pull.receive())), ["still fine"]);
    });
  }

  test("a text message closes the connection (1003), as libzmq refuses text", async () => {
    await using pull = new Pull(opts());
    const events = record(pull, "disconnect", "handshake:error");
    await pull.bind(endpoint());
    const raw = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
    await until(() => raw.got.length === 1);
    // A text frame by hand: FIN|text, masked, payload "hi".
    const mask = [1, 2, 3, 4];
    const textFrame = Uint8Array.of(0x81, 0x82, ...mask, 0x68 ^ 1, 0x69 ^ 2);
    // Bypass WsStream's binary-only write: a second connection on the raw base transport.
    raw.stream.close(0);
    const tcp = runtimeTransports().get("tcp")!;
    const port = new URL(pull.lastEndpoint!.replace("ws", "http")).port;
    const s = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${port}`));
    const got: Uint8Array[] = [];
    s.start({ data: (c) => got.push(c), drain() {}, end() {} });
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    s.write(enc.encode(
      `GET ${new URL(pull.lastEndpoint!.replace("ws", "http")).pathname} HTTP/1.1\r\n` +
        `Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n`,
    ));
    await until(() => dec.decode(concat(...got)).includes("\r\n\r\n"), "the 101");
    s.write(textFrame);
    await until(() => events.length >= 2, "both connections' events");
    assert.ok(events.some((e) => /1003/.test(e.reason ?? "")), JSON.stringify(events));
    s.close(0);
  });

  test("maxMessageSize: a larger frame closes the connection with EMSGSIZE", async () => {
    await using pull = new Pull(opts({ maxMessageSize: 1000 }));
    const events = record(pull, "disconnect");
    await pull.bind(endpoint());
    const raw = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
    await until(() => raw.got.length === 1);
    raw.stream.write(zws(0x02, ready("PUSH")));
    raw.stream.write(zws(0x00, new Uint8Array(1000)));
    assert.equal((await within(pull.receive()))[0]!.length, 1000);
    raw.stream.write(zws(0x00, new Uint8Array(1001)));
    await until(() => events.length === 1);
    assert.equal(events[0]!.code, "EMSGSIZE");
    assert.match(events[0]!.reason ?? "", /at most 1000 octets/);
    // Far above the limit the WebSocket layer refuses it before buffering it all (1009).
    const big = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
    await until(() => big.got.length === 1);
    big.stream.write(zws(0x02, ready("PUSH")));
    big.stream.write(zws(0x00, new Uint8Array(100_000)));
    await until(() => events.length === 2);
    assert.match(events[1]!.reason ?? "", /1009/);
  });

  test("handshakeInterval: a peer that never sends READY is dropped with ETIMEDOUT", async () => {
    await using pull = new Pull(opts({ handshakeInterval: 100 }));
    const events = record(pull, "handshake:error");
    await pull.bind(endpoint());
    const raw = await rawClient(pull.lastEndpoint!, ["ZWS2.0/NULL"]);
    await until(() => events.length === 1, "the handshake timeout");
    assert.equal(events[0]!.code, "ETIMEDOUT");
    await until(() => raw.ended);
  });
});
