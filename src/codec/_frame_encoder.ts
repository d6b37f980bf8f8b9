/**
 * Internal: the burst layout shared by the ZMTP and SP encoders. Bodies are copied (strings
 * encoded) into the codec's shared encode scratch after a gap for their header; one wasm call
 * then writes every header of the burst; the bytes go to the sink as one owned buffer.
 *
 * A burst is split where the next frame would not fit in `bufferSize` bytes or the index holds
 * {@link MAX_FRAMES_PER_WRITE} frames; a frame that cannot fit even alone is written as its
 * header, then its body uncopied. The reference encoders follow the same rule, so both give the
 * same writes.
 * @module
 */

import type { Codec } from "./wasm.ts";
import type { ByteRing } from "./ring.ts";
import { WeftError } from "../core/errors.ts";

/** The largest (and default) number of bytes per write. */
export const MAX_BUFFER = 256 * 1024;
/** At most this many frames go into one write. */
export const MAX_FRAMES_PER_WRITE = 8192;
const MAX_ENTRY_WORDS = 2;

/** Where encoded bytes go: each call gets a fresh buffer the callee owns. */
export type FrameSink = (bytes: Uint8Array) => void;

/** What differs between the framings. */
export interface LayoutSpec {
  /** The header length for a body of `size` bytes. */
  header(size: number): number;
  /** A header length no larger than the real one, for a string of `units` UTF-16 units. */
  guess(units: number): number;
  /** i32 words per index entry. */
  readonly entryWords: number;
  /** Writes the index entry of item `i` (body size `size`) at word `at`. */
  entry(i32: Int32Array, at: number, i: number, size: number): void;
  /** The wasm header writer: (idx, count, out, headerOnly, status) → bytes. */
  encode(idx: number, count: number, out: number, headerOnly: number, st: number): number;
  /** An optional part sent before the body under the same header (SP protocol header). */
  prefix?(i: number): Uint8Array | undefined;
}

const TEXT = new TextEncoder();

/** Encode scratch bound to one codec, and the layout loop. */
export class Layout {
  readonly #codec: Codec;
  readonly #size: number;
  readonly #out: number;
  readonly #idx: number;
  readonly #st: number;

  constructor(codec: Codec, bufferSize: number = MAX_BUFFER) {
    if (!(bufferSize >= 64 && bufferSize <= MAX_BUFFER)) {
      throw new WeftError("EINVAL", `encoder bufferSize: expected 64..${MAX_BUFFER}, got ${bufferSize}`);
    }
    this.#codec = codec;
    this.#size = bufferSize;
    const r = codec.region(
      "framing.encode",
      MAX_BUFFER + MAX_FRAMES_PER_WRITE * MAX_ENTRY_WORDS * 4 + 16,
    );
    this.#out = r.ptr;
    this.#idx = r.ptr + MAX_BUFFER;
    this.#st = this.#idx + MAX_FRAMES_PER_WRITE * MAX_ENTRY_WORDS * 4;
  }

  /** Encodes `bodies` into `sink`; returns the bytes written. */
  run(bodies: ReadonlyArray<Uint8Array | string>, sink: FrameSink | ByteRing, spec: LayoutSpec) {
    const u8 = this.#codec.u8;
    const i32 = this.#codec.i32;
    const out = this.#out;
    const cap = this.#size;
    const idx = this.#idx;
    const words = spec.entryWords;
    let pos = 0;
    let n = 0;
    let total = 0;
    const deliver = (ptr: number, len: number) => {
      total += len;
      if (typeof sink === "function") sink(u8.slice(ptr, ptr + len));
      else if (sink.writeFrom(ptr, len) < 0) ringFull(sink, len);
    };
    const emit = () => {
      deliver(out, spec.encode(idx, n, out, 0, this.#st));
      pos = 0;
      n = 0;
    };
    for (let i = 0; i < bodies.length; i++) {
      let body = bodies[i]!;
      const prefix = spec.prefix?.(i);
      const plen = prefix === undefined ? 0 : prefix.length;
      if (typeof body === "string") {
        // Encode straight into the scratch; retry once in an empty buffer; else go oversize.
        let placed = false;
        for (;;) {
          if (n === MAX_FRAMES_PER_WRITE) emit();
          const hdr = spec.guess(body.length + plen);
          const start = pos + hdr + plen;
          if (start <= cap) {
            const r = TEXT.encodeInto(body, u8.subarray(out + start, out + cap));
            const size = plen + r.written;
            const real = spec.header(size);
            if (r.read === body.length && pos + real + size <= cap) {
              if (real !== hdr) {
                u8.copyWithin(out + pos + real + plen, out + start, out + start + r.written);
              }
              if (prefix !== undefined) u8.set(prefix, out + pos + real);
              spec.entry(i32, (idx >> 2) + n * words, i, size);
              n++;
              pos += real + size;
              placed = true;
              break;
            }
          }
          if (pos === 0) break;
          emit();
        }
        if (placed) continue;
        body = TEXT.encode(body);
      }
      const size = plen + body.length;
      const hdr = spec.header(size);
      if ((pos + hdr + size > cap || n === MAX_FRAMES_PER_WRITE) && n > 0) emit();
      if (hdr + size > cap) {
        // Too large to copy: its header (and prefix) alone, then the caller's body as is.
        spec.entry(i32, idx >> 2, i, size);
        const h = spec.encode(idx, 1, out, 1, this.#st);
        if (prefix !== undefined) u8.set(prefix, out + h);
        deliver(out, h + plen);
        total += body.length;
        if (typeof sink === "function") sink(body);
        else if (sink.write(body) < 0) ringFull(sink, body.length);
        continue;
      }
      if (prefix !== undefined) u8.set(prefix, out + pos + hdr);
      u8.set(body, out + pos + hdr + plen);
      spec.entry(i32, (idx >> 2) + n * words, i, size);
      n++;
      pos += hdr + size;
    }
    if (n > 0) emit();
    return total;
  }
}

function ringFull(ring: ByteRing, len: number): never {
  throw new WeftError(
    "EAGAIN",
    `encoder ring sink is full: ${len} more bytes would pass its maxCapacity (holds ${ring.length})`,
  );
}
