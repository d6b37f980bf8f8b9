/**
 * Internal: the burst layout shared by the ZMTP and SP encoders. Bodies are copied (strings
 * encoded) into the codec's shared encode scratch after a gap for their header; one wasm call
 * then writes every header of the burst; the bytes go to the sink as one owned buffer.
 *
 * A burst is split where the next frame would not fit in `bufferSize` bytes or the index holds
 * {@link MAX_FRAMES_PER_WRITE} frames; a frame whose body has {@link LARGE_BODY} bytes or more,
 * or cannot fit even alone, is written as its header, then its body uncopied. The reference encoders follow the same rule, so both give the
 * same writes.
 * @module
 */

import type { Codec } from "./wasm.ts";
import type { ByteRing } from "./ring.ts";
import { WeftError } from "../core/errors.ts";
import { ByteSlab } from "../core/byte_slab.ts";

/** The largest (and default) number of bytes per write. */
export const MAX_BUFFER = 256 * 1024;
/** At most this many frames go into one write. */
export const MAX_FRAMES_PER_WRITE = 8192;
/**
 * Bodies of this many bytes or more are never copied: the frames before them go out as one
 * write, then their header, then the body itself (the transport's write queue coalesces small
 * buffers and passes large ones through, so this costs no extra system call for small frames).
 */
export const LARGE_BODY = 16 * 1024;

/** Where encoded bytes go: each call gets a fresh buffer the callee owns. */
export type FrameSink = (bytes: Uint8Array) => void;

/** What differs between the framings. */
export interface LayoutSpec {
  /** The header length for a body of `size` bytes. */
  header(size: number): number;
  /** A header length no larger than the real one, for a string of `units` UTF-16 units. */
  guess(units: number): number;
  /** Writes the index entry of item `i` (payload `size`, header at `at`) at word `w`. */
  entry(i32: Int32Array, w: number, i: number, size: number, at: number): void;
  /** The wasm header writer: (idx, count, out, status) → header bytes, or a negative status. */
  encode(idx: number, count: number, out: number, st: number): number;
  /** An optional part sent before the body under the same header (SP protocol header). */
  prefix?(i: number): Uint8Array | undefined;
}

const TEXT = new TextEncoder();
const MAX_ENTRY_WORDS = 3;
/**
 * Byte bodies at least this long are not copied into the scratch: the burst keeps a hole for
 * them and they are copied once, straight into the owned output buffer. Shorter ones are
 * cheaper to copy twice than to track.
 */
const HOLE_MIN = 256;
/** Bytes per block of owned header buffers (`#heads`). */
const SLAB = 4096;
/** Scratch spans up to this long are copied to the output with a loop, not `set(subarray)`. */
const SMALL_SPAN = 32;

/** Encode scratch bound to one codec, and the layout loop. */
export class Layout {
  readonly #codec: Codec;
  readonly #size: number;
  readonly #out: number;
  readonly #idx: number;
  readonly #st: number;
  // Holes of the burst being laid out: bodies and their scratch offsets.
  readonly #holes: Uint8Array[] = [];
  readonly #holeAt: number[] = [];
  // Owned small buffers are carved from a slab, front to back, never handed out twice.
  /** Owned buffers for the headers of large frames (views of one block: see byte_slab.ts). */
  #heads = new ByteSlab(SLAB, SLAB);

  constructor(codec: Codec, bufferSize: number = MAX_BUFFER) {
    if (!(bufferSize >= 64 && bufferSize <= MAX_BUFFER)) {
      throw new WeftError(
        "EINVAL",
        `encoder bufferSize: expected 64..${MAX_BUFFER}, got ${bufferSize}`,
      );
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
  run(
    bodies: ReadonlyArray<Uint8Array | string>,
    sink: FrameSink | ByteRing,
    spec: LayoutSpec,
    words: number,
  ): number {
    const u8 = this.#codec.u8;
    const i32 = this.#codec.i32;
    const out = this.#out;
    const cap = this.#size;
    const idx = this.#idx;
    const holes = this.#holes;
    const holeAt = this.#holeAt;
    // pos: bytes laid out in the scratch; bytes: bytes of the burst (scratch + holes).
    let pos = 0;
    let bytes = 0;
    let n = 0;
    let total = 0;
    const emit = () => {
      spec.encode(idx, n, out, this.#st);
      total += bytes;
      if (holes.length === 0) {
        if (typeof sink === "function") sink(u8.slice(out, out + pos));
        else put(sink, sink.writeFrom(out, pos), pos);
      } else this.#gather(sink, pos, bytes);
      pos = 0;
      bytes = 0;
      n = 0;
    };
    for (let i = 0; i < bodies.length; i++) {
      let body = bodies[i]!;
      const prefix = spec.prefix?.(i);
      const plen = prefix === undefined ? 0 : prefix.length;
      if (typeof body === "string") {
        // Encode straight into the scratch; retry once in an empty burst; else go oversize.
        let placed = false;
        // A string of LARGE_BODY units has at least LARGE_BODY bytes: write it uncopied below.
        for (; body.length < LARGE_BODY;) {
          if (n === MAX_FRAMES_PER_WRITE) emit();
          const hdr = spec.guess(body.length + plen);
          const start = pos + hdr + plen;
          if (bytes + hdr + plen <= cap) {
            // Room left for the burst is cap - bytes; the scratch has at least that much.
            const r = TEXT.encodeInto(
              body,
              u8.subarray(out + start, out + start + cap - bytes - hdr - plen),
            );
            if (r.read === body.length && r.written >= LARGE_BODY) break;
            const size = plen + r.written;
            const real = spec.header(size);
            if (r.read === body.length && bytes + real + size <= cap) {
              if (real !== hdr) {
                u8.copyWithin(out + pos + real + plen, out + start, out + start + r.written);
              }
              if (prefix !== undefined) u8.set(prefix, out + pos + real);
              spec.entry(i32, (idx >> 2) + n * words, i, size, pos);
              n++;
              pos += real + size;
              bytes += real + size;
              placed = true;
              break;
            }
          }
          if (n === 0) break;
          emit();
        }
        if (placed) continue;
        body = TEXT.encode(body);
      }
      const size = plen + body.length;
      const hdr = spec.header(size);
      const large = body.length >= LARGE_BODY || hdr + size > cap;
      if ((large || bytes + hdr + size > cap || n === MAX_FRAMES_PER_WRITE) && n > 0) emit();
      if (large) {
        // Not worth copying (or too large for one write): its header (and prefix) alone, then
        // the caller's body as is.
        spec.entry(i32, idx >> 2, i, size, 0);
        spec.encode(idx, 1, out, this.#st);
        if (prefix !== undefined) u8.set(prefix, out + hdr);
        total += hdr + size;
        if (typeof sink === "function") {
          const head = this.#heads.take(hdr + plen);
          for (let k = 0; k < head.length; k++) head[k] = u8[out + k]!;
          sink(head);
          sink(body);
        } else {
          put(sink, sink.writeFrom(out, hdr + plen), hdr + plen);
          put(sink, sink.write(body), body.length);
        }
        continue;
      }
      if (prefix !== undefined) u8.set(prefix, out + pos + hdr);
      spec.entry(i32, (idx >> 2) + n * words, i, size, pos);
      n++;
      if (body.length >= HOLE_MIN) {
        holes.push(body);
        holeAt.push(pos + hdr + plen);
        pos += hdr + plen;
      } else {
        // A typed-array `set` is a runtime call (tens of ns on V8); a short body copies faster
        // byte by byte, and most small messages are short.
        const at = out + pos + hdr + plen;
        if (body.length <= SMALL_SPAN) {
          for (let k = 0; k < body.length; k++) u8[at + k] = body[k]!;
        } else u8.set(body, at);
        pos += hdr + size;
      }
      bytes += hdr + size;
    }
    if (n > 0) emit();
    return total;
  }

  // Copies the scratch spans and the hole bodies, in order, into one owned buffer (or ring).
  #gather(sink: FrameSink | ByteRing, pos: number, bytes: number): void {
    const u8 = this.#codec.u8;
    const out = this.#out;
    const holes = this.#holes;
    const holeAt = this.#holeAt;
    if (typeof sink !== "function") {
      let from = 0;
      for (let h = 0; h < holes.length; h++) {
        put(sink, sink.writeFrom(out + from, holeAt[h]! - from), holeAt[h]! - from);
        put(sink, sink.write(holes[h]!), holes[h]!.length);
        from = holeAt[h]!;
      }
      put(sink, sink.writeFrom(out + from, pos - from), pos - from);
    } else {
      const result = new Uint8Array(bytes);
      let from = 0;
      let to = 0;
      for (let h = 0; h <= holes.length; h++) {
        const end = h < holes.length ? holeAt[h]! : pos;
        const span = end - from;
        if (span <= SMALL_SPAN) {
          for (let k = 0; k < span; k++) result[to + k] = u8[out + from + k]!;
        } else result.set(u8.subarray(out + from, out + end), to);
        to += span;
        from = end;
        if (h < holes.length) {
          result.set(holes[h]!, to);
          to += holes[h]!.length;
        }
      }
      holes.length = 0;
      holeAt.length = 0;
      sink(result);
      return;
    }
    holes.length = 0;
    holeAt.length = 0;
  }
}

function put(ring: ByteRing, got: number, len: number): void {
  if (got >= 0) return;
  throw new WeftError(
    "EAGAIN",
    `encoder ring sink is full: ${len} more bytes would pass its maxCapacity (holds ${ring.length})`,
  );
}
