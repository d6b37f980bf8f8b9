// Inputs the fuzzers found, kept as plain regression tests (each names the fixed defect).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "../../src/transport/ws/frame.ts";

test("ws: nothing is decoded after a close frame with no body (ws.frames.mutated)", () => {
  const events: string[] = [];
  const decoder = new FrameDecoder({
    message: () => events.push("message"),
    ping: () => events.push("ping"),
    pong: () => events.push("pong"),
    close: (code) => events.push(`close ${code}`),
    error: (code) => events.push(`error ${code}`),
  }, { expectMasked: false, maxMessageSize: 1024 });
  // An empty CLOSE, then bytes that would be a bad frame (reserved bits) and a good one.
  decoder.feed(Uint8Array.of(0x88, 0x00, 0x03, 0xe8));
  decoder.feed(Uint8Array.of(0x82, 0x01, 0x41));
  assert.deepEqual(events, ["close 1005"]);
  assert.equal(decoder.failed, true);
});
