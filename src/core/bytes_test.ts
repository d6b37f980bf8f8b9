import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteSlab, smallBytes } from "./byte_slab.ts";
import { utf8Decode, utf8Encode } from "./utf8.ts";

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true });

test("utf8Encode and utf8Decode agree with TextEncoder and a fatal TextDecoder", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme" })), (s) => {
      const bytes = utf8Encode(s);
      assert.deepEqual([...bytes], [...te.encode(s)]);
      assert.equal(utf8Decode(bytes), s);
    }),
    { numRuns: 2000 },
  );
  // Lone surrogates encode as U+FFFD, as TextEncoder does.
  assert.deepEqual([...utf8Encode("a\ud800")], [...te.encode("a\ud800")]);
});

test("utf8Decode refuses what is not UTF-8, short or long, as a fatal TextDecoder does", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      let expected: string | undefined;
      try {
        expected = td.decode(bytes);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) assert.throws(() => utf8Decode(bytes), TypeError);
      else assert.equal(utf8Decode(bytes), expected);
    }),
    { numRuns: 2000 },
  );
});

test("smallBytes and ByteSlab hand out zero-filled arrays that never overlap", () => {
  const slab = new ByteSlab(256, 64);
  const taken: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const size = (i * 7) % 90; // some above the pooled limit
    const a = i % 2 ? slab.take(size) : smallBytes(size);
    assert.equal(a.length, size);
    assert.ok(a.every((b) => b === 0), "zero-filled");
    a.fill(i & 0xff || 1);
    taken.push(a);
  }
  // Had two overlapped, the later fill would show in the earlier array.
  taken.forEach((a, i) => assert.ok(a.every((b) => b === (i & 0xff || 1)), `array ${i} intact`));
});
