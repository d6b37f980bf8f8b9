// PrefixedBoxes (the traffic path's boxes, HSalsa20 of the nonce prefix done once) against
// `@noble/ciphers`' one-shot xsalsa20poly1305 with the full 24-octet nonce: byte-identical
// boxes both ways at every size around the 64-octet block edges, and nothing altered opens.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { open, PrefixedBoxes, seal } from "./box.ts";
import { Prefix } from "./common.ts";
import { ByteSlab } from "../../../core/byte_slab.ts";
import { prng } from "../../../../tests/_helpers.ts";

const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 95, 96, 97, 1000, 1024, 4099, 65536];

describe("PrefixedBoxes", () => {
  const next = prng(0x5eed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff);

  test("seals byte for byte as xsalsa20poly1305 with prefix ‖ counter", () => {
    for (const prefix of [Prefix.MESSAGE_FROM_CLIENT, Prefix.MESSAGE_FROM_SERVER]) {
      const key = bytes(32);
      const boxes = new PrefixedBoxes(key, prefix);
      for (const size of SIZES) {
        const plain = bytes(size);
        const counter = bytes(8);
        const out = new Uint8Array(32 + size);
        out.set(plain, 32);
        boxes.sealInPlace(counter, out);
        const nonce = new Uint8Array([...prefix, ...counter]);
        assert.deepEqual(out.subarray(0, 16), new Uint8Array(16), `size ${size}: header zeroed`);
        assert.deepEqual(out.subarray(16), seal(key, nonce, plain), `size ${size}`);
      }
    }
  });

  test("opens what xsalsa20poly1305 sealed, and refuses any flipped bit", () => {
    const key = bytes(32);
    const boxes = new PrefixedBoxes(key, Prefix.MESSAGE_FROM_SERVER);
    for (const size of SIZES) {
      const plain = bytes(size);
      const counter = bytes(8);
      const nonce = new Uint8Array([...Prefix.MESSAGE_FROM_SERVER, ...counter]);
      const sealed = seal(key, nonce, plain);
      assert.deepEqual(boxes.open(counter, sealed), plain, `size ${size}`);
      assert.deepEqual(open(key, nonce, sealed), plain);
      const bit = next() % (sealed.length * 8);
      const flipped = sealed.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(boxes.open(counter, flipped), null, `size ${size}, bit ${bit}`);
      const otherCounter = counter.slice();
      otherCounter[7]! ^= 1;
      assert.equal(boxes.open(otherCounter, sealed), null, `size ${size}: wrong nonce`);
    }
    assert.equal(boxes.open(bytes(8), bytes(15)), null, "shorter than a tag");
    const wrongPrefix = new PrefixedBoxes(key, Prefix.MESSAGE_FROM_CLIENT);
    const counter = bytes(8);
    const sealed = seal(key, new Uint8Array([...Prefix.MESSAGE_FROM_SERVER, ...counter]), bytes(9));
    assert.equal(wrongPrefix.open(counter, sealed), null, "the other direction's prefix");
  });

  test("opening into a slab gives the same plaintexts, in fresh views, and wipes a refused one", () => {
    const key = bytes(32);
    const boxes = new PrefixedBoxes(key, Prefix.MESSAGE_FROM_CLIENT);
    const slab = new ByteSlab();
    const opened: Array<[Uint8Array, Uint8Array]> = [];
    for (const size of [...SIZES, ...SIZES]) {
      const plain = bytes(size);
      const counter = bytes(8);
      const sealed = seal(key, new Uint8Array([...Prefix.MESSAGE_FROM_CLIENT, ...counter]), plain);
      const got = boxes.open(counter, sealed, slab);
      assert.ok(got, `size ${size}`);
      assert.equal(got.byteOffset % 4, 0, "word-aligned for noble's fast path");
      opened.push([got, plain]);
      const flipped = sealed.slice();
      flipped[0]! ^= 1;
      const before = slab.take(0).byteOffset;
      assert.equal(boxes.open(counter, flipped, slab), null);
      if (size + 32 <= 4096) {
        // The refused box's view was zero-filled: nothing of the keystream or plaintext left.
        const view = new Uint8Array(slab.take(0).buffer, before, 32 + size);
        assert.ok(view.every((b) => b === 0), `size ${size}: refused view wiped`);
      }
    }
    // Every plaintext still holds its own bytes: no view was handed out twice.
    for (const [got, plain] of opened) assert.deepEqual(got, plain);
  });
});
