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
const NO_BYTES = new Uint8Array(0);

/** Options of {@link PomeloDecoder}. */
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
      if (length > this.#maxBody) return this.#fail(CodecStatus.TOO_LARGE);
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
      const r = this.#whole(this.#bodyType, body, sink);
      if (r < 0) return this.#fail(r);
    }
    const s = this.#s;
    const u8 = s.codec.u8;
    const i32 = s.codec.i32;
    const dict = this.#dictionary?.pointer ?? 0;
    while (off < n) {
      const rem = n - off;
      if (rem < 4) {
        this.#carryHead(chunk, off);
        return 0;
      }
      const win = rem < WINDOW ? rem : WINDOW;
      u8.set(off === 0 && win === n ? chunk : chunk.subarray(off, off + win), s.window);
      const r = s.fn.pomelo_decode(
        s.window,
        win,
        s.index,
        INDEX_CAP,
        s.status,
        this.#maxBody,
        dict,
        s.cache,
      );
      const st = s.status >> 2;
      const consumed = i32[st]!;
      const count = r < 0 ? i32[st + 3]! : r;
      const partialType = i32[st + 1]!;
      const partialLength = i32[st + 2]!;
      if (count > 0) {
        // Copied out: a sink may feed another decoder on this codec, reusing the index.
        const base = s.index >> 2;
        const entries = i32.slice(base, base + count * ENTRY_WORDS);
        for (let e = 0; e < entries.length; e += ENTRY_WORDS) {
          const type = entries[e]!;
          const start = off + entries[e + 1]!;
          const end = start + entries[e + 2]!;
          if (type === 4) sink.message(this.#message(entries, e, chunk, off, end));
          else sink.packet(type as PacketType, chunk.subarray(start, end));
        }
      }
      if (r < 0) return this.#fail(r);
      off += consumed;
      if (r === INDEX_CAP || off >= n) continue;
      if (partialLength < 0) continue; // header straddles the window end, or < 4 bytes left
      const total = 4 + partialLength;
      if (total <= n - off) {
        if (total <= WINDOW) continue; // next window starts at this packet
        const result = this.#whole(partialType, chunk.subarray(off + 4, off + total), sink);
        if (result < 0) return this.#fail(result);
        off += total;
        continue;
      }
      // The packet runs past this chunk: assemble its body in an exact-size buffer.
      const body = new Uint8Array(partialLength);
      body.set(chunk.subarray(off + 4, n));
      this.#body = body;
      this.#bodyType = partialType;
      this.#filled = n - off - 4;
      return 0;
    }
    return 0;
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

  // Reports a packet whose whole body is in hand (outside the decode window).
  #whole(type: number, body: Uint8Array, sink: PomeloSink): number {
    if (type !== 4) {
      sink.packet(type as PacketType, body);
      return 0;
    }
    const s = this.#s;
    const h = body.length < MAX_HEADER ? body.length : MAX_HEADER;
    s.codec.u8.set(body.subarray(0, h), s.header);
    const r = s.fn.pomelo_decode_message(
      s.header,
      h,
      body.length,
      s.entry,
      this.#dictionary?.pointer ?? 0,
      s.cache,
    );
    if (r < 0) return r;
    const e = s.entry >> 2;
    const words = s.codec.i32.slice(e, e + ENTRY_WORDS);
    sink.message(this.#message(words, 0, body, 0, body.length));
    return 0;
  }

  // Builds the message of the entry at words[e]; offsets are relative to `base` in `src`.
  #message(
    words: Int32Array,
    e: number,
    src: Uint8Array,
    base: number,
    end: number,
  ): PomeloMessage {
    const flags = words[e + 3]!;
    const type = (flags >> 1) & 7;
    const id = (words[e + 4]! >>> 0) + words[e + 5]! * 0x100000000;
    const bodyStart = base + words[e + 6]!;
    let route = "";
    if (type !== 2) {
      const code = words[e + 7]!;
      if (code !== 0) route = this.#dictionary!.routeOf(code - 1)!;
      else route = this.#route(words, e, src, base);
    }
    return { type: type as MessageType, id, route, body: src.subarray(bodyStart, end), flags };
  }

  // An uncompressed route outside the dictionary: from the intern cache when its stamp
  // still matches, else decoded once and cached.
  #route(words: Int32Array, e: number, src: Uint8Array, base: number): string {
    const s = this.#s;
    const packed = words[e + 9]!;
    const slot = packed >>> 8;
    const stamp = words[e + 10]!;
    if (stamp !== 0 && s.stamps[slot] === stamp) return s.strings[slot]!;
    const start = base + words[e + 8]!;
    const route = utf8.decode(src.subarray(start, start + (packed & 0xff)));
    if (stamp !== 0) {
      s.stamps[slot] = stamp;
      s.strings[slot] = route;
    }
    return route;
  }

  #fail(status: number): number {
    this.#failed = status;
    this.#body = undefined;
    return status;
  }
}
