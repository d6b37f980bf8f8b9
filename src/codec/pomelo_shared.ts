/**
 * The per-codec scratch of the pomelo codec: named regions of linear memory shared by every
 * decoder and encoder on one {@link Codec} (all calls are synchronous, so sharing is safe), the
 * typed exports, and the JS half of the route intern cache.
 * @module
 */

import type { Codec } from "./wasm.ts";

/** The pomelo routines of the wasm module (wasm/assembly/pomelo.ts). */
export interface PomeloExports {
  pomelo_decode(
    inp: number,
    len: number,
    idx: number,
    cap: number,
    st: number,
    maxBody: number,
    dict: number,
    cache: number,
  ): number;
  pomelo_decode_message(
    inp: number,
    avail: number,
    total: number,
    entry: number,
    dict: number,
    cache: number,
  ): number;
  pomelo_encode(desc: number, count: number, out: number, cap: number, st: number): number;
}

/** i32 words per decode index entry (wasm/assembly/pomelo.ts ENTRY_WORDS). */
export const ENTRY_WORDS = 12;
/** i32 words per encode descriptor (wasm/assembly/pomelo.ts ENC_WORDS). */
export const ENC_WORDS = 8;
/** Bytes of input decoded per wasm call; larger packets are handled without the window. */
export const WINDOW = 64 * 1024;
/** Index entries per call (a window of empty packets needs WINDOW / 4; we loop instead). */
export const INDEX_CAP = 2048;
/** A message header never exceeds flag + 5-byte id + 1 + 255 route bytes. */
export const MAX_HEADER = 262;
/** Descriptors per encode call. */
export const DESC_CAP = 1024;
/** Bytes of bodies and routes copied into wasm per encode call. */
export const ENC_INPUT = 64 * 1024;
/** Output of one encode call: every input byte plus the largest possible headers. */
export const ENC_OUTPUT = ENC_INPUT + DESC_CAP * (4 + MAX_HEADER);
/** Route intern cache slots (wasm/assembly/pomelo_routes.ts CACHE_SLOTS). */
export const CACHE_SLOTS = 256;
const CACHE_BYTES = 4 + CACHE_SLOTS * 264;

/** Scratch pointers and caches of one codec instance. */
export interface PomeloScratch {
  readonly codec: Codec;
  readonly fn: PomeloExports;
  readonly window: number;
  readonly index: number;
  readonly status: number;
  readonly entry: number;
  readonly header: number;
  readonly cache: number;
  readonly desc: number;
  readonly input: number;
  readonly output: number;
  /** Bumped by every decode call, so a decoder notices when a sink re-entered the codec. */
  epoch: number;
  /** Stamp of the string held for each cache slot (0: none). */
  readonly stamps: Int32Array;
  /** The decoded route of each cache slot. */
  readonly strings: string[];
}

// One scratch per codec instance, made on first use. Keyed weakly by the instance, so it adds
// no global state beyond what the codec itself already is.
const scratches = new WeakMap<Codec, PomeloScratch>();

/**
 * The pomelo scratch of `codec`, created on first use.
 *
 * @example
 * ```ts
 * import { pomeloScratch } from "./pomelo_shared.ts";
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { Codec } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const codec = new Codec(); // isolated wasm memory
 * const scratch = pomeloScratch(codec); // what every pomelo decoder on `codec` works in
 * const before = scratch.epoch;
 * const data = new Uint8Array([4, 0, 0, 5, 2, 1, 0x61, 0x7b, 0x7d]); // NOTIFY a {}
 * assert.equal(new PomeloDecoder({ codec }).feed(data, { packet() {}, message() {} }), 0);
 * assert.equal(scratch.epoch, before + 1); // one wasm decode call in this codec's scratch
 * ```
 */
export function pomeloScratch(codec: Codec): PomeloScratch {
  let s = scratches.get(codec);
  if (s) return s;
  const cache = codec.region("pomelo.route_cache", CACHE_BYTES).ptr;
  codec.u8.fill(0, cache, cache + CACHE_BYTES);
  s = {
    codec,
    fn: codec.exports as unknown as PomeloExports,
    window: codec.region("pomelo.window", WINDOW).ptr,
    index: codec.region("pomelo.index", INDEX_CAP * ENTRY_WORDS * 4).ptr,
    status: codec.region("pomelo.status", 16).ptr,
    entry: codec.region("pomelo.entry", ENTRY_WORDS * 4).ptr,
    header: codec.region("pomelo.header", MAX_HEADER).ptr,
    cache,
    desc: codec.region("pomelo.desc", DESC_CAP * ENC_WORDS * 4).ptr,
    input: codec.region("pomelo.enc_input", ENC_INPUT).ptr,
    output: codec.region("pomelo.enc_output", ENC_OUTPUT).ptr,
    epoch: 0,
    stamps: new Int32Array(CACHE_SLOTS),
    strings: new Array<string>(CACHE_SLOTS).fill(""),
  };
  scratches.set(codec, s);
  return s;
}
