import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
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
