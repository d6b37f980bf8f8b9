import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildHeader, parseHeader } from "./header.ts";
import { protocolName, SpProtocols, wsSubprotocol } from "./ids.ts";
import { concat } from "../../core/bytes.ts";
import { readU32, splitBacktrace, u32 } from "./backtrace.ts";

describe("SP connection header", () => {
  test("every protocol's header is 00 53 50 00 id(u16 BE) 00 00", () => {
    for (const p of Object.values(SpProtocols)) {
      assert.deepEqual([...buildHeader(p.id)], [0, 0x53, 0x50, 0, 0, p.id, 0, 0]);
      assert.deepEqual(parseHeader(buildHeader(p.id)), { ok: true, protocolId: p.id });
    }
    assert.deepEqual([...buildHeader(0x640)], [0, 0x53, 0x50, 0, 6, 0x40, 0, 0]);
  });

  test("bad magic, version and reserved bytes are refused with a reason", () => {
    const good = [0, 0x53, 0x50, 0, 0, 0x30, 0, 0];
    for (
      const [at, value, words] of [
        [0, 1, "SP header"],
        [1, 0x54, "SP header"],
        [2, 0, "SP header"],
        [3, 1, "version 0"],
        [6, 1, "reserved"],
        [7, 1, "reserved"],
      ] as const
    ) {
      const bad = [...good];
      bad[at] = value;
      const r = parseHeader(new Uint8Array(bad));
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, new RegExp(words));
    }
    assert.equal(parseHeader(new Uint8Array(7)).ok, false);
  });

  test("peers and ws names pair up", () => {
    for (const p of Object.values(SpProtocols)) {
      const peer = Object.values(SpProtocols).find((q) => q.id === p.peer)!;
      assert.equal(peer.peer, p.id);
      assert.equal(peer.name, p.peerName);
      assert.equal(protocolName(p.id), p.name);
    }
    assert.equal(wsSubprotocol(SpProtocols.sub0.peerName), "pub.sp.nanomsg.org");
  });
});

describe("SP backtraces", () => {
  const bt = (...words: number[]) => concat(words.map(u32));

  test("REQ id alone; hops then id; body follows", () => {
    const r = splitBacktrace(concat([bt(0x80001234), new Uint8Array([0x68, 0x69])]), 8);
    assert.ok(r.ok);
    assert.deepEqual([...r.header], [0x80, 0, 0x12, 0x34]);
    assert.deepEqual([...r.body], [0x68, 0x69]);
    assert.equal(r.hops, 1);
    const d = splitBacktrace(bt(5, 7, 0x80000001), 8);
    assert.ok(d.ok);
    assert.equal(d.hops, 3);
    assert.equal(readU32(d.header, 4), 7);
    assert.equal(d.body.length, 0);
  });

  test("more than maxTtl words drop (ttl); a run without id or a short tail is garbage", () => {
    assert.equal(splitBacktrace(bt(1, 2, 3, 4, 5, 6, 7, 0x80000000), 8).ok, true);
    assert.deepEqual(splitBacktrace(bt(1, 2, 3, 4, 5, 6, 7, 8, 0x80000000), 8), {
      ok: false,
      error: "ttl",
    });
    assert.deepEqual(splitBacktrace(bt(1, 2, 3), 8), { ok: false, error: "garbage" });
    assert.deepEqual(splitBacktrace(new Uint8Array([0x80, 0, 0]), 8), {
      ok: false,
      error: "garbage",
    });
    assert.deepEqual(splitBacktrace(new Uint8Array(0), 8), { ok: false, error: "garbage" });
    assert.deepEqual(splitBacktrace(bt(0x80000001), 0), { ok: false, error: "ttl" });
  });
});
