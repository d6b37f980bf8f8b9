/**
 * SP (nanomsg/nng) message framing over the wasm codec core. tcp: `length(u64 BE) payload`;
 * ipc: `type(1) = 1, length(u64 BE) payload`. The payload is the SP protocol header (e.g. a
 * REQ id) followed by the body. The 8-byte connection header belongs to the protocol layer.
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { ChunkDecoder, Framing } from "./_frame_decoder.ts";
import { type FrameSink, Layout, type LayoutSpec } from "./_frame_encoder.ts";
import type { ByteRing } from "./ring.ts";

export type { FrameSink } from "./_frame_encoder.ts";

/** The wasm routines of the SP family (see wasm/assembly/sp.ts). */
export interface SpExports {
  sp_decode(
    inp: number,
    len: number,
    avail: number,
    idx: number,
    cap: number,
    maxBody: number,
    ipc: number,
    st: number,
  ): number;
  sp_encode(idx: number, count: number, out: number, ipc: number): number;
}

/** Options of {@link SpFrameDecoder}. */
export interface SpFrameDecoderOptions {
  /** ipc framing (type byte before the length) instead of tcp. */
  ipc: boolean;
  /** The largest payload accepted, in bytes (u32; default 0xFFFFFFFF: anything below 4 GiB). */
  maxBody?: number;
  /** The codec instance to use (default: the shared one). */
  codec?: Codec;
}

/**
 * Decodes an SP message stream chunk by chunk, with one wasm call per window of a chunk (up to
 * 64 KiB and 4096 messages). Payloads lying wholly inside the chunk are views of it; a payload
 * split across chunks arrives as one exact-size buffer filled as its chunks arrive. Bad input
 * (`BAD_TYPE` for an ipc type byte other than 1, `TOO_LARGE`) makes `feed` return a negative
 * {@link CodecStatus} after delivering the messages before it; the decoder stays failed.
 *
 * @example
 * ```ts
 * import { SpFrameDecoder } from "./sp.ts";
 * import assert from "node:assert/strict";
 * const dec = new SpFrameDecoder({ ipc: false });
 * const got: number[][] = [];
 * assert.equal(dec.feed(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2, 7, 8]), (p) => got.push([...p])), 0);
 * assert.deepEqual(got, [[7, 8]]);
 * ```
 */
export class SpFrameDecoder {
  readonly #core: ChunkDecoder;

  /** Makes a decoder; see {@link SpFrameDecoderOptions}. */
  constructor(options: SpFrameDecoderOptions) {
    const codec = options.codec ?? sharedCodec();
    const fn = codec.exports as unknown as SpExports;
    // Passed as an i32 (the wasm side reads it as u32): a number above 2^31 would cross as a
    // double, which costs ten times more per call on JavaScriptCore.
    const maxBody = (options.maxBody ?? 0xffffffff) | 0;
    const ipc = options.ipc ? 1 : 0;
    this.#core = new ChunkDecoder(
      codec,
      (inp, len, avail, idx, cap, st) => fn.sp_decode(inp, len, avail, idx, cap, maxBody, ipc, st),
      options.ipc ? Framing.SP_IPC : Framing.SP_TCP,
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

  /** Bytes held between chunks: a partial header, or the received part of a partial payload. */
  get pending(): number {
    return this.#core.pending;
  }

  /**
   * Decodes `chunk`, calling `onMessage(payload)` for every complete message. Returns 0, or a
   * negative {@link CodecStatus} (sticky: later calls return it again).
   */
  feed(chunk: Uint8Array, onMessage: (payload: Uint8Array) => void): number {
    return this.#core.feed(chunk, onMessage);
  }
}

/** Options of {@link SpFrameEncoder}. */
export interface SpFrameEncoderOptions {
  /** ipc framing (type byte before the length) instead of tcp. */
  ipc: boolean;
  /** The codec instance to use (default: the shared one). */
  codec?: Codec;
  /**
   * The most bytes handed to one `write` when copying (default and maximum 256 KiB). A message
   * too large for it is written as its length header and protocol header, then the body as is.
   */
  bufferSize?: number;
}

/**
 * Encodes bursts of SP messages. Each message is an optional protocol header (REQ id,
 * backtrace…) and a body, sent back to back under one length so the protocol layer never
 * concatenates them. `add` stages (no copy), `flush` lays the burst out in shared scratch,
 * writes every length header with one wasm call, and hands owned buffers to the sink (a
 * function or a {@link ByteRing}). String bodies are encoded straight into the scratch.
 *
 * @example
 * ```ts
 * import { SpFrameEncoder } from "./sp.ts";
 * import assert from "node:assert/strict";
 * const enc = new SpFrameEncoder({ ipc: true });
 * enc.add("hi", new Uint8Array([0x80, 0, 0, 1]));
 * const writes: Uint8Array[] = [];
 * enc.flush((bytes) => writes.push(bytes));
 * assert.deepEqual([...writes[0]!], [1, 0, 0, 0, 0, 0, 0, 0, 6, 0x80, 0, 0, 1, 104, 105]);
 * ```
 */
export class SpFrameEncoder {
  readonly #layout: Layout;
  readonly #spec: LayoutSpec;
  #bodies: Array<Uint8Array | string> = [];
  #headers: Array<Uint8Array | undefined> = [];
  #spareBodies: Array<Uint8Array | string> = [];
  #spareHeaders: Array<Uint8Array | undefined> = [];
  #flushing: Array<Uint8Array | undefined> = [];

  /** Makes an encoder; see {@link SpFrameEncoderOptions}. */
  constructor(options: SpFrameEncoderOptions) {
    const codec = options.codec ?? sharedCodec();
    const fn = codec.exports as unknown as SpExports;
    this.#layout = new Layout(codec, options.bufferSize);
    const ipc = options.ipc ? 1 : 0;
    const hdr = options.ipc ? 9 : 8;
    this.#spec = {
      header: () => hdr,
      guess: () => hdr,
      entry: (i32, w, _i, size, at) => {
        i32[w] = size;
        i32[w + 1] = at;
      },
      encode: (idx, count, out) => fn.sp_encode(idx, count, out, ipc),
      prefix: (i) => this.#flushing[i],
    };
  }

  /** Messages staged and not yet flushed. */
  get pending(): number {
    return this.#bodies.length;
  }

  /** Stages one message: `header` (if any) then `body`, under one length. */
  add(body: Uint8Array | string, header?: Uint8Array): void {
    this.#bodies.push(body);
    this.#headers.push(header);
  }

  /** Encodes every staged message into `sink`; returns the number of bytes written. */
  flush(sink: FrameSink | ByteRing): number {
    const bodies = this.#bodies;
    const headers = this.#headers;
    if (bodies.length === 0) return 0;
    this.#bodies = this.#spareBodies;
    this.#headers = this.#spareHeaders;
    this.#flushing = headers;
    try {
      return this.#layout.run(bodies, sink, this.#spec, 2);
    } finally {
      bodies.length = 0;
      headers.length = 0;
      this.#spareBodies = bodies;
      this.#spareHeaders = headers;
    }
  }
}
