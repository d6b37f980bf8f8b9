// Inputs the fuzzers found, kept as plain regression tests (each names the fixed defect).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "../../src/transport/ws/frame.ts";
import { Codec } from "../../src/codec/wasm.ts";
import { ZmtpFrameDecoder } from "../../src/codec/zmtp.ts";
import { CodecStatus } from "../../src/codec/status.ts";
import { MAX_WINDOW } from "../../src/codec/_frame_decoder.ts";

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

test("zmtp: a frame index overwritten during a callback closes the stream, never throws (issue 10: RangeError 'Start offset -2130706630' from ChunkDecoder)", () => {
  // A long fuzz run on Deno threw a RangeError out of ZmtpSession.feed: the decoder turned a
  // window offset it read back from linear memory (0x80FFFF3A, a length-sized word past 2^31)
  // into a negative view offset. Whatever wrote the word, the decoder must refuse the stream
  // with a status. Here the first frame's callback overwrites the second frame's index entry
  // (the shared scratch of depth 0) with that word.
  const codec = new Codec();
  const dec = new ZmtpFrameDecoder({ codec });
  const frames = new Uint8Array([1, 1, 65, 1, 1, 66, 0, 1, 67]);
  const got: string[] = [];
  const status = dec.feed(frames, (flags, body) => {
    got.push(`${flags}:${body[0]}`);
    if (got.length > 1) return;
    // The depth-0 scratch exists by now: carry (16) and window, then the index.
    const index = (codec.region("framing.decode.0", 0).ptr + 16 + MAX_WINDOW) >> 2;
    codec.i32[index + 3 + 1] = 0x80ffff3a | 0;
  });
  assert.equal(status, CodecStatus.MALFORMED);
  assert.deepEqual(got, ["1:65"]);
  assert.equal(dec.feed(new Uint8Array([0, 0]), () => {}), CodecStatus.MALFORMED); // sticky
});

test("zmtp: a long frame claiming 2^31 + 2^24 - 1 octets after a valid prefix is held or refused by the limit, never thrown", () => {
  const head = [1, 1, 65, 0x03, 0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff];
  for (const maxBody of [undefined, 0x7fffffff]) {
    const dec = new ZmtpFrameDecoder(maxBody === undefined ? {} : { maxBody });
    const bytes = new Uint8Array([...head, 1, 2, 3]);
    let status = 0;
    for (let i = 0; i < bytes.length && status === 0; i++) {
      status = dec.feed(bytes.subarray(i, i + 1), () => {});
    }
    if (maxBody === undefined) assert.ok(status === 0 || status === CodecStatus.TOO_LARGE);
    else {
      assert.equal(status, CodecStatus.TOO_LARGE);
      assert.equal(dec.refusedLength, 0x80ffffffn);
    }
  }
});

test("pomelo: the client-session targets give their route dictionaries' codec memory back (pomelo.dictionary, pomelo.client.session.split after 5 M inputs)", async () => {
  const { pomeloTargets } = await import("./_pomelo.ts");
  const { sharedCodec } = await import("../../src/codec/wasm.ts");
  const fc = (await import("fast-check")).default;
  const arena = sharedCodec().arena;
  const run = (seed: number) => {
    for (const name of ["pomelo.client.session.split", "pomelo.client.session.mutated"]) {
      const target = pomeloTargets.find((t) => t.name === name)!;
      fc.assert(target.property(8), { numRuns: 40, seed });
    }
  };
  run(1); // the codec's shared scratch regions are allocated on first use, once
  const before = arena.largestFree();
  run(0x5eed);
  assert.equal(arena.largestFree(), before, "the arena is as large as before the runs");
});
