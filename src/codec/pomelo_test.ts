import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodePacket,
  MessageFlag,
  MessageType,
  PacketType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  type PomeloMessageInit,
  type PomeloSink,
  RouteDictionary,
} from "./pomelo.ts";
import * as ref from "./_reference/pomelo.ts";
import { CodecStatus } from "./status.ts";
import { Codec } from "./wasm.ts";
import { WeftError } from "../core/errors.ts";
import { concat, prng } from "../../tests/_helpers.ts";

const te = new TextEncoder();
const bytes = (s: string) => te.encode(s);

function digest(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}#${(h >>> 0).toString(16)}`;
}

/** A sink that logs everything as comparable strings. */
function logSink(): PomeloSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    packet: (type, body) => log.push(`P${type} ${digest(body)}`),
    message: (m: PomeloMessage) =>
      log.push(`M${m.type} id=${m.id} r=${m.route} f=${m.flags} ${digest(m.body)}`),
  };
}

interface Decoder {
  feed(chunk: Uint8Array, sink: PomeloSink): number;
}

/** Feeds `input` in pieces cut at `cuts`; returns the log and the last status. */
function run(dec: Decoder, input: Uint8Array, cuts: number[]): { log: string[]; status: number } {
  const sink = logSink();
  let status = 0;
  let prev = 0;
  for (const cut of [...cuts, input.length]) {
    // Fresh copies: bodies are views, and the decoder must not depend on the caller's buffer
    // layout.
    status = dec.feed(input.slice(prev, cut), sink);
    prev = cut;
    if (status < 0) break;
  }
  return { log: sink.log, status };
}

function randomCuts(rand: () => number, length: number, mode: number): number[] {
  const cuts: number[] = [];
  if (mode === 0) return cuts;
  if (mode === 1) {
    for (let i = 1; i < length; i++) cuts.push(i);
    return cuts;
  }
  let p = 0;
  const step = mode === 2 ? 8 : 2000;
  while (true) {
    p += 1 + Math.floor(rand() * step);
    if (p >= length) return cuts;
    cuts.push(p);
  }
}

function decodeAll(
  input: Uint8Array,
  options: { maxBody?: number; dictionary?: RouteDictionary } = {},
) {
  return run(new PomeloDecoder(options), input, []);
}

describe("codec/pomelo worked examples", () => {
  const join = [0x00, 0x01, 0x09, 0x52, 0x6f, 0x6f, 0x6d, 0x2e, 0x4a, 0x6f, 0x69, 0x6e, 0x7b, 0x7d];

  test("request id 1 Room.Join {} encodes as in the reference notes", () => {
    const m = { type: MessageType.REQUEST, id: 1, route: "Room.Join", body: bytes("{}") };
    const expected = [4, 0, 0, 14, ...join];
    assert.deepEqual([...new PomeloEncoder().encodeMessage(m)], expected);
    assert.deepEqual([...new PomeloEncoder().encodeMessages([m])], expected);
    assert.deepEqual([...ref.encodeMessages([m])], expected);
  });

  test("id 300 is AC 02; push with code 3 is 07 00 03", () => {
    const dictionary = new RouteDictionary({ "a.b": 1, onChat: 3 });
    const enc = new PomeloEncoder({ dictionary });
    const resp = enc.encodeMessage({ type: MessageType.RESPONSE, id: 300, body: bytes("x") });
    assert.deepEqual([...resp], [4, 0, 0, 4, 0x04, 0xac, 0x02, 0x78]);
    const push = enc.encodeMessage({ type: MessageType.PUSH, route: "onChat", body: bytes("x") });
    assert.deepEqual([...push], [4, 0, 0, 4, 0x07, 0x00, 0x03, 0x78]);
    const { log, status } = decodeAll(concat(resp, push), { dictionary });
    assert.equal(status, 0);
    assert.deepEqual(log, [
      `M2 id=300 r= f=4 ${digest(bytes("x"))}`,
      `M3 id=0 r=onChat f=7 ${digest(bytes("x"))}`,
    ]);
    dictionary.dispose();
  });

  test("decodes the worked request and empty control packets", () => {
    const input = new Uint8Array([2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 14, ...join]);
    const { log, status } = decodeAll(input);
    assert.equal(status, 0);
    assert.deepEqual(log, [
      "P2 0#811c9dc5",
      "P3 0#811c9dc5",
      `M0 id=1 r=Room.Join f=0 ${digest(bytes("{}"))}`,
    ]);
  });
});

describe("codec/pomelo packet boundaries", () => {
  for (const size of [0, 1, 254, 255, 256, 65535, 65536, 2 ** 24 - 1]) {
    test(`packet body of ${size} bytes, whole and split`, () => {
      const rand = prng(size);
      const body = new Uint8Array(size);
      for (let i = 0; i < size; i += 97) body[i] = i & 0xff;
      const input = concat(
        encodePacket(PacketType.HANDSHAKE, body),
        encodePacket(PacketType.HEARTBEAT, new Uint8Array(0)),
      );
      const maxBody = Math.max(size, 1);
      const expected = [`P1 ${digest(body)}`, "P3 0#811c9dc5"];
      for (const mode of size > 70000 ? [0, 3] : [0, 2, 3]) {
        const cuts = randomCuts(rand, input.length, mode);
        const wasm = run(new PomeloDecoder({ maxBody }), input, cuts);
        assert.deepEqual(wasm, { log: expected, status: 0 });
      }
      if (size <= 300) {
        const cuts = randomCuts(rand, input.length, 1);
        assert.deepEqual(run(new PomeloDecoder({ maxBody }), input, cuts), {
          log: expected,
          status: 0,
        });
      }
      if (size > 0) {
        const over = run(new PomeloDecoder({ maxBody: size - 1 }), input, []);
        assert.deepEqual(over, { log: [], status: CodecStatus.TOO_LARGE });
      }
    });
  }

  test("DATA packets above the window are decoded in place and when assembled", () => {
    const body = new Uint8Array(200_000).fill(7);
    const m = { type: MessageType.NOTIFY, route: "big.one", body };
    const input = concat(ref.encodeMessages([m, m]));
    const expected = Array(2).fill(`M1 id=0 r=big.one f=2 ${digest(body)}`);
    for (const cuts of [[], [3], [100], [100_000, 200_020]]) {
      assert.deepEqual(run(new PomeloDecoder({ maxBody: 1 << 20 }), input, cuts), {
        log: expected,
        status: 0,
      });
    }
  });
});

describe("codec/pomelo varint ids", () => {
  const ids = [
    0,
    1,
    127,
    128,
    16383,
    16384,
    2097151,
    2097152,
    2 ** 28 - 1,
    2 ** 28,
    2 ** 31 - 1,
    2 ** 32 + 5,
    2 ** 35 - 1,
  ];
  for (const id of ids) {
    test(`id ${id} round-trips through both codecs`, () => {
      const m = { type: MessageType.REQUEST, id, route: "r", body: bytes("{}") };
      const wire = new PomeloEncoder().encodeMessage(m);
      assert.deepEqual(wire, ref.encodeMessages([m]));
      assert.deepEqual(new PomeloEncoder().encodeMessages([m]), wire);
      const expectedLen = id < 128 ? 1 : id < 16384 ? 2 : id < 2 ** 21 ? 3 : id < 2 ** 28 ? 4 : 5;
      assert.equal(wire.length, 4 + 1 + expectedLen + 2 + 2);
      const line = `M0 id=${id} r=r f=0 ${digest(bytes("{}"))}`;
      assert.deepEqual(decodeAll(wire), { log: [line], status: 0 });
      assert.deepEqual(run(new ref.ReferencePomeloDecoder(), wire, []), { log: [line], status: 0 });
    });
  }
});

describe("codec/pomelo malformed input", () => {
  const dictionary = new RouteDictionary(["known"]);
  const data = (msg: number[]) => new Uint8Array([4, 0, 0, msg.length, ...msg]);
  const cases: [string, Uint8Array, number][] = [
    ["packet type 0", new Uint8Array([0, 0, 0, 0]), CodecStatus.BAD_TYPE],
    ["packet type 6", new Uint8Array([6, 0, 0, 0]), CodecStatus.BAD_TYPE],
    ["length over max", new Uint8Array([1, 1, 0, 1]), CodecStatus.TOO_LARGE],
    ["empty DATA body", data([]), CodecStatus.MALFORMED],
    ["varint truncated mid-message", data([0x00, 0x80]), CodecStatus.TRUNCATED_VARINT],
    ["varint truncated at the end", data([0x04, 0xff, 0xff]), CodecStatus.TRUNCATED_VARINT],
    [
      "varint over 5 bytes",
      data([0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
      CodecStatus.TRUNCATED_VARINT,
    ],
    ["unknown route code", data([0x03, 0x00, 0x02, 0x7b]), CodecStatus.UNKNOWN_ROUTE],
    ["route code cut short", data([0x03, 0x00]), CodecStatus.MALFORMED],
    ["route length past end", data([0x02, 0x05, 0x61, 0x62]), CodecStatus.MALFORMED],
    ["route length byte missing", data([0x02]), CodecStatus.MALFORMED],
    ["request without route", data([0x00, 0x01]), CodecStatus.MALFORMED],
    ["message type 4", data([0x08, 0x01]), CodecStatus.BAD_TYPE],
    ["message type 5", data([0x0a, 0x01]), CodecStatus.BAD_TYPE],
    ["message type 6", data([0x0c, 0x01]), CodecStatus.BAD_TYPE],
    ["message type 7", data([0x0e, 0x01]), CodecStatus.BAD_TYPE],
    ["reserved bit 6", data([0x42, 0x00]), CodecStatus.MALFORMED],
    ["reserved bit 7", data([0x82, 0x00]), CodecStatus.MALFORMED],
  ];
  for (const [name, bad, status] of cases) {
    test(`${name} → ${status}, after the packets before it`, () => {
      const good = new Uint8Array([3, 0, 0, 0]);
      const input = concat(good, bad, good);
      const expected = { log: ["P3 0#811c9dc5"], status };
      for (const cuts of [[], randomCuts(prng(1), input.length, 1)]) {
        const wasm = new PomeloDecoder({ maxBody: 255, dictionary });
        assert.deepEqual(run(wasm, input, cuts), expected);
        assert.equal(wasm.feed(good, logSink()), status, "sticky");
        const r = new ref.ReferencePomeloDecoder({ maxBody: 255, dictionary });
        assert.deepEqual(run(r, input, cuts), expected);
      }
    });
  }

  test("gzip and error bits are reported, not rejected", () => {
    const input = data([0x04 | 0x30, 0x01, 0x78]);
    assert.deepEqual(decodeAll(input), {
      log: [`M2 id=1 r= f=${0x34} ${digest(bytes("x"))}`],
      status: 0,
    });
  });

  test("a compressed route without a dictionary is unknown", () => {
    assert.equal(decodeAll(data([0x07, 0x00, 0x01])).status, CodecStatus.UNKNOWN_ROUTE);
  });
});

describe("codec/pomelo route dictionary", () => {
  test("builds from a record or a list and rejects bad entries", () => {
    const codec = new Codec();
    const before = codec.arena.largestFree();
    const a = new RouteDictionary({ "x.y": 0, "é": 65535 }, { codec });
    assert.equal(a.codeOf("é"), 65535);
    assert.equal(a.routeOf(0), "x.y");
    assert.deepEqual(a.toJSON(), { "x.y": 0, "é": 65535 });
    const b = new RouteDictionary(["p", "q"], { codec });
    assert.equal(b.codeOf("q"), 2);
    assert.equal(b.routeOf(3), undefined);
    a.dispose();
    b.dispose();
    b.dispose();
    assert.equal(codec.arena.largestFree(), before);
    const einval = (e: unknown) => e instanceof WeftError && e.code === "EINVAL";
    assert.throws(() => new RouteDictionary(["a", "a"], { codec }), einval);
    assert.throws(() => new RouteDictionary({ a: 1, b: 1 }, { codec }), einval);
    assert.throws(() => new RouteDictionary({ a: 65536 }, { codec }), einval);
    assert.throws(() => new RouteDictionary({ a: 1.5 }, { codec }), einval);
    assert.throws(() => new RouteDictionary(["x".repeat(256)], { codec }), einval);
    assert.equal(codec.arena.largestFree(), before);
  });

  test("uncompressed routes that the dictionary holds resolve through it", () => {
    const dictionary = new RouteDictionary(["Room.Join"]);
    const wire = ref.encodeMessages([{ type: 1, route: "Room.Join", body: bytes("") }]);
    assert.deepEqual(decodeAll(wire, { dictionary }).log, ["M1 id=0 r=Room.Join f=2 0#811c9dc5"]);
    dictionary.dispose();
  });

  test("a dictionary of another codec is refused", () => {
    const dictionary = new RouteDictionary(["a"], { codec: new Codec() });
    const einval = (e: unknown) => e instanceof WeftError && e.code === "EINVAL";
    assert.throws(() => new PomeloDecoder({ dictionary, codec: new Codec() }), einval);
    assert.throws(() => new PomeloEncoder({ dictionary, codec: new Codec() }), einval);
    dictionary.dispose();
  });
});

describe("codec/pomelo encoder", () => {
  const einval = (e: unknown) => e instanceof WeftError && e.code === "EINVAL";
  test("rejects bad messages with EINVAL", () => {
    const enc = new PomeloEncoder();
    const body = new Uint8Array(0);
    const bad: PomeloMessageInit[] = [
      { type: 4 as MessageType, route: "a", body },
      { type: 0, route: "a", body },
      { type: 0, id: -1, route: "a", body },
      { type: 2, id: 2 ** 35, body },
      { type: 2, id: 1.5, body },
      { type: 1, body },
      { type: 1, route: "r".repeat(256), body },
      { type: 1, route: "a", body, flags: 1 },
    ];
    for (const m of bad) {
      assert.throws(() => enc.encodeMessage(m), einval);
      assert.throws(() => enc.encodeMessages([m]), einval);
    }
    assert.throws(() => encodePacket(0 as PacketType, body), einval);
    assert.throws(
      () => enc.encodeMessage({ type: 1, route: "a", body: new Uint8Array(2 ** 24) }),
      (e) => e instanceof WeftError && e.code === "EMSGSIZE",
    );
  });
});

// Random messages over a small route vocabulary, some in the dictionary.
const ROUTES = ["Room.Join", "Room.Leave", "chat.say", "onChat", "é.ü", "", "x".repeat(255)];
function randomMessage(rand: () => number, maxBodyLen: number): PomeloMessageInit {
  const type = Math.floor(rand() * 4) as MessageType;
  const r = rand();
  const len = r < 0.1 ? 0 : r < 0.95 ? Math.floor(rand() * 64) : Math.floor(rand() * maxBodyLen);
  const body = new Uint8Array(len);
  for (let i = 0; i < len; i++) body[i] = Math.floor(rand() * 256);
  const idPick = rand();
  const id = idPick < 0.5
    ? Math.floor(rand() * 1000)
    : idPick < 0.9
    ? Math.floor(rand() * 2 ** 31)
    : Math.floor(rand() * 2 ** 35);
  const flags = rand() < 0.1 ? MessageFlag.GZIP : rand() < 0.1 ? MessageFlag.ERROR : 0;
  const route = rand() < 0.1
    ? `dyn.${Math.floor(rand() * 500)}`
    : ROUTES[Math.floor(rand() * ROUTES.length)]!;
  return { type, id, route, body, flags };
}

describe("codec/pomelo differential (wasm vs reference)", () => {
  test("random packet streams with random splits down to 1-byte feeds", () => {
    const dictionary = new RouteDictionary(["Room.Join", "onChat", "é.ü"]);
    for (let seed = 1; seed <= 60; seed++) {
      const rand = prng(seed);
      const parts: Uint8Array[] = [];
      const count = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < count; i++) {
        const pick = rand();
        if (pick < 0.15) {
          const type = (1 + Math.floor(rand() * 5)) as PacketType;
          const body = new Uint8Array(Math.floor(rand() * 40)).map(() => rand() * 256);
          parts.push(ref.encodePacket(type === 4 ? 1 : type, body));
        } else {
          const m = randomMessage(rand, seed % 5 === 0 ? 150_000 : 3000);
          parts.push(ref.encodeMessages([m], rand() < 0.5 ? dictionary : undefined));
        }
      }
      if (seed % 7 === 0) parts.push(new Uint8Array([4, 0, 0, 2, 0x0e, 0])); // bad type
      if (seed % 11 === 0) parts.push(new Uint8Array([4, 0, 0, 3, 0x03, 0xff, 0xff])); // unknown
      const input = concat(...parts);
      const options = { maxBody: 1 << 20, dictionary };
      const expected = run(new ref.ReferencePomeloDecoder(options), input, []);
      for (let mode = 0; mode < 4; mode++) {
        if (mode === 1 && input.length > 20_000) continue;
        const cuts = randomCuts(rand, input.length, mode);
        const got = run(new PomeloDecoder(options), input, cuts);
        assert.deepEqual(got, expected, `seed ${seed} mode ${mode}`);
        if (mode !== 3) continue; // the reference copies its buffer per feed: keep it short
        const again = run(new ref.ReferencePomeloDecoder(options), input, cuts);
        assert.deepEqual(again, expected, `reference, seed ${seed} mode ${mode}`);
      }
    }
    dictionary.dispose();
  });

  test("batch and single encoders match the reference", () => {
    const dictionary = new RouteDictionary({ "Room.Join": 1, onChat: 300, "é.ü": 0 });
    for (let seed = 1; seed <= 30; seed++) {
      const rand = prng(seed * 7919);
      const dict = rand() < 0.5 ? dictionary : undefined;
      const enc = new PomeloEncoder(dict ? { dictionary: dict } : {});
      const count = seed === 3 ? 2500 : 1 + Math.floor(rand() * 100);
      const messages: PomeloMessageInit[] = [];
      for (let i = 0; i < count; i++) {
        messages.push(randomMessage(rand, seed % 4 === 0 ? 100_000 : 9000));
      }
      const expected = ref.encodeMessages(messages, dict);
      assert.deepEqual(enc.encodeMessages(messages), expected, `batch, seed ${seed}`);
      assert.deepEqual(
        concat(...messages.map((m) => enc.encodeMessage(m))),
        expected,
        `single, seed ${seed}`,
      );
    }
    assert.deepEqual([...new PomeloEncoder().encodeMessages([])], []);
    dictionary.dispose();
  });

  test("a sink may feed another decoder on the same codec", () => {
    const codec = new Codec();
    const inner = new PomeloDecoder({ codec });
    const innerLog = logSink();
    const msgs = Array.from(
      { length: 50 },
      (_, i) => ({ type: 1 as const, route: `r${i % 3}`, body: bytes(`${i}`) }),
    );
    const wire = ref.encodeMessages(msgs);
    const outer = logSink();
    const sink: PomeloSink = {
      packet: outer.packet,
      message: (m) => {
        outer.message(m);
        inner.feed(wire, innerLog);
      },
    };
    assert.equal(new PomeloDecoder({ codec }).feed(wire, sink), 0);
    const expected = run(new ref.ReferencePomeloDecoder(), wire, []).log;
    assert.deepEqual(outer.log, expected);
    assert.equal(innerLog.log.length, 50 * 50);
  });

  test("maxBody outside 0..2^24-1 is refused", () => {
    const einval = (e: unknown) => e instanceof WeftError && e.code === "EINVAL";
    assert.throws(() => new PomeloDecoder({ maxBody: 2 ** 24 }), einval);
    assert.throws(() => new PomeloDecoder({ maxBody: -1 }), einval);
  });
});
