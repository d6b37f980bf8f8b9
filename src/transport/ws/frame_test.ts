import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeHeader, FrameDecoder, type FrameEvents } from "./frame.ts";

type Event = [string, ...unknown[]];

function decoder(expectMasked: boolean, maxMessageSize = 1 << 20) {
  const events: Event[] = [];
  const handler: FrameEvents = {
    message: (p, text) => events.push(["message", p.slice(), text]),
    ping: (p) => events.push(["ping", new TextDecoder().decode(p)]),
    pong: (p) => events.push(["pong", new TextDecoder().decode(p)]),
    close: (code, reason) => events.push(["close", code, reason]),
    error: (code, message) => events.push(["error", code, message]),
  };
  return { events, d: new FrameDecoder(handler, { expectMasked, maxMessageSize }) };
}

/** A frame built independently of the encoder under test. */
function frame(
  opcode: number,
  payload: Uint8Array,
  opts: { fin?: boolean; mask?: number[]; rsv?: number } = {},
): Uint8Array {
  const n = payload.length;
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv ?? 0) | opcode];
  const m = opts.mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  const body = payload.slice();
  if (opts.mask) {
    head.push(...opts.mask);
    for (let i = 0; i < n; i++) body[i] = body[i]! ^ opts.mask[i % 4]!;
  }
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
const MASK = [0x12, 0x34, 0x56, 0x78];

describe("ws frame decoder", () => {
  test("7-, 16- and 64-bit lengths, fed whole and byte by byte", () => {
    for (const n of [0, 1, 125, 126, 65535, 65536, 200_000]) {
      for (const byByte of [false, true]) {
        if (byByte && n > 70_000) continue;
        const { events, d } = decoder(true);
        const wire = frame(2, bytes(n), { mask: MASK });
        if (byByte) { for (let i = 0; i < wire.length; i++) d.feed(wire.slice(i, i + 1)); }
        else d.feed(wire);
        assert.equal(events.length, 1, `n=${n}`);
        assert.equal(events[0]![0], "message");
        assert.deepEqual(events[0]![1], bytes(n), `payload n=${n}`);
      }
    }
  });

  test("encodeHeader picks the length form the decoder reads", () => {
    for (const n of [5, 300, 70_000]) {
      const { events, d } = decoder(false);
      const h = encodeHeader(true, 2, n);
      const wire = new Uint8Array(h.length + n);
      wire.set(h);
      wire.set(bytes(n), h.length);
      d.feed(wire);
      assert.deepEqual(events[0]?.[1], bytes(n));
    }
  });

  test("fragments join, with a ping in the middle; text is flagged", () => {
    const { events, d } = decoder(true);
    d.feed(frame(1, new TextEncoder().encode("hé"), { fin: false, mask: MASK }));
    d.feed(frame(9, new TextEncoder().encode("p"), { mask: MASK }));
    d.feed(frame(0, new TextEncoder().encode("llo"), { mask: MASK }));
    assert.deepEqual(events.map((e) => e[0]), ["ping", "message"]);
    assert.equal(new TextDecoder().decode(events[1]![1] as Uint8Array), "héllo");
    assert.equal(events[1]![2], true);
  });

  const violations: [string, boolean, Uint8Array, number][] = [
    ["unmasked client frame", true, frame(2, bytes(3)), 1002],
    ["masked server frame", false, frame(2, bytes(3), { mask: MASK }), 1002],
    ["reserved bit 1", true, frame(2, bytes(3), { mask: MASK, rsv: 0x40 }), 1002],
    ["reserved bit 3", true, frame(2, bytes(3), { mask: MASK, rsv: 0x10 }), 1002],
    ["unknown opcode 3", true, frame(3, bytes(3), { mask: MASK }), 1002],
    ["unknown opcode 0xb", true, frame(0xb, bytes(3), { mask: MASK }), 1002],
    ["fragmented ping", true, frame(9, bytes(3), { mask: MASK, fin: false }), 1002],
    ["126-byte ping", true, frame(9, bytes(126), { mask: MASK }), 1002],
    ["continuation first", true, frame(0, bytes(3), { mask: MASK }), 1002],
    ["invalid UTF-8 text", true, frame(1, new Uint8Array([0xff, 0xfe]), { mask: MASK }), 1007],
    ["1-byte close body", true, frame(8, new Uint8Array([3]), { mask: MASK }), 1002],
    [
      "close code 1005 on the wire",
      true,
      frame(8, new Uint8Array([3, 0xed]), { mask: MASK }),
      1002,
    ],
    ["over the size limit", true, frame(2, bytes(1025), { mask: MASK }), 1009],
  ];
  for (const [name, masked, wire, code] of violations) {
    test(`violation: ${name} → ${code}`, () => {
      const { events, d } = decoder(masked, 1024);
      d.feed(wire);
      assert.equal(events.length, 1, JSON.stringify(events));
      assert.equal(events[0]![0], "error");
      assert.equal(events[0]![1], code);
      assert.equal(d.failed, true);
      d.feed(frame(2, bytes(3), { mask: MASK })); // nothing after a failure
      assert.equal(events.length, 1);
    });
  }

  test("oversize is caught across fragments, before the payload arrives", () => {
    const { events, d } = decoder(true, 1000);
    d.feed(frame(2, bytes(600), { mask: MASK, fin: false }));
    const second = frame(0, bytes(600), { mask: MASK });
    d.feed(second.subarray(0, 8)); // header only
    assert.deepEqual(events.map((e) => [e[0], e[1]]), [["error", 1009]]);
  });

  test("64-bit lengths are reported exactly (2^62 is 4611686018427387904, not ...388000)", () => {
    const { events, d } = decoder(false);
    d.feed(new Uint8Array([0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(events, [[
      "error",
      1009,
      `a message of at least 4611686018427387904 bytes, over the limit of ${1 << 20}`,
    ]]);
    // Fragments summed exactly too: 600 already held + (2^62 + 7).
    const f = decoder(false, 1000);
    f.d.feed(frame(2, bytes(600), { fin: false }));
    f.d.feed(new Uint8Array([0x80, 127, 0x40, 0, 0, 0, 0, 0, 0, 7]));
    assert.equal(
      f.events[0]![2],
      "a message of at least 4611686018427388511 bytes, over the limit of 1000",
    );
  });

  test("a 64-bit length with the high bit set is refused", () => {
    const { events, d } = decoder(false);
    d.feed(new Uint8Array([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]));
    assert.deepEqual(events.map((e) => [e[0], e[1]]), [["error", 1002]]);
  });

  test("close frames: code and reason, empty body means 1005", () => {
    const a = decoder(true);
    a.d.feed(frame(8, new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]), { mask: MASK }));
    assert.deepEqual(a.events, [["close", 1000, "bye"]]);
    const b = decoder(false);
    b.d.feed(frame(8, new Uint8Array(0)));
    assert.deepEqual(b.events, [["close", 1005, ""]]);
  });
});

describe("ws masking", () => {
  test("applyMask matches a byte loop at every alignment, offset and split", async () => {
    const { applyMask } = await import("./frame.ts");
    const mask = new Uint8Array([0x9a, 0x3c, 0x51, 0xe7]);
    const buffer = new Uint8Array(300);
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 7 + 3) & 255;
    for (const start of [0, 1, 2, 3, 5]) {
      for (const len of [0, 3, 17, 64, 257]) {
        for (const split of [0, 1, 6, 33]) {
          const data = buffer.slice(0, start + len + 4).subarray(start, start + len);
          const want = data.map((b, i) => b ^ mask[i % 4]!);
          const cut = Math.min(split, len);
          const m = applyMask(data.subarray(0, cut), mask, 0);
          applyMask(data.subarray(cut), mask, m);
          assert.deepEqual(data, want, `start ${start} len ${len} split ${split}`);
        }
      }
    }
  });

  test("unmask (numeric key) matches a byte loop at every alignment, offset and split", async () => {
    const { unmask } = await import("./frame.ts");
    const mask = [0x9a, 0x3c, 0x51, 0xe7];
    const key = 0x9a3c51e7;
    const buffer = new Uint8Array(300);
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 7 + 3) & 255;
    for (const start of [0, 1, 2, 3, 5]) {
      for (const len of [0, 3, 17, 64, 257]) {
        for (const split of [0, 1, 6, 33]) {
          const data = buffer.slice(0, start + len + 4).subarray(start, start + len);
          const want = data.map((b, i) => b ^ mask[i % 4]!);
          const cut = Math.min(split, len);
          const m = unmask(data.subarray(0, cut), key, 0);
          unmask(data.subarray(cut), key, m);
          assert.deepEqual(data, want, `start ${start} len ${len} split ${split}`);
        }
      }
    }
  });

  test("unmask with the all-zero key leaves the bytes and advances the position alike", async () => {
    const { unmask } = await import("./frame.ts");
    for (const len of [0, 1, 3, 17, 130, 257]) {
      for (const offset of [0, 1, 2, 3]) {
        const data = bytes(len, offset);
        assert.equal(unmask(data, 0, offset), unmask(bytes(len), 0x01020304, offset));
        assert.deepEqual(data, bytes(len, offset), `len ${len} offset ${offset}`);
      }
    }
  });

  test("several masked frames per chunk and frames cut at every byte give the same messages", () => {
    const sizes = [0, 5, 125, 126, 300, 70_000];
    const wire: Uint8Array[] = sizes.map((n, i) =>
      frame(2, bytes(n, i), { mask: [i + 1, 0x80, 0x7f, 0xff] })
    );
    const all = new Uint8Array(wire.reduce((a, w) => a + w.length, 0));
    let at = 0;
    for (const w of wire) {
      all.set(w, at);
      at += w.length;
    }
    for (const cut of [1, 2, 3, 7, 131, all.length]) {
      const { events, d } = decoder(true);
      for (let i = 0; i < all.length; i += cut) d.feed(all.slice(i, i + cut));
      assert.deepEqual(
        events.map((e) => e[1]),
        sizes.map((n, i) => bytes(n, i)),
        `cut every ${cut}`,
      );
    }
  });
});
