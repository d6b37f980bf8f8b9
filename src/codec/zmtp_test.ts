import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Codec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";
import { ByteRing } from "./ring.ts";
import { ZmtpFlag, ZmtpFrameDecoder, ZmtpFrameEncoder } from "./zmtp.ts";
import { ReferenceZmtpFrameDecoder, ReferenceZmtpFrameEncoder } from "./_reference/zmtp.ts";
import { prng, splits } from "../../tests/_helpers.ts";

const codec = new Codec();

interface Frame {
  flags: number;
  body: Uint8Array;
}

const BOUNDARY = [0, 1, 254, 255, 256, 65535, 65536];

function randomFrames(rnd: () => number, count: number): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const size = r < 0.2
      ? BOUNDARY[Math.floor(rnd() * BOUNDARY.length)]!
      : r < 0.8
      ? Math.floor(rnd() * 40)
      : Math.floor(rnd() * 2000);
    const body = new Uint8Array(size);
    for (let k = 0; k < size; k += 7) body[k] = Math.floor(rnd() * 256);
    frames.push({ flags: [0, ZmtpFlag.MORE, ZmtpFlag.COMMAND][Math.floor(rnd() * 3)]!, body });
  }
  return frames;
}

/** Wire bytes for frames, built by hand (not by the code under test). */
function wire(frames: Frame[], longForm = false): Uint8Array {
  let size = 0;
  for (const { body } of frames) size += (body.length <= 255 && !longForm ? 2 : 9) + body.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { flags, body } of frames) {
    if (body.length <= 255 && !longForm) {
      out[at++] = flags;
      out[at++] = body.length;
    } else {
      out[at] = flags | 2;
      view.setUint32(at + 5, body.length);
      at += 9;
    }
    out.set(body, at);
    at += body.length;
  }
  return out;
}

interface Run {
  frames: Frame[];
  statuses: number[];
  pending: number[];
}

function run(
  dec: {
    feed(c: Uint8Array, f: (flags: number, body: Uint8Array) => void): number;
    pending: number;
  },
  chunks: Uint8Array[],
): Run {
  const out: Run = { frames: [], statuses: [], pending: [] };
  for (const chunk of chunks) {
    out.statuses.push(
      dec.feed(chunk, (flags, body) => out.frames.push({ flags, body: body.slice() })),
    );
    out.pending.push(dec.pending);
  }
  return out;
}

function both(chunks: Uint8Array[], maxBody?: number): Run {
  const opts = maxBody === undefined ? {} : { maxBody };
  const a = run(new ZmtpFrameDecoder({ ...opts, codec }), chunks);
  const b = run(new ReferenceZmtpFrameDecoder(opts), chunks);
  assert.deepEqual(a, b);
  return a;
}

describe("codec/zmtp decoder", () => {
  test("differential: random frames, random splits down to 1-byte feeds", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = prng(seed);
      const frames = randomFrames(rnd, 1 + Math.floor(rnd() * 40));
      const bytes = wire(frames, seed % 5 === 0);
      const maxChunk = [1, 3, 10, 300, 5000, 200000][seed % 6]!;
      const got = both(splits(rnd, bytes, maxChunk));
      assert.deepEqual(got.frames, frames, `seed ${seed}`);
      assert.ok(got.statuses.every((s) => s === 0));
      assert.equal(got.pending.at(-1), 0);
    }
  });

  test("differential: corrupted streams give the same frames, then the same status", () => {
    let errors = 0;
    for (let seed = 100; seed < 200; seed++) {
      const rnd = prng(seed);
      const bytes = wire(randomFrames(rnd, 20));
      for (let k = 0; k < 3; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const maxBody = rnd() < 0.5 ? 1000 : 100000;
      const got = both(splits(rnd, bytes, [1, 50, 4000][seed % 3]!), maxBody);
      if (got.statuses.some((s) => s < 0)) errors++;
    }
    assert.ok(errors > 10, `only ${errors} corrupted streams failed`);
  });

  test("after a large frame (lone headers read in TS): same frames and statuses", () => {
    const big = (n: number, flags = 0) => ({ flags, body: new Uint8Array(n).fill(n & 255) });
    const small = (n: number) => ({ flags: ZmtpFlag.MORE, body: new Uint8Array(n).fill(7) });
    const one = (f: Frame) => wire([f]);
    const good = [
      one(big(20000)), // window drops to its minimum
      one(big(5000, ZmtpFlag.MORE)), // lone, whole
      one(big(70000, ZmtpFlag.COMMAND)), // lone, whole
      wire([big(9000), small(3), small(300), small(0)]), // lone, then small ones in wasm
      one(big(30000)),
      wire([big(8000), big(8000)]).subarray(0, 12000), // lone, then a body past the chunk
      wire([big(8000), big(8000)]).subarray(12000),
      one(big(4096)),
      wire([small(1)]).subarray(0, 1), // a split short header
      wire([small(1)]).subarray(1),
      one(big(6000)),
      one(big(6000)).subarray(0, 5), // a split long header
      one(big(6000)).subarray(5),
    ];
    const got = both(good.map((c) => c.slice()));
    assert.equal(got.frames.length, 14);
    assert.ok(got.statuses.every((s) => s === 0));
    assert.equal(got.pending.at(-1), 0);
    const bad = (tail: Uint8Array, maxBody?: number) => {
      const r = both([one(big(20000)), one(big(5000)), tail], maxBody);
      assert.equal(r.frames.length, 2);
      return r.statuses.at(-1);
    };
    assert.equal(bad(new Uint8Array([0x08, 0])), CodecStatus.BAD_FLAGS);
    assert.equal(bad(new Uint8Array([0x05, 0])), CodecStatus.BAD_FLAGS);
    assert.equal(bad(new Uint8Array([0x02, 0, 0, 0, 1, 0, 0, 0, 0])), CodecStatus.TOO_LARGE);
    assert.equal(bad(one(big(30000)), 25000), CodecStatus.TOO_LARGE);
  });

  test("boundary sizes in short and long form, one chunk and byte by byte", () => {
    for (const size of [...BOUNDARY, 300000]) {
      const frames = [{ flags: 0, body: new Uint8Array(size).fill(size & 255) }];
      for (const longForm of [false, true]) {
        const bytes = wire(frames, longForm);
        assert.deepEqual(both([bytes]).frames, frames);
        if (size <= 65536) assert.deepEqual(both(splits(prng(size), bytes, 1)).frames, frames);
      }
    }
  });

  test("bodies inside the chunk are views of it; split bodies are exact-size buffers", () => {
    const bytes = wire([{ flags: 0, body: new Uint8Array(100) }, {
      flags: 1,
      body: new Uint8Array(1000),
    }]);
    const dec = new ZmtpFrameDecoder({ codec });
    const bodies: Uint8Array[] = [];
    dec.feed(bytes.subarray(0, 500), (_f, b) => bodies.push(b));
    dec.feed(bytes.subarray(500), (_f, b) => bodies.push(b));
    assert.equal(bodies[0]!.buffer, bytes.buffer);
    assert.notEqual(bodies[1]!.buffer, bytes.buffer);
    assert.equal(bodies[1]!.buffer.byteLength, 1000);
  });

  test("bodies of 32 B or less: own copies on Bun (cheaper there than a view), views on V8", () => {
    const small = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const bytes = wire([{ flags: 0, body: small }, { flags: 0, body: new Uint8Array(33) }]);
    const dec = new ZmtpFrameDecoder({ codec });
    const bodies: Uint8Array[] = [];
    dec.feed(bytes, (_f, b) => bodies.push(b));
    assert.deepEqual(bodies[0], small);
    assert.equal(bodies[1]!.buffer, bytes.buffer);
    if ("Bun" in globalThis) {
      assert.notEqual(bodies[0]!.buffer, bytes.buffer);
      assert.equal(bodies[0]!.buffer.byteLength, 32);
    } else assert.equal(bodies[0]!.buffer, bytes.buffer);
  });

  test("64-bit lengths: above 2^32 or above maxBody give TOO_LARGE", () => {
    const long = (hi: number, lo: number) =>
      new Uint8Array([
        2,
        hi >>> 24,
        (hi >>> 16) & 255,
        (hi >>> 8) & 255,
        hi & 255,
        lo >>> 24,
        (lo >>> 16) & 255,
        (lo >>> 8) & 255,
        lo & 255,
      ]);
    assert.deepEqual(both([long(1, 0)]).statuses, [CodecStatus.TOO_LARGE]);
    assert.deepEqual(both([long(0x80000000, 5)]).statuses, [CodecStatus.TOO_LARGE]);
    assert.deepEqual(both([long(0, 1001)], 1000).statuses, [CodecStatus.TOO_LARGE]);
    assert.deepEqual(both([new Uint8Array([0, 200])], 100).statuses, [CodecStatus.TOO_LARGE]);
    // Exactly maxBody is fine (and waits for its body).
    assert.deepEqual(both([long(0, 1000)], 1000), { frames: [], statuses: [0], pending: [0] });
    // No limit: a 4 GiB - 1 body is accepted as a header, not refused.
    const dec = new ZmtpFrameDecoder({ codec });
    const status = dec.feed(long(0, 0xffffffff), () => {});
    assert.ok(status === 0 || status === CodecStatus.TOO_LARGE); // TOO_LARGE if the engine cannot allocate
  });

  test("refusedLength: the exact claim of the refused header, whole or split, any path", () => {
    const claim = (value: bigint, flags = 2) => {
      const b = new Uint8Array(9);
      b[0] = flags;
      new DataView(b.buffer).setBigUint64(1, value);
      return b;
    };
    const refused = (chunks: Uint8Array[], maxBody?: number) => {
      const dec = new ZmtpFrameDecoder(maxBody === undefined ? { codec } : { codec, maxBody });
      let status = 0;
      for (const c of chunks) status = dec.feed(c, () => {});
      assert.equal(status, CodecStatus.TOO_LARGE);
      return dec.refusedLength;
    };
    const twoTo62 = 1n << 62n;
    assert.equal(refused([claim(twoTo62)]), twoTo62); // 4611686018427387904, not ...388000
    assert.equal(refused([claim(twoTo62 + 1n)]), twoTo62 + 1n);
    assert.equal(refused([claim(0xffff_ffff_ffff_ffffn, 6)]), 0xffff_ffff_ffff_ffffn);
    // After good frames in the same chunk, and with the header split over chunks.
    const lead = wire([{ flags: 1, body: new Uint8Array(3) }, {
      flags: 0,
      body: new Uint8Array(300),
    }]);
    const bad = claim(1n << 40n);
    assert.equal(refused([concatBytes(lead, bad.subarray(0, 4)), bad.subarray(4)]), 1n << 40n);
    // After a large frame (the TS lone-frame path hands over-limit headers to wasm).
    const big = wire([{ flags: 0, body: new Uint8Array(70_000) }]);
    assert.equal(refused([big, claim(200_000n)], 100_000), 200_000n);
    // A short frame over a small maxBody.
    assert.equal(refused([new Uint8Array([0, 200])], 100), 200n);
    // A good stream leaves it undefined.
    const ok = new ZmtpFrameDecoder({ codec });
    assert.equal(ok.feed(lead, () => {}), 0);
    assert.equal(ok.refusedLength, undefined);
  });

  test("reserved flag bits and COMMAND+MORE give BAD_FLAGS, after the good frames", () => {
    for (const flags of [0x08, 0x10, 0x20, 0x40, 0x80, 0x05, 0x07, 0xff]) {
      const bytes = new Uint8Array([1, 1, 42, flags, 0]);
      const got = both([bytes]);
      assert.deepEqual(got.frames, [{ flags: 1, body: new Uint8Array([42]) }]);
      assert.deepEqual(got.statuses, [CodecStatus.BAD_FLAGS]);
      // Sticky.
      const dec = new ZmtpFrameDecoder({ codec });
      dec.feed(bytes, () => {});
      assert.equal(
        dec.feed(new Uint8Array([0, 0]), () => assert.fail("no frame after failure")),
        CodecStatus.BAD_FLAGS,
      );
    }
  });

  test("truncated frames: no frame, bytes pending", () => {
    for (const bytes of [[0], [2, 0, 0], [0, 5, 1, 2], [2, 0, 0, 0, 0, 0, 0, 1, 0, 9]]) {
      const got = both([new Uint8Array(bytes)]);
      assert.deepEqual(got.frames, []);
      assert.deepEqual(got.statuses, [0]);
      assert.ok(got.pending[0]! > 0);
    }
  });

  test("a 10 MiB frame fed in 64 KiB chunks arrives once, intact", () => {
    const size = 10 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) body[i] = i >>> 12;
    const bytes = wire([{ flags: 0, body }, { flags: 0, body: new Uint8Array([9]) }]);
    const dec = new ZmtpFrameDecoder({ codec });
    const got: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 65536) {
      assert.equal(dec.feed(bytes.subarray(at, at + 65536), (_f, b) => got.push(b)), 0);
      if (at + 65536 < bytes.length) assert.ok(dec.pending > 0);
    }
    assert.equal(got.length, 2);
    assert.equal(got[0]!.buffer.byteLength, size);
    assert.deepEqual(got[0], body);
    assert.equal(dec.pending, 0);
  });

  test("a frame callback may feed another decoder (scratch per nesting depth)", () => {
    const inner = new ZmtpFrameDecoder({ codec });
    const outer = new ZmtpFrameDecoder({ codec });
    const frames = randomFrames(prng(7), 50);
    const seen: Frame[] = [];
    const innerSeen: Frame[] = [];
    outer.feed(wire(frames), (flags, body) => {
      seen.push({ flags, body: body.slice() });
      inner.feed(wire([{ flags, body }]), (f, b) => innerSeen.push({ flags: f, body: b.slice() }));
    });
    assert.deepEqual(seen, frames);
    assert.deepEqual(innerSeen, frames);
  });
});

describe("codec/zmtp encoder", () => {
  const collect = (enc: { flush(s: (b: Uint8Array) => void): number }) => {
    const writes: Uint8Array[] = [];
    const total = enc.flush((b) => writes.push(b));
    return { total, writes };
  };

  test("round trips and matches the reference write for write", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const frames = randomFrames(rnd, 1 + Math.floor(rnd() * 60));
      const bufferSize = [64, 300, 4096, 70000, 256 * 1024][seed % 5]!;
      const enc = new ZmtpFrameEncoder({ codec, bufferSize });
      const ref = new ReferenceZmtpFrameEncoder({ bufferSize });
      const text = new TextDecoder();
      for (const { flags, body } of frames) {
        // Some bodies go in as strings (ASCII, so the bytes stay the same).
        const asString = rnd() < 0.3 && body.every((b) => b < 128);
        enc.add(asString ? text.decode(body) : body, flags);
        ref.add(asString ? text.decode(body) : body, flags);
      }
      const a = collect(enc);
      assert.deepEqual(a, collect(ref), `seed ${seed}`);
      assert.equal(enc.pending, 0);
      const decoded: Frame[] = [];
      const dec = new ZmtpFrameDecoder({ codec });
      for (const w of a.writes) {
        assert.equal(dec.feed(w, (flags, body) => decoded.push({ flags, body: body.slice() })), 0);
      }
      assert.deepEqual(decoded, frames);
    }
  });

  test("strings: multi-byte UTF-8 straddling the short/long boundary", () => {
    for (
      const s of [
        "é".repeat(127),
        "é".repeat(128),
        "€".repeat(85),
        "€".repeat(86),
        "😀".repeat(64),
        "x".repeat(255),
        "x".repeat(256),
        "",
      ]
    ) {
      for (const bufferSize of [64, 262, 300, 1000]) {
        const enc = new ZmtpFrameEncoder({ codec, bufferSize });
        const ref = new ReferenceZmtpFrameEncoder({ bufferSize });
        const lead = new Uint8Array(Math.max(0, bufferSize - 70));
        enc.add(lead, 1);
        ref.add(lead, 1);
        enc.add(s);
        ref.add(s);
        const a = collect(enc);
        assert.deepEqual(a, collect(ref), `${s.length} chars in ${bufferSize}`);
        const bodies: string[] = [];
        const dec = new ZmtpFrameDecoder({ codec });
        for (const w of a.writes) dec.feed(w, (_f, b) => bodies.push(new TextDecoder().decode(b)));
        assert.equal(bodies[1], s);
      }
    }
  });

  test("a burst over the buffer is split; an oversize body is written uncopied after its header", () => {
    const enc = new ZmtpFrameEncoder({ codec, bufferSize: 1024 });
    const big = new Uint8Array(5000).fill(3);
    for (let i = 0; i < 100; i++) enc.add(new Uint8Array(16), ZmtpFlag.MORE);
    enc.add(big);
    enc.add(new Uint8Array(1));
    const { writes, total } = collect(enc);
    assert.equal(total, 100 * 18 + 9 + 5000 + 3);
    assert.ok(writes.every((w) => w === big || w.length <= 1024));
    const at = writes.indexOf(big);
    assert.ok(at > 0, "the large body is handed over as is");
    assert.deepEqual([...writes[at - 1]!], [2, 0, 0, 0, 0, 0, 0, 0x13, 0x88]);
    assert.equal(writes.length, Math.ceil(1800 / (18 * 56)) + 3);
  });

  test("writes are owned copies, not views of the scratch", () => {
    const enc = new ZmtpFrameEncoder({ codec });
    enc.add("first");
    const { writes } = collect(enc);
    enc.add("other");
    collect(enc);
    assert.notEqual(writes[0]!.buffer, codec.u8.buffer);
    assert.deepEqual([...writes[0]!], [0, 5, ...new TextEncoder().encode("first")]);
  });

  test("headers of uncopied bodies stay intact after later flushes (slab views)", () => {
    const enc = new ZmtpFrameEncoder({ codec });
    const heads: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) {
      enc.add(new Uint8Array(16384 + i), i % 2);
      enc.flush((bytes) => {
        if (bytes.length === 9) heads.push(bytes);
      });
    }
    assert.equal(heads.length, 1000);
    heads.forEach((h, i) => {
      assert.deepEqual([...h], [
        (i % 2) | 2,
        0,
        0,
        0,
        0,
        0,
        0,
        (16384 + i) >> 8,
        (16384 + i) & 255,
      ]);
    });
  });

  test("flags are checked when staged", () => {
    const enc = new ZmtpFrameEncoder({ codec });
    assert.throws(() => enc.add(new Uint8Array(0), 5), { name: "WeftError" });
    assert.throws(() => enc.add(new Uint8Array(0), 2), { name: "WeftError" });
    assert.equal(enc.pending, 0);
  });

  test("flush into a ByteRing gives the bytes of a function sink", () => {
    const frames = randomFrames(prng(3), 40);
    const ring = new ByteRing({ codec });
    const enc = new ZmtpFrameEncoder({ codec, bufferSize: 4096 });
    for (const f of frames) enc.add(f.body, f.flags);
    const total = enc.flush(ring);
    assert.equal(ring.length, total);
    assert.deepEqual(ring.read(), wire(frames));
    assert.equal(ring.capacity, 0);
  });
});

describe("codec/zmtp encoder, large bodies", () => {
  test("bodies of 16 KiB or more (bytes or strings) go out uncopied, like the reference", () => {
    for (
      const big of [
        new Uint8Array(16384).fill(1),
        "é".repeat(8192),
        "x".repeat(20000),
        new Uint8Array(16383),
      ]
    ) {
      const enc = new ZmtpFrameEncoder({ codec });
      const ref = new ReferenceZmtpFrameEncoder();
      for (const e of [enc, ref]) {
        e.add("a", ZmtpFlag.MORE);
        e.add(big, ZmtpFlag.MORE);
        e.add("b");
      }
      const a: Uint8Array[] = [];
      const b: Uint8Array[] = [];
      enc.flush((w) => a.push(w));
      ref.flush((w) => b.push(w));
      assert.deepEqual(a, b);
      if (big instanceof Uint8Array && big.length >= 16384) {
        assert.equal(a.length, 4);
        assert.equal(a[2], big);
      }
    }
  });
});

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
