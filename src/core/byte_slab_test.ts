import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteSlab, smallBytes } from "./byte_slab.ts";

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
