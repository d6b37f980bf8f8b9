/**
 * Internal: the chunk loop shared by the ZMTP and SP decoders (both wasm routines fill the same
 * 3-word frame index and status block). One wasm call decodes a window of a chunk; bodies are
 * handed out as views of the chunk, or assembled into one exact-size buffer when they span
 * chunks.
 *
 * Windowing: the chunk is copied into linear memory a window at a time, and the wasm routine is
 * told how far the stream really runs, so it indexes a body that ends past the window without
 * reading it. After a large body the window shrinks to {@link MIN_WINDOW} bytes (so a 64 KiB
 * frame costs a copy of a few header bytes, not of the body); while windows fill with
 * small frames it grows back to {@link MAX_WINDOW}.
 *
 * Lone frames: while the window is at its minimum (the last frame was large), the next header
 * is read here in TS rather than by wasm: for one frame per chunk, a call plus a window copy
 * costs more than reading a 2- to 9-byte header (the wasm core pays off on batches). Anything
 * unusual (a split or bad header, an over-limit length) still goes to wasm, which reports it.
 *
 * Re-entrancy: the scratch (window, index, status) is shared by every decoder of a codec. A
 * frame callback may feed another decoder (an inproc relay does), so each nesting depth gets
 * its own scratch; the depth lives in a word of linear memory.
 * @module
 */

import type { Codec } from "./wasm.ts";
import { CodecStatus } from "./status.ts";

/** The largest window copied into linear memory per wasm call. */
export const MAX_WINDOW = 64 * 1024;
/** The window used after a body that ran past the previous window. */
export const MIN_WINDOW = 32;
/**
 * A body this large running past the window sends the window down to {@link MIN_WINDOW} (and
 * the next header to the TS lone-frame path); a smaller one grows the window instead.
 */
const LARGE_BODY = 4096;
/** Windows up to this many bytes are copied with a loop rather than `set(subarray)`. */
const SMALL_COPY = 64;
/**
 * Bodies up to this size are copied into a buffer of their own instead of viewed, on JSC (Bun):
 * there a view of a chunk costs 54–68 ns and a fresh 16-byte array plus a byte loop 27 ns
 * (V8 is the other way round: a view ~30 ns, the copy far more), and a copy does not keep the
 * chunk's slab alive for a small message someone holds.
 */
const COPY_MAX = "Bun" in globalThis ? 32 : -1;
/** Frame index entries per call. */
const INDEX_CAP = 4096;
const CARRY_MAX = 16;
const STATUS_BYTES = 32;

const STOP_HEADER = 1;
const STOP_BODY = 2;

/** A bound wasm decode routine: (inPtr, len, avail, idxPtr, idxCap, statusPtr) → count|status. */
export type DecodeRoutine = (
  inp: number,
  len: number,
  avail: number,
  idx: number,
  cap: number,
  st: number,
) => number;

interface Scratch {
  readonly window: number;
  readonly index: number;
  readonly status: number;
}

/**
 * Bytes of one nesting depth's scratch region (`framing.decode.<depth>`): carry and window, then
 * the frame index, then the status block — nothing may be copied past the window.
 */
export const SCRATCH_BYTES = CARRY_MAX + MAX_WINDOW + INDEX_CAP * 12 + STATUS_BYTES;

function scratchAt(codec: Codec, depth: number): Scratch {
  const r = codec.region(`framing.decode.${depth}`, SCRATCH_BYTES);
  return {
    window: r.ptr,
    index: r.ptr + CARRY_MAX + MAX_WINDOW,
    status: r.ptr + CARRY_MAX + MAX_WINDOW + INDEX_CAP * 12,
  };
}

/** The header layouts the TS lone-frame path reads (the same ones the wasm routines read). */
export const Framing = {
  /** ZMTP: flags(1) size(1 | 8 when flags & LONG). */
  ZMTP: 0,
  /** SP over tcp: size(u64 BE). */
  SP_TCP: 1,
  /** SP over ipc: type(1) = 1, size(u64 BE). */
  SP_IPC: 2,
} as const;

/** Receives one decoded ZMTP frame: its flags and its body. */
export type FrameCallback = (flags: number, body: Uint8Array) => void;
/** Receives one decoded SP payload. */
export type PayloadCallback = (payload: Uint8Array) => void;
/** ZMTP decoders take a {@link FrameCallback}, SP decoders a {@link PayloadCallback}. */
export type Deliver = FrameCallback | PayloadCallback;

/** The decode state of one connection: a few header bytes or one partial body, never more. */
export class ChunkDecoder {
  readonly #codec: Codec;
  readonly #decode: DecodeRoutine;
  readonly #depthWord: number;
  readonly #scratch: Scratch[] = [];
  readonly #carry = new Uint8Array(CARRY_MAX);
  #carryLen = 0;
  #body: Uint8Array | null = null;
  #filled = 0;
  #bodyFlags = 0;
  #window = MAX_WINDOW;
  #failed = 0;
  #refusedLength: bigint | undefined;
  readonly #framing: number;
  readonly #maxBody: number;

  /** `maxBody` is a u32 (as the wasm routine reads it); `framing` one of {@link Framing}. */
  constructor(codec: Codec, decode: DecodeRoutine, framing: number, maxBody: number) {
    this.#codec = codec;
    this.#decode = decode;
    this.#framing = framing;
    this.#maxBody = maxBody >>> 0;
    this.#depthWord = codec.region("framing.decode.depth", 16).ptr >> 2;
  }

  /** Bytes held between feeds (a partial header or the filled part of a partial body). */
  get pending(): number {
    return this.#carryLen + this.#filled;
  }

  /** The sticky failure status, or 0. */
  get status(): number {
    return this.#failed;
  }

  /**
   * After a `TOO_LARGE` failure: the length the refused header claimed, exactly (a bigint, as
   * the 64-bit length fields allow more than 2^53), so errors can name it and the limit it broke.
   */
  get refusedLength(): bigint | undefined {
    return this.#refusedLength;
  }

  /** Decodes `chunk`; `onFrame` is a {@link FrameCallback} for ZMTP, else a {@link PayloadCallback}. */
  feed(chunk: Uint8Array, onFrame: Deliver): number {
    if (this.#failed !== 0) return this.#failed;
    const end = chunk.length;
    let pos = 0;
    const body = this.#body;
    if (body !== null) {
      const need = body.length - this.#filled;
      pos = need < end ? need : end;
      body.set(pos === end ? chunk : chunk.subarray(0, pos), this.#filled);
      this.#filled += pos;
      if (this.#filled < body.length) return 0;
      this.#body = null;
      this.#filled = 0;
      this.#deliver(onFrame, this.#bodyFlags, body);
    }
    if (pos === end) return 0;
    const i32 = this.#codec.i32;
    const depth = i32[this.#depthWord]!;
    i32[this.#depthWord] = depth + 1;
    try {
      return this.#run(chunk, pos, depth, onFrame);
    } finally {
      i32[this.#depthWord] = depth;
    }
  }

  #run(chunk: Uint8Array, pos: number, depth: number, onFrame: Deliver): number {
    const codec = this.#codec;
    const u8 = codec.u8;
    const i32 = codec.i32;
    const s = this.#scratch[depth] ??= scratchAt(codec, depth);
    const st = s.status >> 2;
    const end = chunk.length;
    while (pos < end) {
      const carry = this.#carryLen;
      if (carry === 0 && this.#window === MIN_WINDOW) {
        const next = this.#lone(chunk, pos, onFrame);
        if (next === STARTED) return this.#failed;
        if (next >= 0) {
          pos = next;
          continue;
        }
      }
      const remaining = end - pos;
      const win = remaining < this.#window ? remaining : this.#window;
      for (let k = 0; k < carry; k++) u8[s.window + k] = this.#carry[k]!;
      if (win <= SMALL_COPY) {
        // A few header bytes: a loop is cheaper than making a view to copy from.
        for (let k = 0, at = s.window + carry; k < win; k++) u8[at + k] = chunk[pos + k]!;
      } else if (pos === 0 && win === end) u8.set(chunk, s.window + carry);
      else u8.set(chunk.subarray(pos, pos + win), s.window + carry);
      const len = carry + win;
      const n = this.#decode(s.window, len, carry + remaining, s.index, INDEX_CAP, s.status);
      // Everything is read from the status block before any callback runs.
      const consumed = i32[st]!;
      const count = i32[st + 1]!;
      const stop = i32[st + 2]!;
      const pendingFlags = i32[st + 3]!;
      const pendingHeader = i32[st + 4]!;
      const pendingSize = i32[st + 5]! >>> 0;
      // Adapt the window: small after a body that ran past it, growing while frames fill it.
      if (consumed > len) {
        // The last frame indexed ran past the window: small after a large one.
        const ranPast = i32[(s.index >> 2) + (count - 1) * 3 + 2]!;
        this.#window = ranPast >= LARGE_BODY ? MIN_WINDOW : grown(win);
      } else if (stop !== STOP_BODY && win === this.#window && win < MAX_WINDOW) {
        this.#window = grown(win);
      }
      // Scratch offset x (≥ carry) is chunk offset x + shift.
      const shift = pos - carry;
      const buffer = chunk.buffer;
      // Window offsets are read as signed words and become buffer offsets here: anything outside
      // [carry, stream end] (a word past 2^31, a stale or overwritten index) would make the view
      // constructor throw a RangeError out of `feed`. Refuse the stream instead, before any view.
      const stream = carry + remaining;
      if (!(consumed >= 0 && consumed <= stream && count >= 0 && count <= INDEX_CAP)) {
        return this.#corrupt();
      }
      // One loop per callback shape: each call site then sees one kind of callback.
      let e = s.index >> 2;
      if (this.#framing === Framing.ZMTP) {
        const deliver = onFrame as FrameCallback;
        for (let k = 0; k < count; k++, e += 3) {
          const at = i32[e + 1]!;
          const size = i32[e + 2]!;
          if (!(at >= carry && size >= 0 && at + size <= stream)) return this.#corrupt();
          deliver(i32[e]!, bodyAt(chunk, buffer, at + shift, size));
        }
      } else {
        const deliver = onFrame as PayloadCallback;
        for (let k = 0; k < count; k++, e += 3) {
          const at = i32[e + 1]!;
          const size = i32[e + 2]!;
          if (!(at >= carry && size >= 0 && at + size <= stream)) return this.#corrupt();
          deliver(bodyAt(chunk, buffer, at + shift, size));
        }
      }
      if (n < 0) {
        this.#failed = n;
        this.#carryLen = 0;
        // On error status word 0 is the bad frame's offset in the window (whole header there).
        if (n === CodecStatus.TOO_LARGE) this.#refusedLength = this.#claimAt(s.window + consumed);
        return n;
      }
      if (stop === STOP_HEADER) {
        // The stream ends inside a header: keep its bytes (some may still be in the old carry).
        // Copying forward in place is safe: the write index never passes the read index.
        const keep = this.#carry;
        let k = 0;
        for (let x = consumed; x < carry + remaining; x++) {
          keep[k++] = x < carry ? keep[x]! : chunk[x + shift]!;
        }
        this.#carryLen = k;
        return 0;
      }
      this.#carryLen = 0;
      if (stop === STOP_BODY) {
        // The claim is unsigned and was checked against maxBody in wasm; check it again here,
        // before it sizes a buffer, with the header inside the stream.
        const bodyAt = consumed + pendingHeader;
        if (!(pendingHeader > 0 && bodyAt <= stream && pendingSize <= this.#maxBody)) {
          return this.#corrupt();
        }
        this.#start(chunk, consumed + pendingHeader + shift, pendingSize, pendingFlags);
        return this.#failed;
      }
      // STOP_WINDOW or STOP_INDEX: go on from `consumed`.
      pos = consumed + shift;
    }
    return 0;
  }

  /**
   * The decode routine reported an offset outside the stream it was given: refuse the stream
   * (a named status the connection closes with) rather than throw from the view constructor.
   */
  #corrupt(): number {
    this.#carryLen = 0;
    this.#body = null;
    this.#filled = 0;
    return this.#failed = CodecStatus.MALFORMED;
  }

  /** The length field of the header at `at` in linear memory (its whole header is there). */
  #claimAt(at: number): bigint {
    const u8 = this.#codec.u8;
    let field = this.#framing === Framing.SP_TCP ? at : at + 1;
    if (this.#framing === Framing.ZMTP && (u8[at]! & 0x02) === 0) return BigInt(u8[field]!);
    let length = 0n;
    for (const end = field + 8; field < end; field++) length = (length << 8n) | BigInt(u8[field]!);
    return length;
  }

  #deliver(onFrame: Deliver, flags: number, body: Uint8Array): void {
    if (this.#framing === Framing.ZMTP) (onFrame as FrameCallback)(flags, body);
    else (onFrame as PayloadCallback)(body);
  }

  /**
   * Reads one frame at `pos` in TS: returns the position after it, {@link STARTED} when its
   * body runs past the chunk (now held in `#body`, or `#failed` set), or -1 to let wasm read
   * it (a split, bad or over-limit header).
   */
  #lone(chunk: Uint8Array, pos: number, onFrame: Deliver): number {
    const end = chunk.length;
    const avail = end - pos;
    let flags = 0;
    let hdr: number;
    let size: number;
    if (this.#framing === Framing.ZMTP) {
      if (avail < 2) return -1;
      flags = chunk[pos]!;
      if ((flags & 0xf8) !== 0 || (flags & 0x05) === 0x05) return -1;
      if ((flags & 0x02) === 0) {
        hdr = 2;
        size = chunk[pos + 1]!;
      } else {
        hdr = 9;
        if (avail < 9) return -1;
        if ((chunk[pos + 1]! | chunk[pos + 2]! | chunk[pos + 3]! | chunk[pos + 4]!) !== 0) {
          return -1;
        }
        size = u32be(chunk, pos + 5);
        flags &= 0x05;
      }
    } else {
      hdr = this.#framing === Framing.SP_IPC ? 9 : 8;
      if (avail < hdr) return -1;
      const at = pos + hdr - 8;
      if (hdr === 9 && chunk[pos] !== 1) return -1;
      if ((chunk[at]! | chunk[at + 1]! | chunk[at + 2]! | chunk[at + 3]!) !== 0) return -1;
      size = u32be(chunk, at + 4);
    }
    if (size > this.#maxBody) return -1;
    const start = pos + hdr;
    if (size > end - start) {
      this.#start(chunk, start, size, flags);
      return STARTED;
    }
    // A small frame: the ones after it are likely small too, so batch them in wasm again.
    if (size < LARGE_BODY) this.#window = MIN_WINDOW * 4;
    this.#deliver(onFrame, flags, bodyAt(chunk, chunk.buffer, start, size));
    return start + size;
  }

  // Starts assembling a body that runs past the chunk; sets #failed if it cannot be held.
  #start(chunk: Uint8Array, start: number, size: number, flags: number): void {
    let buf: Uint8Array;
    try {
      buf = new Uint8Array(size);
    } catch {
      // The engine cannot hold a body this large: refuse it like an over-limit length.
      this.#failed = CodecStatus.TOO_LARGE;
      this.#refusedLength = BigInt(size);
      return;
    }
    buf.set(chunk.subarray(start, chunk.length));
    this.#body = buf;
    this.#filled = chunk.length - start;
    this.#bodyFlags = flags;
  }
}

/**
 * The next window after one of `win` bytes that frames filled: four times larger, never past
 * {@link MAX_WINDOW}. The scratch holds exactly MAX_WINDOW bytes (after the carry) in front of
 * the frame index: a larger window would be copied over the index, the status block and 16 KiB
 * of whatever the arena placed after the scratch (32 KiB × 4 once did: see docs/reliability.md).
 */
function grown(win: number): number {
  return win * 4 < MAX_WINDOW ? win * 4 : MAX_WINDOW;
}

/** {@link ChunkDecoder}'s lone-frame path left a partial body (or a failure) behind. */
const STARTED = -2;

/**
 * The body of `size` bytes at offset `at` of `chunk` (whose `buffer` the caller read once): a
 * view made with the constructor (on V8 about half the cost of `subarray`: no species lookup),
 * or on JSC a copy when small (see {@link COPY_MAX}).
 */
function bodyAt(chunk: Uint8Array, buffer: ArrayBufferLike, at: number, size: number): Uint8Array {
  if (size > COPY_MAX) return new Uint8Array(buffer, chunk.byteOffset + at, size);
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = chunk[at + k]!;
  return out;
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
