// The frame decoder's `refuseText` (what SP sockets ask for through `textMessages: "refuse"`):
// a text frame fails with 1003 at its header, binary frames pass, and without the option text
// is delivered as before.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "./frame.ts";
import type { FrameEvents } from "./frame.ts";

function decoder(refuseText: boolean) {
  const got: string[] = [];
  const events: FrameEvents = {
    message: (p, text) => got.push(`${text ? "text" : "binary"} ${new TextDecoder().decode(p)}`),
    ping() {},
    pong() {},
    close() {},
    error: (code, message) => got.push(`error ${code} ${message}`),
  };
  return {
    got,
    d: new FrameDecoder(events, { expectMasked: false, maxMessageSize: 1024, refuseText }),
  };
}

describe("ws frame decoder: refuseText", () => {
  test("binary passes, a text frame fails with 1003 before its payload", () => {
    const { got, d } = decoder(true);
    d.feed(new Uint8Array([0x82, 2, 104, 105])); // binary "hi"
    d.feed(new Uint8Array([0x81, 100])); // text header only: 100 bytes announced, none sent
    assert.deepEqual(got, ["binary hi", "error 1003 expected binary messages, got a text message"]);
    assert.equal(d.failed, true);
  });

  test("a fragmented text message is refused at its first frame", () => {
    const { got, d } = decoder(true);
    d.feed(new Uint8Array([0x01, 1, 104])); // text, FIN clear
    assert.deepEqual(got, ["error 1003 expected binary messages, got a text message"]);
  });

  test("without it text is delivered", () => {
    const { got, d } = decoder(false);
    d.feed(new Uint8Array([0x81, 2, 104, 105]));
    assert.deepEqual(got, ["text hi"]);
  });
});
