import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Codec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";
import { ByteRing } from "./ring.ts";
import { ReferenceByteRing } from "./_reference/ring.ts";
import { prng } from "../../tests/_helpers.ts";

describe("codec/ring", () => {
  test("differential: random writes and reads, wrapping and growing", () => {
    const codec = new Codec();
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = prng(seed);
      const opts = { initialCapacity: 16 + Math.floor(rnd() * 100), maxCapacity: 2000 };
      const ring = new ByteRing({ codec, ...opts });
      const ref = new ReferenceByteRing(opts);
      let next = 0;
      for (let op = 0; op < 300; op++) {
        if (rnd() < 0.55) {
          const bytes = new Uint8Array(Math.floor(rnd() * 300)).map(() => next++ & 255);
          const viaLinear = rnd() < 0.3;
          let got: number;
          if (viaLinear) {
            const tmp = codec.arena.alloc(Math.max(1, bytes.length));
            codec.u8.set(bytes, tmp);
            got = ring.writeFrom(tmp, bytes.length);
            codec.arena.free(tmp);
          } else got = ring.write(bytes);
          assert.equal(got, ref.write(bytes), `seed ${seed} op ${op}`);
        } else {
          const max = Math.floor(rnd() * 400);
          assert.deepEqual(ring.read(max), ref.read(max), `seed ${seed} op ${op}`);
        }
        assert.equal(ring.length, ref.length);
        assert.equal(ring.capacity, ref.capacity);
      }
      ring.release();
    }
  });

  test("memory is taken lazily and given back when drained", () => {
    const codec = new Codec();
    const free = codec.arena.largestFree();
    const rings = Array.from({ length: 10_000 }, () => new ByteRing({ codec }));
    assert.equal(codec.arena.largestFree(), free, "10,000 idle rings hold nothing");
    rings[0]!.write("hello");
    assert.ok(codec.arena.largestFree() < free);
    assert.equal(new TextDecoder().decode(rings[0]!.read()), "hello");
    assert.equal(rings[0]!.capacity, 0);
    assert.equal(codec.arena.largestFree(), free);
  });

  test("refuses writes past maxCapacity with NO_SPACE, keeping what it holds", () => {
    const ring = new ByteRing({ codec: new Codec(), initialCapacity: 16, maxCapacity: 64 });
    assert.equal(ring.write(new Uint8Array(60).fill(1)), 60);
    assert.equal(ring.write(new Uint8Array(5)), CodecStatus.NO_SPACE);
    assert.equal(ring.length, 60);
    assert.equal(ring.capacity, 64);
    assert.deepEqual(ring.read(2), new Uint8Array([1, 1]));
    assert.equal(ring.write(new Uint8Array(5).fill(2)), 5);
    const all = ring.read();
    assert.equal(all.length, 63);
    assert.deepEqual(all.subarray(58), new Uint8Array(5).fill(2));
  });
});
