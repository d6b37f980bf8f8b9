/**
 * Codec benchmark cases for ZMTP framing: decode of whole received chunks (the frames handed to
 * a callback, as the protocol layer gets them) and encode of bursts (frames staged, flushed to
 * a sink that keeps nothing). wasm-backed face vs the pure-TS reference twin.
 * @module
 */

import type { BenchCase } from "./types.ts";
import { ZmtpFrameDecoder, ZmtpFrameEncoder } from "../../src/codec/zmtp.ts";
import {
  ReferenceZmtpFrameDecoder,
  ReferenceZmtpFrameEncoder,
} from "../../src/codec/_reference/zmtp.ts";

/** Wire bytes of `count` frames of `size` bytes (MORE on all but the last of each 4). */
function frames(count: number, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(new Uint8Array(size).fill(i & 255));
  return out;
}

function chunkOf(bodies: Uint8Array[]): Uint8Array {
  const enc = new ReferenceZmtpFrameEncoder({ bufferSize: 256 * 1024 });
  bodies.forEach((b, i) => enc.add(b, i % 4 === 3 ? 0 : 1));
  const writes: Uint8Array[] = [];
  enc.flush((w) => writes.push(w));
  return concat(writes);
}

/** One received chunk made of every write (a large body is written after its header). */
function concat(writes: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(writes.reduce((n, w) => n + w.length, 0));
  let at = 0;
  for (const w of writes) {
    out.set(w, at);
    at += w.length;
  }
  return out;
}

interface Shape {
  label: string;
  /** Frames per chunk (decode) or per burst (encode). */
  count: number;
  size: number;
  /** Chunks per iteration (decode) / bursts per iteration (encode). */
  repeat: number;
}

const SHAPES: Shape[] = [
  { label: "16 B ×3640 (one 64 KiB chunk)", count: 3640, size: 16, repeat: 1 },
  { label: "1 KiB ×63 (one 64 KiB chunk)", count: 63, size: 1024, repeat: 1 },
  { label: "64 KiB ×1 (16 chunks of one frame)", count: 1, size: 65536, repeat: 16 },
];

function rows(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of SHAPES) {
    const bodies = frames(shape.count, shape.size);
    const chunk = chunkOf(bodies);
    let seen = 0;
    const onFrame = (_flags: number, body: Uint8Array) => {
      seen += body.length;
    };
    const decoder = new ZmtpFrameDecoder();
    const reference = new ReferenceZmtpFrameDecoder();
    const group = `zmtp decode ${shape.label}`;
    cases.push({
      group,
      name: "reference",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) reference.feed(chunk, onFrame);
      },
    });
    cases.push({
      group,
      name: "wasm",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) decoder.feed(chunk, onFrame);
      },
    });

    let written = 0;
    const sink = (bytes: Uint8Array) => {
      written += bytes.length;
    };
    const encoder = new ZmtpFrameEncoder();
    const refEncoder = new ReferenceZmtpFrameEncoder();
    const egroup = `zmtp encode ${
      shape.label.replace("chunk", "burst").replace("chunks", "bursts")
    }`;
    cases.push({
      group: egroup,
      name: "reference",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) {
          for (let i = 0; i < bodies.length; i++) refEncoder.add(bodies[i]!, i % 4 === 3 ? 0 : 1);
          refEncoder.flush(sink);
        }
      },
    });
    cases.push({
      group: egroup,
      name: "wasm",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) {
          for (let i = 0; i < bodies.length; i++) encoder.add(bodies[i]!, i % 4 === 3 ? 0 : 1);
          encoder.flush(sink);
        }
      },
    });
  }
  return cases;
}

/** The ZMTP rows. */
export const cases: BenchCase[] = rows();
