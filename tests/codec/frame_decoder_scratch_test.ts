// The ZMTP/SP chunk decoder's shared scratch (src/codec/_frame_decoder.ts): every decoder of a
// codec copies its windows into the same per-depth regions of linear memory and reads its frame
// index back after each frame's callback. These tests drive what the short fuzz runs rarely
// reach: windows that grow to their maximum (after a large body, over a long run of small
// frames), several decoders interleaved on one codec, decoders fed from another's callbacks
// (nested depths), and memory placed right after every scratch region that must stay untouched.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Codec } from "../../src/codec/wasm.ts";
import { ZmtpFrameDecoder } from "../../src/codec/zmtp.ts";
import { SpFrameDecoder } from "../../src/codec/sp.ts";
import { ReferenceZmtpFrameDecoder } from "../../src/codec/_reference/zmtp.ts";
import { ReferenceSpFrameDecoder } from "../../src/codec/_reference/sp.ts";
import { SCRATCH_BYTES } from "../../src/codec/_frame_decoder.ts";

const GUARD = 0xa5;
const GUARD_BYTES = 32 * 1024;
const DEPTHS = 4;

/**
 * A codec whose decode scratch for depths 0..3 is laid out by hand, each region followed by a
 * guard block of 0xA5 bytes, so a write past any region shows (in a real program the arena puts
 * other live structures there: another depth's scratch, the encode scratch, a route dictionary).
 */
function guardedCodec(): { codec: Codec; intact: () => string | null } {
  const codec = new Codec();
  codec.region("framing.decode.depth", 16);
  const guards: number[] = [];
  for (let d = 0; d < DEPTHS; d++) {
    codec.region(`framing.decode.${d}`, SCRATCH_BYTES);
    const g = codec.region(`test.guard.${d}`, GUARD_BYTES).ptr;
    codec.u8.fill(GUARD, g, g + GUARD_BYTES);
    guards.push(g);
  }
  const intact = () => {
    for (let d = 0; d < DEPTHS; d++) {
      const g = guards[d]!;
      let n = 0;
      for (let i = g; i < g + GUARD_BYTES; i++) if (codec.u8[i] !== GUARD) n++;
      if (n > 0) return `${n} bytes written past the scratch of depth ${d}`;
    }
    return null;
  };
  return { codec, intact };
}

function zmtpFrame(size: number, fill: number, flags = 0): number[] {
  const body = new Array<number>(size).fill(fill);
  if (size <= 255) return [flags, size, ...body];
  return [flags | 2, 0, 0, 0, 0, size >>> 24, (size >>> 16) & 255, (size >>> 8) & 255, size & 255]
    .concat(body);
}

type Log = string[];
const record = (log: Log) => (flags: number, body: Uint8Array) =>
  log.push(`${flags}:${body.length}:${body[0] ?? -1}:${body[body.length - 1] ?? -1}`);

test("a window grown over a run of small frames after a large body stays inside the scratch (issue 10: the decoder's own index and 16 KiB past its region were overwritten)", () => {
  // 60,000 + 10,000 bytes: the second body runs past the first 64 KiB window, so the window
  // drops to its minimum; then 32-byte frames fill windows of 128, 512, ... 32,768 bytes
  // exactly, and the next window was 4 × 32,768 = 128 KiB: twice the window area. Copied over
  // the frame index and status block (the decoder then read its own index entries as frame
  // headers: BAD_FLAGS after 3,416 of 6,002 frames) and 16 KiB into the next region.
  const parts: number[] = [...zmtpFrame(60_000, 1), ...zmtpFrame(10_000, 2)];
  for (let i = 0; i < 6000; i++) parts.push(...zmtpFrame(30, i & 0xff));
  const bytes = new Uint8Array(parts);
  const { codec, intact } = guardedCodec();
  const got: Log = [];
  const want: Log = [];
  const status = new ZmtpFrameDecoder({ codec }).feed(bytes, record(got));
  const ref = new ReferenceZmtpFrameDecoder().feed(bytes.slice(), record(want));
  assert.equal(intact(), null);
  assert.equal(status, ref);
  assert.equal(got.length, 6002);
  assert.deepEqual(got, want);
});

/** Body sizes whose frames (with a 2-, 8- or 9-byte header) fill power-of-4 windows exactly. */
const EXACT = [[14, 30, 62, 126, 254], [8, 24, 56, 120, 248], [7, 23, 55, 119, 247]] as const;
const MIXED = [0, 1, 14, 30, 200, 255, 256, 1000, 3000];

interface Stream {
  /** ZMTP (0), SP over tcp (1) or ipc (2). */
  readonly kind: 0 | 1 | 2;
  /** A body that runs past the first 64 KiB window (the window then drops to its minimum). */
  readonly lead: number;
  /** Then a long run of small frames: one size (windows fill exactly) or a mix. */
  readonly exact: number;
  readonly count: number;
  readonly mixed: number[];
  readonly cuts: number[];
}

const stream: fc.Arbitrary<Stream> = fc.record({
  kind: fc.constantFrom(0 as const, 1 as const, 2 as const),
  lead: fc.integer({ min: 6000, max: 70_000 }),
  exact: fc.nat({ max: 4 }),
  count: fc.integer({ min: 100, max: 12_000 }),
  mixed: fc.array(fc.constantFrom(...MIXED), { maxLength: 400 }),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
});

function encode(s: Stream): Uint8Array {
  const out: number[] = [];
  const one = EXACT[s.kind][s.exact]!;
  const sizes = [60_000, s.lead, ...new Array<number>(s.count).fill(one), ...s.mixed];
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!;
    if (s.kind === 0) out.push(...zmtpFrame(size, i & 0xff, i % 3 === 1 ? 1 : 0));
    else {
      if (s.kind === 2) out.push(1);
      out.push(0, 0, 0, 0, size >>> 24, (size >>> 16) & 255, (size >>> 8) & 255, size & 255);
      for (let k = 0; k < size; k++) out.push(i & 0xff);
    }
  }
  return new Uint8Array(out);
}

function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    out.push(bytes.slice(from, p));
    from = p;
  }
  return out;
}

interface Fed {
  feed(chunk: Uint8Array, onFrame: (flags: number, body: Uint8Array) => void): number;
}

function decoders(kind: 0 | 1 | 2, codec: Codec): [Fed, Fed] {
  if (kind === 0) return [new ZmtpFrameDecoder({ codec }), new ReferenceZmtpFrameDecoder()];
  const ipc = kind === 2;
  const wasm = new SpFrameDecoder({ codec, ipc });
  const ref = new ReferenceSpFrameDecoder({ ipc });
  return [
    { feed: (c, f) => wasm.feed(c, (b) => f(0, b)) },
    { feed: (c, f) => ref.feed(c, (b) => f(0, b)) },
  ];
}

test("decoders sharing one codec, fed interleaved and from each other's callbacks, decode as their reference twins and write nothing past their scratch (fast-check, pinned)", () => {
  fc.assert(
    fc.property(fc.array(stream, { minLength: 1, maxLength: 4 }), (streams) => {
      const { codec, intact } = guardedCodec();
      const lanes = streams.map((s) => {
        const [wasm, ref] = decoders(s.kind, codec);
        const bytes = encode(s);
        return {
          wasm,
          ref,
          queue: chunks(bytes, s.cuts),
          refQueue: chunks(bytes, s.cuts),
          got: [] as Log,
          want: [] as Log,
          status: 0,
          refStatus: 0,
        };
      });
      // Lane i's callbacks feed lane i + 1 its next chunk now and then (a relay, one depth
      // deeper), so lane i + 1 decodes while lane i is between two frames of its index.
      let calls = 0;
      const feedLane = (i: number): void => {
        const lane = lanes[i]!;
        const chunk = lane.queue.shift();
        if (chunk === undefined) return;
        const log = record(lane.got);
        lane.status = lane.wasm.feed(chunk, (flags, body) => {
          log(flags, body);
          if (i + 1 < lanes.length && ++calls % 97 === 0) feedLane(i + 1);
        });
      };
      while (lanes.some((l) => l.queue.length > 0)) {
        for (let i = 0; i < lanes.length; i++) feedLane(i);
      }
      for (const lane of lanes) {
        for (const c of lane.refQueue) lane.refStatus = lane.ref.feed(c, record(lane.want));
        assert.equal(lane.status, lane.refStatus);
        assert.deepEqual(lane.got, lane.want);
      }
      assert.equal(intact(), null);
    }),
    { seed: 0x0de_c0de, numRuns: 15 },
  );
});
