import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Codec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";
import { ByteRing } from "./ring.ts";
import { SpFrameDecoder, SpFrameEncoder } from "./sp.ts";
import { ReferenceSpFrameDecoder, ReferenceSpFrameEncoder } from "./_reference/sp.ts";
import { prng, splits } from "../../tests/_helpers.ts";

const codec = new Codec();

const BOUNDARY = [0, 1, 254, 255, 256, 65535, 65536];

function randomPayloads(rnd: () => number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const size = r < 0.2
      ? BOUNDARY[Math.floor(rnd() * BOUNDARY.length)]!
      : r < 0.8
      ? Math.floor(rnd() * 40)
      : Math.floor(rnd() * 3000);
    const p = new Uint8Array(size);
    for (let k = 0; k < size; k += 5) p[k] = Math.floor(rnd() * 256);
    out.push(p);
  }
  return out;
}

/** Wire bytes built by hand (not by the code under test). */
function wire(payloads: Uint8Array[], ipc: boolean): Uint8Array {
  const hdr = ipc ? 9 : 8;
  const out = new Uint8Array(payloads.reduce((n, p) => n + hdr + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of payloads) {
    if (ipc) out[at] = 1;
    view.setUint32(at + hdr - 4, p.length);
    out.set(p, at + hdr);
    at += hdr + p.length;
  }
  return out;
}

interface Run {
  payloads: Uint8Array[];
  statuses: number[];
  pending: number[];
}

function run(
  dec: { feed(c: Uint8Array, f: (payload: Uint8Array) => void): number; pending: number },
  chunks: Uint8Array[],
): Run {
  const out: Run = { payloads: [], statuses: [], pending: [] };
  for (const chunk of chunks) {
    out.statuses.push(dec.feed(chunk, (p) => out.payloads.push(p.slice())));
    out.pending.push(dec.pending);
  }
  return out;
}

function both(chunks: Uint8Array[], ipc: boolean, maxBody?: number): Run {
  const opts = maxBody === undefined ? { ipc } : { ipc, maxBody };
  const a = run(new SpFrameDecoder({ ...opts, codec }), chunks);
  assert.deepEqual(a, run(new ReferenceSpFrameDecoder(opts), chunks));
  return a;
}

for (const ipc of [false, true]) {
  const kind = ipc ? "ipc" : "tcp";
  describe(`codec/sp ${kind} decoder`, () => {
    test("differential: random messages, random splits down to 1-byte feeds", () => {
      for (let seed = 1; seed <= 40; seed++) {
        const rnd = prng(seed);
        const payloads = randomPayloads(rnd, 1 + Math.floor(rnd() * 30));
        const got = both(
          splits(rnd, wire(payloads, ipc), [1, 4, 17, 700, 9000, 300000][seed % 6]!),
          ipc,
        );
        assert.deepEqual(got.payloads, payloads, `seed ${seed}`);
        assert.ok(got.statuses.every((s) => s === 0));
        assert.equal(got.pending.at(-1), 0);
      }
    });

    test("after a large message (lone headers read in TS): same messages and statuses", () => {
      const big = (n: number) => new Uint8Array(n).fill(n & 255);
      const one = (n: number) => wire([big(n)], ipc);
      const pair = wire([big(8000), big(8000)], ipc);
      const chunks = [
        one(20000), // window drops to its minimum
        one(5000), // lone, whole
        one(70000),
        wire([big(9000), big(3), big(300), big(0)], ipc), // lone, then small ones in wasm
        one(30000),
        pair.subarray(0, 12000), // lone, then a payload past the chunk
        pair.subarray(12000),
        one(4096),
        one(6000).subarray(0, 5), // a split header
        one(6000).subarray(5),
      ];
      const got = both(chunks.map((c) => c.slice()), ipc);
      assert.equal(got.payloads.length, 12);
      assert.ok(got.statuses.every((s) => s === 0));
      assert.equal(got.pending.at(-1), 0);
      const bad = (tail: Uint8Array, maxBody?: number) => {
        const r = both([one(20000), one(5000), tail], ipc, maxBody);
        assert.equal(r.payloads.length, 2);
        return r.statuses.at(-1);
      };
      const huge = new Uint8Array(ipc ? 9 : 8);
      if (ipc) huge[0] = 1;
      huge[huge.length - 5] = 1; // 2^32
      assert.equal(bad(huge), CodecStatus.TOO_LARGE);
      assert.equal(bad(one(30000), 25000), CodecStatus.TOO_LARGE);
      // The exact claim is kept for the error message, whole or split over chunks.
      const claim = new Uint8Array(ipc ? 9 : 8);
      if (ipc) claim[0] = 1;
      new DataView(claim.buffer).setBigUint64(ipc ? 1 : 0, (1n << 62n) + 3n);
      for (const cut of [0, 3, claim.length - 1]) {
        const dec = new SpFrameDecoder({ ipc, codec });
        dec.feed(one(20000), () => {});
        if (cut > 0) assert.equal(dec.feed(claim.slice(0, cut), () => {}), 0);
        assert.equal(dec.feed(claim.slice(cut), () => {}), CodecStatus.TOO_LARGE);
        assert.equal(dec.refusedLength, (1n << 62n) + 3n);
      }
      if (ipc) assert.equal(bad(new Uint8Array([2, 0, 0])), CodecStatus.BAD_TYPE);
    });

    test("differential: corrupted streams give the same messages, then the same status", () => {
      let errors = 0;
      for (let seed = 100; seed < 180; seed++) {
        const rnd = prng(seed);
        const payloads = randomPayloads(rnd, 15);
        const bytes = wire(payloads, ipc);
        // Hit a random header byte of a random message (payload bytes cannot be wrong).
        const starts: number[] = [];
        for (let at = 0, i = 0; i < payloads.length; at += (ipc ? 9 : 8) + payloads[i++]!.length) {
          starts.push(at);
        }
        const at = starts[Math.floor(rnd() * starts.length)]! + Math.floor(rnd() * (ipc ? 9 : 8));
        bytes[at] = Math.floor(rnd() * 256);
        const got = both(splits(rnd, bytes, [1, 60, 5000][seed % 3]!), ipc, 70000);
        if (got.statuses.some((s) => s < 0)) errors++;
      }
      assert.ok(errors > 10, `only ${errors} corrupted streams failed`);
    });

    test("boundary sizes, one chunk and byte by byte", () => {
      for (const size of [...BOUNDARY, 300000]) {
        const payloads = [new Uint8Array(size).fill(size & 255)];
        const bytes = wire(payloads, ipc);
        assert.deepEqual(both([bytes], ipc).payloads, payloads);
        if (size <= 65536) {
          assert.deepEqual(both(splits(prng(size), bytes, 1), ipc).payloads, payloads);
        }
      }
    });

    test("lengths of 2^32 and more, or above maxBody, give TOO_LARGE", () => {
      const head = (hi: number, lo: number) => {
        const b = new Uint8Array(ipc ? 9 : 8);
        if (ipc) b[0] = 1;
        const v = new DataView(b.buffer);
        v.setUint32(b.length - 8, hi);
        v.setUint32(b.length - 4, lo);
        return b;
      };
      assert.deepEqual(both([head(1, 0)], ipc).statuses, [CodecStatus.TOO_LARGE]);
      assert.deepEqual(both([head(0xffffffff, 0xffffffff)], ipc).statuses, [CodecStatus.TOO_LARGE]);
      assert.deepEqual(both([head(0, 1025)], ipc, 1024).statuses, [CodecStatus.TOO_LARGE]);
      assert.deepEqual(both([head(0, 1024)], ipc, 1024).statuses, [0]);
    });

    test("truncated messages: nothing delivered, bytes pending", () => {
      const bytes = wire([new Uint8Array(10)], ipc);
      for (const cut of [1, 5, bytes.length - 1]) {
        const got = both([bytes.subarray(0, cut)], ipc);
        assert.deepEqual(got.payloads, []);
        assert.deepEqual(got.statuses, [0]);
        assert.ok(got.pending[0]! > 0);
      }
    });

    test("a 10 MiB message fed in 64 KiB chunks arrives once, intact", () => {
      const size = 10 * 1024 * 1024;
      const payload = new Uint8Array(size);
      for (let i = 0; i < size; i += 4096) payload[i] = i >>> 12;
      const bytes = wire([payload, new Uint8Array([9])], ipc);
      const dec = new SpFrameDecoder({ ipc, codec });
      const got: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += 65536) {
        assert.equal(dec.feed(bytes.subarray(at, at + 65536), (p) => got.push(p)), 0);
      }
      assert.equal(got.length, 2);
      assert.equal(got[0]!.buffer.byteLength, size);
      assert.deepEqual(got[0], payload);
    });
  });
}

describe("codec/sp ipc type byte", () => {
  test("a type byte other than 1 gives BAD_TYPE, after the good messages", () => {
    for (const type of [0, 2, 0x80, 0xff]) {
      const bytes = wire([new Uint8Array([5])], true);
      const bad = new Uint8Array([...bytes, type, 0, 0]);
      const got = both([bad], true);
      assert.deepEqual(got.payloads, [new Uint8Array([5])]);
      assert.deepEqual(got.statuses, [CodecStatus.BAD_TYPE]);
      // Refused as soon as the type byte arrives.
      assert.deepEqual(both([bytes, new Uint8Array([type])], true).statuses, [
        0,
        CodecStatus.BAD_TYPE,
      ]);
    }
  });
});

describe("codec/sp encoder", () => {
  const collect = (enc: { flush(s: (b: Uint8Array) => void): number }) => {
    const writes: Uint8Array[] = [];
    const total = enc.flush((b) => writes.push(b));
    return { total, writes };
  };

  for (const ipc of [false, true]) {
    test(`${ipc ? "ipc" : "tcp"}: round trips with protocol headers, same writes as the reference`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const rnd = prng(seed);
        const bodies = randomPayloads(rnd, 1 + Math.floor(rnd() * 50));
        const bufferSize = [64, 300, 4096, 70000, 256 * 1024][seed % 5]!;
        const enc = new SpFrameEncoder({ ipc, codec, bufferSize });
        const ref = new ReferenceSpFrameEncoder({ ipc, bufferSize });
        const expected: Uint8Array[] = [];
        const text = new TextDecoder();
        for (const body of bodies) {
          const header = rnd() < 0.5 ? new Uint8Array([0x80, 0, 0, seed]) : undefined;
          const asString = rnd() < 0.3 && body.every((b) => b < 128);
          const b = asString ? text.decode(body) : body;
          enc.add(b, header);
          ref.add(b, header);
          expected.push(header ? new Uint8Array([...header, ...body]) : body);
        }
        const a = collect(enc);
        assert.deepEqual(a, collect(ref), `seed ${seed}`);
        const got: Uint8Array[] = [];
        const dec = new SpFrameDecoder({ ipc, codec });
        for (const w of a.writes) assert.equal(dec.feed(w, (p) => got.push(p.slice())), 0);
        assert.deepEqual(got, expected);
      }
    });
  }

  test("split bursts; an oversize body goes out uncopied after length + protocol header", () => {
    const enc = new SpFrameEncoder({ ipc: false, codec, bufferSize: 512 });
    const big = new Uint8Array(2000);
    for (let i = 0; i < 50; i++) enc.add(new Uint8Array(16));
    enc.add(big, new Uint8Array([0x80, 0, 0, 7]));
    const writes: Uint8Array[] = [];
    assert.equal(enc.flush((b) => writes.push(b)), 50 * 24 + 8 + 4 + 2000);
    assert.equal(writes.at(-1), big);
    assert.deepEqual([...writes.at(-2)!], [0, 0, 0, 0, 0, 0, 0x07, 0xd4, 0x80, 0, 0, 7]);
    assert.ok(writes.slice(0, -1).every((w) => w.length <= 512));
  });

  test("flush into a ByteRing", () => {
    const ring = new ByteRing({ codec });
    const enc = new SpFrameEncoder({ ipc: true, codec });
    enc.add("a");
    enc.add(new Uint8Array([2]), new Uint8Array([1]));
    enc.flush(ring);
    assert.deepEqual([...ring.read()], [
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      97,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      2,
      1,
      2,
    ]);
  });
});
