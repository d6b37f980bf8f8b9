import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Arena, Codec } from "./wasm.ts";
import { WeftError } from "../core/errors.ts";

describe("codec/wasm", () => {
  test("instantiates synchronously with fixed memory", () => {
    const codec = new Codec();
    assert.equal(codec.u8.byteLength, 16 * 1024 * 1024);
    assert.ok(codec.exports.heap_base() > 0);
    assert.ok(codec.exports.heap_base() < 65536);
  });

  test("arena allocates aligned, reuses and coalesces freed blocks", () => {
    const arena = new Arena(1000, 1000 + 4096);
    const a = arena.alloc(10);
    assert.equal(a % 16, 0);
    const b = arena.alloc(2000);
    const c = arena.alloc(1000);
    arena.free(b);
    arena.free(a);
    // a and b coalesced: a 2000-byte block fits at a again.
    assert.equal(arena.alloc(2010), a);
    arena.free(c);
    assert.throws(() => arena.free(c), (e) => e instanceof WeftError && e.code === "EINVAL");
    assert.throws(() => arena.alloc(1 << 20), (e) => e instanceof WeftError && e.code === "EAGAIN");
  });
});
