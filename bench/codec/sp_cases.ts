/**
 * Codec benchmark cases for SP (tcp) framing: decode of whole received chunks and encode of
 * bursts of messages with a 4-byte protocol header (a REQ id) before the body, as REQ/REP
 * sends them. wasm-backed face vs the pure-TS reference twin.
 * @module
 */

import type { BenchCase } from "./types.ts";
import { SpFrameDecoder, SpFrameEncoder } from "../../src/codec/sp.ts";
import { ReferenceSpFrameDecoder, ReferenceSpFrameEncoder } from "../../src/codec/_reference/sp.ts";

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
  /** Messages per chunk (decode) or per burst (encode). */
  count: number;
  /** Body bytes (the payload adds a 4-byte protocol header). */
  size: number;
  /** Chunks / bursts per iteration. */
  repeat: number;
}

const SHAPES: Shape[] = [
  { label: "16 B ×2340 (one 64 KiB chunk)", count: 2340, size: 16, repeat: 1 },
  { label: "1 KiB ×63 (one 64 KiB chunk)", count: 63, size: 1024, repeat: 1 },
  { label: "64 KiB ×1 (16 chunks of one message)", count: 1, size: 65536, repeat: 16 },
];

function rows(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of SHAPES) {
    const bodies = Array.from(
      { length: shape.count },
      (_, i) => new Uint8Array(shape.size).fill(i),
    );
    const headers = bodies.map((_, i) => new Uint8Array([0x80, 0, i >> 8, i & 255]));
    const build = new ReferenceSpFrameEncoder({ ipc: false });
    bodies.forEach((b, i) => build.add(b, headers[i]));
    const writes: Uint8Array[] = [];
    build.flush((w) => writes.push(w));
    const chunk = concat(writes);

    let seen = 0;
    const onMessage = (payload: Uint8Array) => {
      seen += payload.length;
    };
    const decoder = new SpFrameDecoder({ ipc: false });
    const reference = new ReferenceSpFrameDecoder({ ipc: false });
    const group = `sp decode ${shape.label}`;
    cases.push({
      group,
      name: "reference",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) reference.feed(chunk, onMessage);
      },
    });
    cases.push({
      group,
      name: "wasm",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) decoder.feed(chunk, onMessage);
      },
    });

    let written = 0;
    const sink = (bytes: Uint8Array) => {
      written += bytes.length;
    };
    const encoder = new SpFrameEncoder({ ipc: false });
    const refEncoder = new ReferenceSpFrameEncoder({ ipc: false });
    const egroup = `sp encode ${shape.label.replace("chunks", "bursts").replace("chunk", "burst")}`;
    cases.push({
      group: egroup,
      name: "reference",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) {
          for (let i = 0; i < bodies.length; i++) refEncoder.add(bodies[i]!, headers[i]);
          refEncoder.flush(sink);
        }
      },
    });
    cases.push({
      group: egroup,
      name: "wasm",
      fn: () => {
        for (let r = 0; r < shape.repeat; r++) {
          for (let i = 0; i < bodies.length; i++) encoder.add(bodies[i]!, headers[i]);
          encoder.flush(sink);
        }
      },
    });
  }
  return cases;
}

/** The SP rows. */
export const cases: BenchCase[] = rows();
