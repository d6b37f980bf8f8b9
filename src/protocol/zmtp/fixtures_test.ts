// Replays the bytes real libzmq 4.3.4 sent (tests/fixtures/zmtp, see its README) into sessions.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ZmtpSessionOptions } from "./session.ts";
import { buildGreeting } from "./greeting.ts";
import { readyCommand } from "./command.ts";
import { concat, hex, prng, toHex } from "../../../tests/_helpers.ts";
import { feedSplit, frame, session, td, te } from "../../../tests/fixtures/zmtp/_helpers.ts";

function fixture(name: string): Uint8Array {
  const url = new URL(`../../../tests/fixtures/zmtp/${name}.hex`, import.meta.url);
  return hex(readFileSync(fileURLToPath(url), "utf8"));
}

/** Replays a fixture whole and in random splits; returns the recorder of the whole replay. */
function replay(name: string, options: ZmtpSessionOptions) {
  const bytes = fixture(name);
  for (const maxChunk of [1, 5, 100]) {
    const split = session(options);
    split.s.start(0);
    feedSplit(split.s, bytes, prng(maxChunk), { maxChunk });
    assert.deepEqual(split.r.errors, [], `${name} split ${maxChunk}`);
    assert.equal(split.r.peers.length, 1, `${name} split ${maxChunk}`);
  }
  const { s, r } = session(options);
  s.start(0);
  s.feed(bytes, 0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.peers.length, 1);
  return { s, r, bytes };
}

describe("libzmq 4.3.4 fixtures", () => {
  test("libzmq greeting: 3.1, NULL, as-server 0; padding holds routing-id length + 1", () => {
    const g = fixture("dealer_ready_msg").subarray(0, 64);
    assert.equal(toHex(g.subarray(0, 12)), "ff 00 00 00 00 00 00 00 07 7f 03 01");
    assert.deepEqual(g.subarray(10), buildGreeting().subarray(10));
  });

  test("DEALER greeting + READY: byte-identical to what we build for a DEALER", () => {
    const { r, bytes } = replay("dealer_ready", { socketType: "ROUTER", asServer: true });
    const ours = readyCommand([["Socket-Type", te.encode("DEALER")], [
      "Identity",
      new Uint8Array(0),
    ]]);
    assert.equal(toHex(bytes.subarray(64)), toHex(frame(4, ours)));
    const p = r.peers[0]!;
    assert.equal(p.socketType, "DEALER");
    assert.equal(p.minor, 1);
    assert.deepEqual(p.identity, new Uint8Array(0));
    // And what we sent back: our greeting, then our ROUTER READY.
    assert.equal(
      toHex(r.output),
      toHex(
        concat(
          buildGreeting(),
          frame(
            4,
            readyCommand([["Socket-Type", te.encode("ROUTER")], ["Identity", new Uint8Array(0)]]),
          ),
        ),
      ),
    );
  });

  test("DEALER with routing id sends a two-part message", () => {
    const { r } = replay("dealer_ready_msg", { socketType: "ROUTER", asServer: true });
    assert.equal(td.decode(r.peers[0]!.identity), "peer-1");
    assert.deepEqual(r.messages.map((m) => m.map((f) => td.decode(f))), [["hello", "world"]]);
  });

  test("DEALER heartbeat PING (TTL 2 s) is answered with PONG and arms the TTL", () => {
    const { s, r } = replay("dealer_ready_ping", { socketType: "ROUTER", asServer: true });
    // One write after the greeting: our READY, then the PONG (no context: libzmq sent none).
    assert.equal(r.written.length, 2);
    assert.equal(toHex(r.output.subarray(-7)), "04 05 04 50 4f 4e 47");
    assert.equal(s.tick(1999), 2000);
    assert.equal(s.tick(2000), Infinity);
    assert.equal(r.errors[0]?.code, "ETIMEDOUT");
  });

  test("ROUTER READY carries an empty Identity", () => {
    const { r } = replay("router_ready", { socketType: "DEALER", asServer: false });
    assert.equal(r.peers[0]!.socketType, "ROUTER");
    assert.deepEqual([...r.peers[0]!.properties.keys()], ["socket-type", "identity"]);
  });

  test("PUB publishes the matching message", () => {
    const { r } = replay("pub_ready_msg", { socketType: "SUB", asServer: true });
    assert.equal(r.peers[0]!.socketType, "PUB");
    assert.deepEqual(r.messages.map((m) => td.decode(m[0])), ["A-hello"]);
  });

  test("SUB to a 3.1 peer: SUBSCRIBE command", () => {
    const { r, bytes } = replay("sub_ready_subscribe_31", { socketType: "PUB", asServer: true });
    assert.equal(toHex(bytes.subarray(-13)), "04 0b 09 53 55 42 53 43 52 49 42 45 41");
    assert.deepEqual(r.subscriptions, [["A", true]]);
  });

  test("SUB to a 3.0 peer: 0x01|topic message", () => {
    const { r, bytes } = replay("sub_ready_subscribe_30", { socketType: "XPUB", asServer: true });
    assert.equal(toHex(bytes.subarray(-4)), "00 02 01 41");
    assert.deepEqual(r.subscriptions, [["A", true]]);
    assert.deepEqual(r.messages, []);
  });

  test("a libzmq DEALER is refused by our PUB with an ERROR", () => {
    const { s, r } = session({ socketType: "PUB", asServer: true });
    s.start(0);
    s.feed(fixture("dealer_ready"), 0);
    assert.equal(r.errors[0]?.code, "EPROTO");
    assert.match(
      td.decode(r.written.at(-1)!),
      /ERROR.Invalid socket type: PUB expects SUB or XSUB, got "DEALER"/,
    );
  });
});
