import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildGreeting, checkGreeting, GREETING_SIZE, mechanismField } from "./greeting.ts";
import { hex } from "../../../tests/_helpers.ts";
import { peerGreeting } from "../../../tests/fixtures/zmtp/_helpers.ts";

describe("greeting: build", () => {
  test("NULL, 3.1, byte for byte", () => {
    const g = buildGreeting({ mechanism: "NULL", asServer: false });
    assert.equal(g.length, GREETING_SIZE);
    const want = new Uint8Array(64);
    want.set(hex("ff 00 00 00 00 00 00 00 00 7f 03 01 4e 55 4c 4c"));
    assert.deepEqual(g, want);
  });
  test("as-server and other mechanisms", () => {
    const g = buildGreeting({ mechanism: "PLAIN", asServer: true });
    assert.deepEqual([...g.subarray(12, 18)], [0x50, 0x4c, 0x41, 0x49, 0x4e, 0]);
    assert.equal(g[32], 1);
    assert.equal(buildGreeting({ minor: 0 })[11], 0);
  });
  test("bad mechanism names are refused", () => {
    assert.throws(() => mechanismField("null"), { code: "EINVAL" });
    assert.throws(() => mechanismField("X".repeat(21)), { code: "EINVAL" });
  });
});

describe("greeting: check", () => {
  test("3.1 and 3.0 and newer versions", () => {
    const r = checkGreeting(peerGreeting(1), "NULL");
    assert.deepEqual(r, {
      ok: true,
      greeting: { major: 3, minor: 1, mechanism: "NULL", asServer: false },
    });
    const r0 = checkGreeting(peerGreeting(0), "NULL");
    assert.equal(r0.ok === true && r0.greeting.minor, 0);
    const g = peerGreeting(7);
    assert.equal((checkGreeting(g, "NULL") as { greeting: { minor: number } }).greeting.minor, 1);
    g[10] = 4;
    g[11] = 0;
    const r4 = checkGreeting(g, "NULL");
    assert.ok(r4.ok === true && r4.greeting.major === 4 && r4.greeting.minor === 1);
  });
  test("padding is not validated", () => {
    const g = peerGreeting(1);
    g.fill(0xaa, 1, 9);
    g[9] = 0x7f;
    g.fill(0x55, 33, 64);
    assert.equal(checkGreeting(g, "NULL").ok, true);
  });
  test("partial greetings wait", () => {
    const g = peerGreeting(1);
    for (let n = 0; n < 64; n++) {
      assert.deepEqual(checkGreeting(g.subarray(0, n), "NULL"), { ok: "partial" });
    }
  });
  test("garbage fails at the first octet", () => {
    const r = checkGreeting(new TextEncoder().encode("GET / HTTP/1.1\r\n"), "NULL");
    assert.equal(r.ok, false);
    assert.match(
      (r as { reason: string }).reason,
      /^not a ZMTP peer: expected 0xff at octet 0.*got 0x47/,
    );
  });
  test("octet 9 with bit 0 clear is ZMTP 1.0: refused once 10 octets are in", () => {
    const g = peerGreeting(1);
    g[9] = 0x7e;
    assert.deepEqual(checkGreeting(g.subarray(0, 9), "NULL"), { ok: "partial" });
    const r = checkGreeting(g.subarray(0, 10), "NULL");
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /^not a ZMTP peer: .*octet 9.*got 0x7e/);
  });
  test("major 2 is refused at octet 10", () => {
    const g = peerGreeting(1);
    g[10] = 2;
    const r = checkGreeting(g.subarray(0, 11), "NULL");
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /major version 3 or higher, got 2/);
  });
  test("mechanism mismatch names both", () => {
    const r = checkGreeting(peerGreeting(1, "PLAIN"), "NULL");
    assert.equal(r.ok, false);
    assert.equal(
      (r as { reason: string }).reason,
      'mechanism mismatch: we use NULL, the peer uses "PLAIN"',
    );
  });
  test("mechanism field compared on all 20 octets", () => {
    const g = peerGreeting(1);
    g[20] = 0x41; // NULL\0\0\0\0A...
    assert.equal(checkGreeting(g, "NULL").ok, false);
  });
});
