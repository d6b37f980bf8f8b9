import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeCommand,
  errorCommand,
  parseCommand,
  parseError,
  parsePing,
  parseReady,
  pingCommand,
  pongCommand,
  readyCommand,
  subscriptionCommand,
} from "./command.ts";
import { encodeMetadata, isPropertyName, parseMetadata } from "./metadata.ts";
import { compatiblePeers, isCompatible, isSocketType, SocketType } from "./socket_type.ts";
import { hex, toHex } from "../../../tests/_helpers.ts";
import { frame, te } from "../../../tests/fixtures/zmtp/_helpers.ts";

describe("commands: RFC 37 worked examples", () => {
  test("DEALER READY: 04 29 05 READY 0B Socket-Type 00 00 00 06 DEALER 08 Identity 00 00 00 00", () => {
    const body = readyCommand([["Socket-Type", te.encode("DEALER")], [
      "Identity",
      new Uint8Array(0),
    ]]);
    const want = hex(
      "04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06" +
        "44 45 41 4c 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 00",
    );
    assert.equal(toHex(frame(4, body)), toHex(want));
  });
  test("ROUTER reply READY has size 28", () => {
    const body = readyCommand([["Socket-Type", te.encode("ROUTER")]]);
    const wire = frame(4, body);
    assert.equal(toHex(wire.subarray(0, 2)), "04 1c");
    assert.equal(
      toHex(wire.subarray(2)),
      toHex(te.encode("\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER")),
    );
  });
  test("SUBSCRIBE to A: 04 0B 09 53 55 42 53 43 52 49 42 45 41", () => {
    assert.equal(
      toHex(frame(4, subscriptionCommand(te.encode("A"), true))),
      "04 0b 09 53 55 42 53 43 52 49 42 45 41",
    );
    assert.equal(
      toHex(frame(4, subscriptionCommand(te.encode("A"), false))),
      "04 08 06 43 41 4e 43 45 4c 41",
    );
  });
  test("PING with TTL and context, PONG echoes the context", () => {
    const ctx = hex("de ad be ef");
    assert.equal(toHex(frame(4, pingCommand(20, ctx))), "04 0b 04 50 49 4e 47 00 14 de ad be ef");
    assert.equal(toHex(frame(4, pingCommand(0))), "04 07 04 50 49 4e 47 00 00");
    assert.equal(toHex(frame(4, pongCommand(ctx))), "04 09 04 50 4f 4e 47 de ad be ef");
    assert.equal(toHex(pingCommand(0xffff).subarray(5)), "ff ff");
    assert.throws(() => pingCommand(1, new Uint8Array(17)), { code: "EINVAL" });
    assert.throws(() => pingCommand(0x10000), { code: "EINVAL" });
    // PONG truncates a too-long context to 16 octets, as libzmq does.
    assert.equal(pongCommand(new Uint8Array(20)).length, 5 + 16);
  });
  test("ERROR", () => {
    assert.equal(toHex(frame(4, errorCommand("bad"))), "04 0a 05 45 52 52 4f 52 03 62 61 64");
    assert.equal(errorCommand("x".repeat(300)).length, 6 + 1 + 255);
    assert.equal(
      parseError(parseCommand(errorCommand("Invalid socket type"))!.data),
      "Invalid socket type",
    );
  });
});

describe("commands: parse", () => {
  test("name and data", () => {
    const c = parseCommand(encodeCommand("HELLO", hex("01 02")));
    assert.equal(c?.name, "HELLO");
    assert.deepEqual([...c!.data], [1, 2]);
  });
  test("malformed", () => {
    assert.equal(parseCommand(new Uint8Array(0)), null);
    assert.equal(parseCommand(hex("05 52 45 41 44")), null);
    assert.equal(parseError(new Uint8Array(0)), null);
    assert.equal(parseError(hex("05 41")), null);
    assert.equal(parseReady(hex("0b 53 6f")).ok, false);
  });
  test("PING: ttl and context, truncated context, short PING", () => {
    const p = parsePing(hex("01 02 " + "aa ".repeat(20)));
    assert.equal(p.ttlDeciseconds, 0x102);
    assert.equal(p.context.length, 16);
    assert.deepEqual(parsePing(hex("07")), parsePing(new Uint8Array(0)));
    assert.equal(parsePing(hex("07")).ttlDeciseconds, 0);
  });
  test("bad names are refused when encoding", () => {
    assert.throws(() => encodeCommand("RE ADY"), { code: "EINVAL" });
    assert.throws(() => encodeCommand(""), { code: "EINVAL" });
  });
});

describe("metadata", () => {
  test("round trip, names case-insensitive, first value wins", () => {
    const props = [
      ["Socket-Type", te.encode("SUB")],
      ["X-Foo", te.encode("bar")],
      ["x-foo", te.encode("second")],
    ] as const;
    const out = new Uint8Array(100);
    const end = encodeMetadata(props, out, 0);
    const r = parseMetadata(out.subarray(0, end));
    assert.ok(r.ok);
    assert.deepEqual([...r.properties.keys()], ["socket-type", "x-foo"]);
    assert.equal(new TextDecoder().decode(r.properties.get("x-foo")), "bar");
  });
  test("value length past the end, trailing octet", () => {
    const good = hex("01 41 00 00 00 01 42");
    assert.equal(parseMetadata(good).ok, true);
    assert.equal(parseMetadata(hex("01 41 00 00 00 02 42")).ok, false);
    assert.equal(parseMetadata(hex("01 41 00 00 00 01 42 00")).ok, false);
    assert.equal(parseMetadata(hex("01 41 00 00 00 01 42 01")).ok, false);
    assert.match(
      (parseMetadata(hex("01 41 ff ff ff ff 42")) as { reason: string }).reason,
      /"A" declares 4294967295 octets, 1 remain/,
    );
  });
  test("property names", () => {
    assert.equal(isPropertyName("Socket-Type"), true);
    assert.equal(isPropertyName("a.b_c+d-e9"), true);
    assert.equal(isPropertyName(""), false);
    assert.equal(isPropertyName("x".repeat(256)), false);
    assert.equal(isPropertyName("a:b"), false);
    assert.throws(() => encodeMetadata([["a b", new Uint8Array(0)]], new Uint8Array(20), 0), {
      code: "EINVAL",
    });
  });
});

describe("socket types (RFC 37 matrix)", () => {
  const matrix: Record<string, string[]> = {
    REQ: ["REP", "ROUTER"],
    REP: ["REQ", "DEALER"],
    DEALER: ["REP", "DEALER", "ROUTER"],
    ROUTER: ["REQ", "DEALER", "ROUTER"],
    PUB: ["SUB", "XSUB"],
    XPUB: ["SUB", "XSUB"],
    SUB: ["PUB", "XPUB"],
    XSUB: ["PUB", "XPUB"],
    PUSH: ["PULL"],
    PULL: ["PUSH"],
    PAIR: ["PAIR"],
    CLIENT: ["SERVER"],
    SERVER: ["CLIENT"],
    RADIO: ["DISH"],
    DISH: ["RADIO"],
    SCATTER: ["GATHER"],
    GATHER: ["SCATTER"],
    PEER: ["PEER"],
    CHANNEL: ["CHANNEL"],
  };
  test("every pair", () => {
    const all = Object.values(SocketType);
    assert.deepEqual(all.toSorted(), Object.keys(matrix).toSorted());
    for (const ours of all) {
      assert.deepEqual([...compatiblePeers(ours)].toSorted(), matrix[ours]!.toSorted());
      for (const theirs of all) {
        assert.equal(
          isCompatible(ours, theirs),
          matrix[ours]!.includes(theirs),
          `${ours}-${theirs}`,
        );
      }
    }
  });
  test("names are exact", () => {
    assert.equal(isSocketType("DEALER"), true);
    assert.equal(isSocketType("dealer"), false);
    assert.equal(isSocketType("toString"), false);
    assert.equal(isCompatible("REQ", "rep"), false);
    assert.equal(isCompatible("REQ", ""), false);
  });
});
