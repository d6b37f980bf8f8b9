/**
 * ZMTP 3.x framing over the wasm codec core: a chunk decoder that hands frames to a callback
 * and a burst encoder. `frame = flags(1) size(1 | 8) body`; flags MORE 0x01, LONG 0x02,
 * COMMAND 0x04, the other bits reserved. The greeting and commands' contents belong to the
 * protocol layer.
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { ChunkDecoder, Framing } from "./_frame_decoder.ts";
import { type FrameSink, Layout, type LayoutSpec } from "./_frame_encoder.ts";
import type { ByteRing } from "./ring.ts";
import { WeftError } from "../core/errors.ts";

export type { FrameSink } from "./_frame_encoder.ts";

/**
 * ZMTP frame flag bits as they appear on the wire.
 *
 * @example
 * ```ts
 * import { ZmtpFlag, ZmtpFrameDecoder, ZmtpFrameEncoder } from "./zmtp.ts";
 * import assert from "node:assert/strict";
 * const enc = new ZmtpFrameEncoder();
 * enc.add("topic", ZmtpFlag.MORE); // another frame of this message follows
 * enc.add("x".repeat(300)); // the last frame; over 255 bytes, so the encoder sets LONG
 * const wire: Uint8Array[] = [];
 * enc.flush((bytes) => wire.push(bytes));
 * assert.equal(wire[0]![7], ZmtpFlag.LONG); // after the 2 + 5 bytes of the first frame
 * const frames: string[] = [];
 * new ZmtpFrameDecoder().feed(wire[0]!, (flags, body) => frames.push(`${flags}:${body.length}`));
 * assert.deepEqual(frames, [`${ZmtpFlag.MORE}:5`, "0:300"]); // LONG is the decoder's business
 * ```
 */
export const ZmtpFlag = {
  /** More frames of this message follow. */
  MORE: 0x01,
  /** The size field is 8 bytes (set by the encoder when the body is over 255 bytes). */
  LONG: 0x02,
  /** A command frame (never with MORE). */
  COMMAND: 0x04,
} as const;

/** The wasm routines of the ZMTP family (see wasm/assembly/zmtp.ts). */
export interface ZmtpExports {
  zmtp_decode(
    inp: number,
    len: number,
    avail: number,
    idx: number,
    cap: number,
    maxBody: number,
    st: number,
  ): number;
  zmtp_encode(idx: number, count: number, out: number, st: number): number;
}

/** Options of {@link ZmtpFrameDecoder}. */
export interface ZmtpFrameDecoderOptions {
  /** The largest body accepted, in bytes (u32; default 0xFFFFFFFF: anything below 4 GiB). */
  maxBody?: number;
  /** The codec instance to use (default: the shared one). */
  codec?: Codec;
}

/**
 * Decodes a ZMTP frame stream chunk by chunk, with one wasm call per window of a chunk (up to
 * 64 KiB and 4096 frames), never one per frame.
 *
 * Frames come out in order. A body lying wholly inside the chunk is a view of the chunk (the
 * transport hands over owned chunks, so no copy is made); a body split across chunks arrives as
 * one exact-size buffer, filled as its chunks arrive. Flags are passed without LONG (0, MORE,
 * COMMAND). Bad input makes `feed` return a negative {@link CodecStatus} (frames before the
 * bad one are still delivered) and the decoder stays failed; it never throws for bad input.
 * Not re-entrant on one instance: do not feed a decoder from its own callback.
 *
 * @example
 * ```ts
 * import { ZmtpFrameDecoder } from "./zmtp.ts";
 * import { CodecStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 * const dec = new ZmtpFrameDecoder({ maxBody: 1000 });
 * const got: string[] = [];
 * const onFrame = (flags: number, body: Uint8Array) => got.push(`${flags}:${body.length}`);
 * assert.equal(dec.feed(new Uint8Array([1, 2, 65, 66, 0]), onFrame), 0);
 * assert.equal(dec.pending, 1); // half a header waits for the next chunk
 * assert.equal(dec.feed(new Uint8Array([1, 67]), onFrame), 0);
 * assert.deepEqual(got, ["1:2", "0:1"]);
 * assert.equal(dec.feed(new Uint8Array([0x08, 0]), onFrame), CodecStatus.BAD_FLAGS);
 * ```
 */
export class ZmtpFrameDecoder {
  readonly #core: ChunkDecoder;

  /** Makes a decoder; see {@link ZmtpFrameDecoderOptions}. */
  constructor(options: ZmtpFrameDecoderOptions = {}) {
    const codec = options.codec ?? sharedCodec();
    const fn = codec.exports as unknown as ZmtpExports;
    // Passed as an i32 (the wasm side reads it as u32): a number above 2^31 would cross as a
    // double, which costs ten times more per call on JavaScriptCore.
    const maxBody = (options.maxBody ?? 0xffffffff) | 0;
    this.#core = new ChunkDecoder(
      codec,
      (inp, len, avail, idx, cap, st) => fn.zmtp_decode(inp, len, avail, idx, cap, maxBody, st),
      Framing.ZMTP,
      maxBody,
    );
  }

  /**
   * After `feed` returned `TOO_LARGE`: the exact length the refused header claimed (a bigint:
   * the wire field is 64 bits), or undefined; `describeTooLarge` (status.ts) words it.
   */
  get refusedLength(): bigint | undefined {
    return this.#core.refusedLength;
  }

  /** Bytes held between chunks: a partial header, or the received part of a partial body. */
  get pending(): number {
    return this.#core.pending;
  }

  /**
   * Decodes `chunk`, calling `onFrame(flags, body)` for every complete frame. Returns 0, or a
   * negative {@link CodecStatus} (sticky: later calls return it again).
   */
  feed(chunk: Uint8Array, onFrame: (flags: number, body: Uint8Array) => void): number {
    return this.#core.feed(chunk, onFrame);
  }
}

/** Options of {@link ZmtpFrameEncoder}. */
export interface ZmtpFrameEncoderOptions {
  /** The codec instance to use (default: the shared one). */
  codec?: Codec;
  /**
   * The most bytes handed to one `write` when copying (default and maximum 256 KiB). A frame
   * too large for it is written as its header followed by the caller's body, uncopied.
   */
  bufferSize?: number;
}

/**
 * Encodes bursts of ZMTP frames: `add` stages frames (no copy, no wasm memory held), `flush`
 * lays the burst out in the codec's shared scratch, writes every header with one wasm call,
 * and hands the bytes to the sink as one owned buffer per `bufferSize` bytes.
 *
 * String bodies are encoded as UTF-8 straight into the scratch (no intermediate buffer).
 * A body too large for the buffer is handed to the sink as is, after its header: keep it
 * unchanged until the transport has written it. The sink may be a function or a
 * {@link ByteRing} (bursts are then copied into the ring inside linear memory).
 *
 * @example
 * ```ts
 * import { ZmtpFlag, ZmtpFrameEncoder } from "./zmtp.ts";
 * import assert from "node:assert/strict";
 * const enc = new ZmtpFrameEncoder();
 * enc.add(new Uint8Array([1, 2]), ZmtpFlag.MORE);
 * enc.add("hi");
 * const writes: Uint8Array[] = [];
 * assert.equal(enc.flush((bytes) => writes.push(bytes)), 8);
 * assert.deepEqual([...writes[0]!], [1, 2, 1, 2, 0, 2, 104, 105]);
 * ```
 */
export class ZmtpFrameEncoder {
  readonly #layout: Layout;
  readonly #fn: ZmtpExports;
  #bodies: Array<Uint8Array | string> = [];
  #flags: number[] = [];
  #spareBodies: Array<Uint8Array | string> = [];
  #spareFlags: number[] = [];
  #flushing: number[] = [];
  readonly #spec: LayoutSpec;

  /** Makes an encoder; see {@link ZmtpFrameEncoderOptions}. */
  constructor(options: ZmtpFrameEncoderOptions = {}) {
    const codec = options.codec ?? sharedCodec();
    this.#fn = codec.exports as unknown as ZmtpExports;
    this.#layout = new Layout(codec, options.bufferSize);
    const fn = this.#fn;
    this.#spec = {
      header: (size) => size <= 255 ? 2 : 9,
      // A string of more than 255 UTF-16 units has more than 255 bytes.
      guess: (units) => units > 255 ? 9 : 2,
      entry: (i32, w, i, size, at) => {
        i32[w] = this.#flushing[i]!;
        i32[w + 1] = size;
        i32[w + 2] = at;
      },
      encode: (idx, count, out, st) => fn.zmtp_encode(idx, count, out, st),
    };
  }

  /** Frames staged and not yet flushed. */
  get pending(): number {
    return this.#bodies.length;
  }

  /**
   * Stages one frame. `flags` may hold `ZmtpFlag.MORE` or `ZmtpFlag.COMMAND` (not both);
   * anything else throws `WeftError("EINVAL")` (a caller bug, not bad input).
   */
  add(body: Uint8Array | string, flags: number = 0): void {
    if ((flags & ~0x05) !== 0 || flags === 0x05) {
      throw new WeftError(
        "EINVAL",
        `ZMTP frame flags: expected 0, MORE (1) or COMMAND (4), got ${flags}`,
      );
    }
    this.#bodies.push(body);
    this.#flags.push(flags);
  }

  /** Encodes every staged frame into `sink`; returns the number of bytes written. */
  flush(sink: FrameSink | ByteRing): number {
    const bodies = this.#bodies;
    const flags = this.#flags;
    if (bodies.length === 0) return 0;
    // Swap in the spare arrays first, so a sink that stages more frames cannot disturb us.
    this.#bodies = this.#spareBodies;
    this.#flags = this.#spareFlags;
    this.#flushing = flags;
    try {
      return this.#layout.run(bodies, sink, this.#spec, 3);
    } finally {
      bodies.length = 0;
      flags.length = 0;
      this.#spareBodies = bodies;
      this.#spareFlags = flags;
    }
  }
}
