/**
 * The streaming pomelo/nano decoder: one wasm call per window of a received chunk decodes
 * every complete packet and, for DATA packets, the message header.
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";
import { WeftError } from "../core/errors.ts";
import type { RouteDictionary } from "./route_dictionary.ts";
import {
  type MessageType,
  type PacketType,
  PomeloLimits,
  type PomeloMessage,
  type PomeloSink,
} from "./pomelo_types.ts";
import {
  ENTRY_WORDS,
  INDEX_CAP,
  MAX_HEADER,
  type PomeloScratch,
  pomeloScratch,
  WINDOW,
} from "./pomelo_shared.ts";

const utf8 = new TextDecoder();
/** Packets with bodies above this are decoded in place rather than copied into the window. */
const AROUND = 8192;
/** Header bytes copied by hand before asking wasm; a longer header costs a second call. */
const HEADER_GUESS = 16;
const NO_BYTES = new Uint8Array(0);

/**
 * Builds the message of the index entry at words[e]; offsets are relative to `base` in `src`,
 * and the packet ends at `end`.
 */
function message(
  s: PomeloScratch,
  words: Int32Array,
  e: number,
  src: Uint8Array,
  base: number,
  end: number,
  byCode: readonly (string | undefined)[] | undefined,
): PomeloMessage {
  const flags = words[e + 3]!;
  const type = (flags >> 1) & 7;
  const id = (words[e + 4]! >>> 0) + words[e + 5]! * 0x100000000;
  const bodyStart = base + words[e + 6]!;
  let route = "";
  if (type !== 2) {
    const code = words[e + 7]!;
    if (code !== 0) route = byCode![code - 1]!;
    else {
      // Outside the dictionary: from the intern cache while its stamp still matches, else
      // decoded once and cached.
      const packed = words[e + 9]!;
      const slot = packed >>> 8;
      const stamp = words[e + 10]!;
      if (stamp !== 0 && s.stamps[slot] === stamp) route = s.strings[slot]!;
      else {
        const start = base + words[e + 8]!;
        route = utf8.decode(src.subarray(start, start + (packed & 0xff)));
        if (stamp !== 0) {
          s.stamps[slot] = stamp;
          s.strings[slot] = route;
        }
      }
    }
  }
  return { type: type as MessageType, id, route, body: src.subarray(bodyStart, end), flags };
}

/**
 * Options of {@link PomeloDecoder}.
 *
 * @example
 * ```ts
 * import { PomeloDecoder, type PomeloDecoderOptions } from "./pomelo_decoder.ts";
 * import { encodePacket } from "./pomelo_encoder.ts";
 * import { CodecStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 * const options: PomeloDecoderOptions = { maxBody: 16 }; // refuse anything larger
 * const dec = new PomeloDecoder(options);
 * const sink = { packet() {}, message() {} };
 * assert.equal(dec.feed(encodePacket(3, new Uint8Array(16)), sink), 0);
 * assert.equal(dec.feed(encodePacket(3, new Uint8Array(17)), sink), CodecStatus.TOO_LARGE);
 * ```
 */
export interface PomeloDecoderOptions {
  /** Largest accepted packet body (default 64 KiB like nano; at most 2^24 − 1). */
  readonly maxBody?: number;
  /** Expands compressed routes; without one, a compressed route is UNKNOWN_ROUTE. */
  readonly dictionary?: RouteDictionary;
  /** The codec instance (default: the dictionary's, else the shared one). */
  readonly codec?: Codec;
}

/**
 * Decodes a stream of pomelo packets fed in arbitrary chunks. Holds no wasm memory of its
 * own between calls (only a few JS fields, plus an exact-size buffer while a packet spans
 * chunks), so thousands of idle connections cost next to nothing.
 *
 * `feed` reports packets to the sink in wire order and returns 0, or a negative
 * {@link CodecStatus} once the stream is bad (sticky: later feeds return it again). Packets
 * before the bad one are still reported. Bodies are views into the fed chunk (or into the
 * assembled buffer), not copies.
 *
 * @example
 * ```ts
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import assert from "node:assert/strict";
 * const routes: string[] = [];
 * const dec = new PomeloDecoder();
 * const sink = { packet: () => {}, message: (m: { route: string }) => routes.push(m.route) };
 * const bytes = [4, 0, 0, 14, 0, 1, 9, ...new TextEncoder().encode("Room.Join{}")];
 * assert.equal(dec.feed(new Uint8Array(bytes.slice(0, 6)), sink), 0);
 * assert.equal(dec.feed(new Uint8Array(bytes.slice(6)), sink), 0);
 * assert.deepEqual(routes, ["Room.Join"]);
 * ```
 */
export class PomeloDecoder {
  #s: PomeloScratch;
  #maxBody: number;
  #dictionary: RouteDictionary | undefined;
  #failed = 0;
  #refusedLength: number | undefined;
  // Up to 3 bytes of a packet header that ended a chunk: count and big-endian value.
  #headCount = 0;
  #headValue = 0;
  // A packet body spanning chunks, filled in place.
  #body: Uint8Array | undefined;
  #bodyType = 0;
  #filled = 0;

  /** Throws `WeftError("EINVAL")` for a bad `maxBody` or a dictionary of another codec. */
  constructor(options: PomeloDecoderOptions = {}) {
    const maxBody = options.maxBody ?? PomeloLimits.DEFAULT_MAX_BODY;
    if (!Number.isInteger(maxBody) || maxBody < 0 || maxBody > PomeloLimits.MAX_BODY) {
      throw new WeftError("EINVAL", `maxBody: expected an integer in 0..16777215, got ${maxBody}`);
    }
    const codec = options.codec ?? options.dictionary?.codec ?? sharedCodec();
    if (options.dictionary && options.dictionary.codec !== codec) {
      throw new WeftError("EINVAL", "the dictionary lives in another codec instance");
    }
    this.#s = pomeloScratch(codec);
    this.#maxBody = maxBody;
    this.#dictionary = options.dictionary;
  }

  /** Feeds one chunk; returns 0 or a negative {@link CodecStatus}. */
  feed(chunk: Uint8Array, sink: PomeloSink): number {
    if (this.#failed) return this.#failed;
    const n = chunk.length;
    let off = 0;
    if (this.#headCount > 0) {
      while (this.#headCount < 4 && off < n) {
        this.#headValue = this.#headValue * 256 + chunk[off++]!;
        this.#headCount++;
      }
      if (this.#headCount < 4) return 0;
      this.#headCount = 0;
      const type = Math.floor(this.#headValue / 0x1000000);
      const length = this.#headValue % 0x1000000;
      if (type < 1 || type > 5) return this.#fail(CodecStatus.BAD_TYPE);
      if (length > this.#maxBody) return this.#refuse(length);
      this.#body = length === 0 ? NO_BYTES : new Uint8Array(length);
      this.#bodyType = type;
      this.#filled = 0;
    }
    if (this.#body) {
      const body = this.#body;
      const take = Math.min(body.length - this.#filled, n - off);
      if (take > 0) body.set(chunk.subarray(off, off + take), this.#filled);
      this.#filled += take;
      off += take;
      if (this.#filled < body.length) return 0;
      this.#body = undefined;
      const r = this.#whole(this.#bodyType, body, 0, body.length, sink);
      if (r < 0) return this.#fail(r);
    }
    const s = this.#s;
    const u8 = s.codec.u8;
    const i32 = s.codec.i32;
    const maxBody = this.#maxBody;
    const dict = this.#dictionary;
    const dictPtr = dict?.pointer ?? 0;
    const byCode = dict?.routesByCode;
    while (off < n) {
      const rem = n - off;
      if (rem < 4) {
        this.#carryHead(chunk, off);
        return 0;
      }
      // A run of complete small packets goes to wasm in one copy; JS reads only the lengths.
      // Larger packets are decoded where they lie, so their bodies are never copied.
      const limit = rem < WINDOW ? n : off + WINDOW;
      let p = off;
      while (limit - p >= 4) {
        const len = (chunk[p + 1]! << 16) | (chunk[p + 2]! << 8) | chunk[p + 3]!;
        if (len > AROUND || limit - p - 4 < len) break;
        p += 4 + len;
      }
      if (p === off) {
        // One packet on its own: large, incomplete, or with a bad header.
        const type = chunk[off]!;
        const length = (chunk[off + 1]! << 16) | (chunk[off + 2]! << 8) | chunk[off + 3]!;
        if (type < 1 || type > 5) return this.#fail(CodecStatus.BAD_TYPE);
        if (length > maxBody) return this.#refuse(length);
        if (length + 4 > rem) {
          // It runs past this chunk: assemble its body in an exact-size buffer.
          const body = new Uint8Array(length);
          body.set(chunk.subarray(off + 4, n));
          this.#body = body;
          this.#bodyType = type;
          this.#filled = n - off - 4;
          return 0;
        }
        // Read where it lies: one view of the chunk for the body, none for the packet.
        const r = this.#whole(type, chunk, off + 4, off + 4 + length, sink);
        if (r < 0) return this.#fail(r);
        off += 4 + length;
        continue;
      }
      const run = p - off;
      u8.set(off === 0 && run === n ? chunk : chunk.subarray(off, p), s.window);
      const epoch = ++s.epoch;
      const r = s.fn.pomelo_decode(
        s.window,
        run,
        s.index,
        INDEX_CAP,
        s.status,
        maxBody,
        dictPtr,
        s.cache,
      );
      const st = s.status >> 2;
      const consumed = i32[st]!;
      const count = r < 0 ? i32[st + 3]! : r;
      let resume = -1;
      for (let k = 0, e = s.index >> 2; k < count; k++, e += ENTRY_WORDS) {
        const type = i32[e]!;
        const start = off + i32[e + 1]!;
        const end = start + i32[e + 2]!;
        if (type === 4) sink.message(message(s, i32, e, chunk, off, end, byCode));
        else sink.packet(type as PacketType, chunk.subarray(start, end));
        // A sink that fed another decoder on this codec overwrote the index: decode again
        // from the next packet.
        if (s.epoch !== epoch) {
          resume = end;
          break;
        }
      }
      if (resume >= 0) {
        off = resume;
        continue;
      }
      if (r === CodecStatus.TOO_LARGE) {
        // Status word 0 is the offending packet's offset in the run.
        const at = off + consumed;
        return this.#refuse((chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!);
      }
      if (r < 0) return this.#fail(r);
      off += consumed;
    }
    return 0;
  }

  /** The largest packet body accepted, in bytes. */
  get maxBody(): number {
    return this.#maxBody;
  }

  /** After a `TOO_LARGE` failure: the body length the refused packet header claimed. */
  get refusedLength(): number | undefined {
    return this.#refusedLength;
  }

  #refuse(length: number): number {
    this.#refusedLength = length;
    return this.#fail(CodecStatus.TOO_LARGE);
  }

  /** Whether the decoder sits between packets (no partial header or body held). */
  get idle(): boolean {
    return this.#headCount === 0 && this.#body === undefined;
  }

  #carryHead(chunk: Uint8Array, off: number): void {
    let v = 0;
    for (let i = off; i < chunk.length; i++) v = v * 256 + chunk[i]!;
    this.#headValue = v;
    this.#headCount = chunk.length - off;
  }

  // Reports a packet whose whole body, src[start, end), is in hand (outside the window).
  #whole(type: number, src: Uint8Array, start: number, end: number, sink: PomeloSink): number {
    if (type !== 4) {
      sink.packet(type as PacketType, src.subarray(start, end));
      return 0;
    }
    const size = end - start;
    const s = this.#s;
    const u8 = s.codec.u8;
    const dict = this.#dictionary;
    const dictPtr = dict?.pointer ?? 0;
    // Most headers are short: copy a few bytes by hand, all 262 only when wasm asks.
    let h = size < HEADER_GUESS ? size : HEADER_GUESS;
    for (let i = 0; i < h; i++) u8[s.header + i] = src[start + i]!;
    let r = s.fn.pomelo_decode_message(s.header, h, size, s.entry, dictPtr, s.cache);
    if (r === 1) {
      h = size < MAX_HEADER ? size : MAX_HEADER;
      u8.set(src.subarray(start, start + h), s.header);
      r = s.fn.pomelo_decode_message(s.header, h, size, s.entry, dictPtr, s.cache);
    }
    if (r < 0) return r;
    const m = message(s, s.codec.i32, s.entry >> 2, src, start, end, dict?.routesByCode);
    sink.message(m);
    return 0;
  }

  #fail(status: number): number {
    this.#failed = status;
    this.#body = undefined;
    return status;
  }
}
