/**
 * RFC 6455 §5 framing: frame headers out, an incremental frame decoder in. Pure: no streams,
 * no timers. The decoder reassembles fragmented messages, enforces the masking direction, the
 * reserved bits, the control-frame rules and a maximum message size, and reports a close code
 * for every violation instead of throwing.
 * @module
 */

import { concat } from "../../core/bytes.ts";

/** Frame opcodes (RFC 6455 §5.2). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Close status codes weft sends or interprets (RFC 6455 §7.4.1). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const;

/**
 * Encodes a frame header (FIN set or not, opcode, length, optional 4-byte mask key). The
 * payload follows it on the wire (masked by the caller when a key is given).
 *
 * @example
 * ```ts
 * import { encodeHeader, Opcode } from "./frame.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodeHeader(true, Opcode.BINARY, 5)], [0x82, 5]);
 * assert.deepEqual([...encodeHeader(false, Opcode.TEXT, 300)], [0x01, 126, 1, 44]);
 * assert.equal(encodeHeader(true, Opcode.BINARY, 70000, new Uint8Array(4)).length, 14);
 * ```
 */
export function encodeHeader(
  fin: boolean,
  opcode: number,
  length: number,
  mask?: Uint8Array,
): Uint8Array {
  const ext = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + ext + (mask ? 4 : 0));
  writeHeader(out, 0, { fin, opcode, length, ...(mask ? { mask } : {}) });
  return out;
}

/** The parts of a frame header, for {@link writeHeader}. */
export interface HeaderFields {
  /** Whether this is the last frame of its message. */
  readonly fin: boolean;
  /** One of {@link Opcode}. */
  readonly opcode: number;
  /** Payload length in bytes. */
  readonly length: number;
  /** The 4-byte masking key (client frames only). */
  readonly mask?: Uint8Array;
}

/**
 * Writes a frame header into `out` at `at`; returns the header length. `out` must have room
 * (at most 14 bytes).
 *
 * @example
 * ```ts
 * import { Opcode, writeHeader } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const out = new Uint8Array(14);
 * assert.equal(writeHeader(out, 0, { fin: true, opcode: Opcode.PING, length: 0 }), 2);
 * assert.equal(out[0], 0x89);
 * ```
 */
export function writeHeader(out: Uint8Array, at: number, fields: HeaderFields): number {
  const { length, mask } = fields;
  out[at] = (fields.fin ? 0x80 : 0) | fields.opcode;
  const maskBit = mask ? 0x80 : 0;
  let i = at + 2;
  if (length < 126) {
    out[at + 1] = maskBit | length;
  } else if (length < 65536) {
    out[at + 1] = maskBit | 126;
    out[i++] = length >>> 8;
    out[i++] = length & 0xff;
  } else {
    out[at + 1] = maskBit | 127;
    const hi = Math.floor(length / 0x1_0000_0000);
    const lo = length >>> 0;
    out[i++] = hi >>> 24;
    out[i++] = (hi >>> 16) & 0xff;
    out[i++] = (hi >>> 8) & 0xff;
    out[i++] = hi & 0xff;
    out[i++] = lo >>> 24;
    out[i++] = (lo >>> 16) & 0xff;
    out[i++] = (lo >>> 8) & 0xff;
    out[i++] = lo & 0xff;
  }
  if (mask) {
    out.set(mask.subarray(0, 4), i);
    i += 4;
  }
  return i - at;
}

/**
 * XORs `bytes` in place with the 4-byte `mask`, starting at mask position `offset` (0..3), so a
 * payload split over several chunks unmasks chunk by chunk. Returns the next mask position.
 *
 * @example
 * ```ts
 * import { applyMask } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const mask = new Uint8Array([1, 2, 3, 4]);
 * const data = new Uint8Array([10, 20, 30, 40, 50]);
 * const next = applyMask(data, mask, 0);
 * assert.equal(next, 1);
 * applyMask(data, mask, 0); // masking twice restores the bytes
 * assert.deepEqual([...data], [10, 20, 30, 40, 50]);
 * ```
 */
export function applyMask(bytes: Uint8Array, mask: Uint8Array, offset: number): number {
  const n = bytes.length;
  let i = 0;
  let m = offset & 3;
  // Bytes up to a 4-byte aligned address, then a word at a time with the mask rotated to the
  // position reached (byte order in memory is kept, so endianness does not matter).
  while (i < n && ((bytes.byteOffset + i) & 3) !== 0) {
    bytes[i] = bytes[i]! ^ mask[m]!;
    i++;
    m = (m + 1) & 3;
  }
  const words = (n - i) >>> 2;
  if (words >= 4) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    const k = new Uint8Array([
      mask[m]!,
      mask[(m + 1) & 3]!,
      mask[(m + 2) & 3]!,
      mask[(m + 3) & 3]!,
    ]);
    const key = new Uint32Array(k.buffer)[0]!;
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ key;
    i += words * 4; // a whole number of words: the mask position is unchanged
  }
  while (i < n) {
    bytes[i] = bytes[i]! ^ mask[m]!;
    i++;
    m = (m + 1) & 3;
  }
  return m;
}

/** Whether typed arrays are little-endian here (decides how 4 mask bytes read as a word). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** From this many whole words on, {@link unmask} XORs through a Uint32Array view. */
const WORDS_WORTH_A_VIEW = 32;

/** Byte `m` (0..3) of a mask key held as the big-endian number of its 4 bytes. */
function keyByte(key: number, m: number): number {
  return (key >>> (24 - 8 * m)) & 0xff;
}

/**
 * {@link applyMask} with the mask key as a number (its 4 bytes big-endian, as on the wire), so
 * a decoder keeps no buffer for it. Returns the next mask position.
 *
 * @example
 * ```ts
 * import { applyMask, unmask } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const data = new Uint8Array(40).map((_, i) => i);
 * const copy = data.slice();
 * applyMask(data, new Uint8Array([1, 2, 3, 4]), 1);
 * assert.equal(unmask(data, 0x01020304, 1), 1); // 40 bytes from position 1: back to 1
 * assert.deepEqual(data, copy);
 * ```
 */
export function unmask(bytes: Uint8Array, key: number, offset: number): number {
  const n = bytes.length;
  // The all-zero key (RFC 6455 allows it; load generators use it) leaves the bytes as they are.
  if (key === 0) return (offset + n) & 3;
  let i = 0;
  let m = offset & 3;
  while (i < n && ((bytes.byteOffset + i) & 3) !== 0) {
    bytes[i] = bytes[i]! ^ keyByte(key, m);
    i++;
    m = (m + 1) & 3;
  }
  const words = (n - i) >>> 2;
  // A word view costs an allocation (and on Bun a `buffer` lookup): worth it for longer payloads.
  if (words >= WORDS_WORTH_A_VIEW) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    const b0 = keyByte(key, m);
    const b1 = keyByte(key, (m + 1) & 3);
    const b2 = keyByte(key, (m + 2) & 3);
    const b3 = keyByte(key, (m + 3) & 3);
    const word = LITTLE_ENDIAN
      ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)
      : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ word;
    i += words * 4;
  }
  while (i < n) {
    bytes[i] = bytes[i]! ^ keyByte(key, m);
    i++;
    m = (m + 1) & 3;
  }
  return m;
}

/** What the {@link FrameDecoder} reports. */
export interface FrameEvents {
  /** A whole data message (fragments joined). `text` when it came as a text message. */
  message(payload: Uint8Array, text: boolean): void;
  /** A ping with its payload (≤ 125 bytes): answer with a pong. */
  ping(payload: Uint8Array): void;
  /** A pong. */
  pong(payload: Uint8Array): void;
  /** A close frame: the code (1005 when absent) and reason. */
  close(code: number, reason: string): void;
  /** The peer broke the protocol; close the connection with `code`. No more events follow. */
  error(code: number, message: string): void;
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** `true` on the server: client frames must be masked; `false`: they must not be. */
  readonly expectMasked: boolean;
  /** Largest message accepted, in bytes (fragments summed); larger ones give close 1009. */
  readonly maxMessageSize: number;
  /** A text frame fails with close 1003 as soon as its header arrives (binary-only peers). */
  readonly refuseText?: boolean;
}

const HEADER = 0;
const PAYLOAD = 1;
const FAILED = 2;

/**
 * The incremental frame decoder: feed it received chunks (owned: masked payloads are unmasked
 * in place) and it calls {@link FrameEvents}. A message in one frame inside one chunk is
 * delivered as a subarray of that chunk, without copying.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const got: string[] = [];
 * const decoder = new FrameDecoder({
 *   message: (p) => got.push(new TextDecoder().decode(p)),
 *   ping() {}, pong() {}, close() {}, error: (code) => got.push(`error ${code}`),
 * }, { expectMasked: false, maxMessageSize: 1024 });
 * decoder.feed(new Uint8Array([0x02, 2, 104, 101])); // "he", FIN clear
 * decoder.feed(new Uint8Array([0x80, 3, 108, 108, 111])); // continuation "llo", FIN
 * assert.deepEqual(got, ["hello"]);
 * decoder.feed(new Uint8Array([0x82, 0x81])); // masked frame from a server
 * assert.deepEqual(got, ["hello", "error 1002"]);
 * ```
 */
export class FrameDecoder {
  #events: FrameEvents;
  #expectMasked: boolean;
  #max: number;
  #refuseText: boolean;
  #state = HEADER;
  // Buffers are made only when needed: thousands of idle decoders hold none.
  #head: Uint8Array | undefined; // a header split over chunks (14 bytes at most)
  #headLen = 0;
  #fin = false;
  #opcode = 0;
  #masked = false;
  #maskKey = 0; // the 4 key bytes, big-endian
  #maskPos = 0;
  #remaining = 0;
  #frameParts: Uint8Array[] | undefined; // a payload split over chunks
  // The data message being assembled (across frames).
  #msgOpcode = -1;
  #msgParts: Uint8Array[] | undefined;
  #msgBytes = 0;

  /** Creates a decoder reporting to `events`. */
  constructor(events: FrameEvents, options: FrameDecoderOptions) {
    this.#events = events;
    this.#expectMasked = options.expectMasked;
    this.#max = options.maxMessageSize;
    this.#refuseText = options.refuseText ?? false;
  }

  /** Whether the decoder stopped after a protocol error. */
  get failed(): boolean {
    return this.#state === FAILED;
  }

  /** Decodes one received chunk (taking ownership of it). */
  feed(chunk: Uint8Array): void {
    let at = 0;
    const n = chunk.length;
    while (at < n && this.#state !== FAILED) {
      if (this.#state === HEADER) {
        at = this.#readHeader(chunk, at);
      } else {
        const take = Math.min(this.#remaining, n - at);
        const part = chunk.subarray(at, at + take);
        if (this.#masked) this.#maskPos = unmask(part, this.#maskKey, this.#maskPos);
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0 && !this.#frameParts) {
          this.#endFrame(part); // the whole payload in one chunk: no copy, no list
        } else {
          (this.#frameParts ??= []).push(part);
          if (this.#remaining === 0) this.#endFrame(undefined);
        }
      }
    }
  }

  #readHeader(chunk: Uint8Array, at: number): number {
    if (this.#headLen === 0 && chunk.length - at >= 2) {
      // The usual case: the whole header inside this chunk, read where it is.
      const b1 = chunk[at + 1]!;
      const len7 = b1 & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
      if (chunk.length - at >= need) {
        if (!this.#checkFirst(chunk[at]!, b1)) return chunk.length;
        this.#startFrame(chunk, at, len7);
        return at + need;
      }
    }
    const head = this.#head ??= new Uint8Array(14);
    while (at < chunk.length) {
      head[this.#headLen++] = chunk[at++]!;
      if (this.#headLen < 2) continue;
      const len7 = head[1]! & 0x7f;
      const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((head[1]! & 0x80) ? 4 : 0);
      if (this.#headLen === 2 && !this.#checkFirst(head[0]!, head[1]!)) return chunk.length;
      if (this.#headLen < need) continue;
      this.#headLen = 0;
      this.#startFrame(head, 0, len7);
      return at;
    }
    return at;
  }

  /** Checks what the first two bytes decide; false after reporting an error. */
  #checkFirst(b0: number, b1: number): boolean {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if ((b0 & 0x70) !== 0) return this.#fail(1002, `reserved bits set (0x${b0.toString(16)})`);
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.#expectMasked) {
      return this.#fail(
        1002,
        this.#expectMasked
          ? "expected a masked frame from the client"
          : "a server frame was masked",
      );
    }
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) return this.#fail(1002, `unknown control opcode ${opcode}`);
      if (!fin) return this.#fail(1002, "a fragmented control frame");
      if ((b1 & 0x7f) > 125) return this.#fail(1002, "a control frame longer than 125 bytes");
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.#msgOpcode < 0) return this.#fail(1002, "a continuation frame with no message");
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#msgOpcode >= 0) {
        return this.#fail(1002, "a new data frame inside a fragmented message");
      }
      if (opcode === Opcode.TEXT && this.#refuseText) {
        return this.#fail(1003, "expected binary messages, got a text message");
      }
    } else {
      return this.#fail(1002, `unknown data opcode ${opcode}`);
    }
    return true;
  }

  /** Starts the frame whose complete header is at `head[at…]`. */
  #startFrame(head: Uint8Array, at: number, len7: number): void {
    this.#fin = (head[at]! & 0x80) !== 0;
    this.#opcode = head[at]! & 0x0f;
    let length = len7;
    let high = 0; // a 64-bit length's upper 32 bits: with `low`, to report it exactly
    let low = 0;
    let i = at + 2;
    if (len7 === 126) {
      length = (head[i]! << 8) | head[i + 1]!;
      i += 2;
    } else if (len7 === 127) {
      if (head[i]! & 0x80) {
        this.#fail(1002, "a 64-bit length with the high bit set");
        return;
      }
      const hi = ((head[i]! << 24) | (head[i + 1]! << 16) | (head[i + 2]! << 8) | head[i + 3]!) >>>
        0;
      const lo =
        ((head[i + 4]! << 24) | (head[i + 5]! << 16) | (head[i + 6]! << 8) | head[i + 7]!) >>> 0;
      length = hi * 0x1_0000_0000 + lo;
      high = hi;
      low = lo;
      i += 8;
    }
    this.#masked = (head[at + 1]! & 0x80) !== 0;
    if (this.#masked) {
      this.#maskKey =
        ((head[i]! << 24) | (head[i + 1]! << 16) | (head[i + 2]! << 8) | head[i + 3]!) >>>
        0;
      this.#maskPos = 0;
    }
    if (this.#opcode < 0x8 && this.#msgBytes + length > this.#max) {
      // Above 2^53 a double rounds (2^62 would print as 4611686018427388000): sum exactly.
      const claim = high === 0 ? BigInt(length) : (BigInt(high) << 32n) | BigInt(low);
      const exact = BigInt(this.#msgBytes) + claim;
      this.#fail(1009, `a message of at least ${exact} bytes, over the limit of ${this.#max}`);
      return;
    }
    this.#remaining = length;
    this.#state = PAYLOAD;
    if (length === 0) this.#endFrame(EMPTY);
  }

  /** A frame's payload is complete: `whole`, or the parts gathered in `#frameParts`. */
  #endFrame(whole: Uint8Array | undefined): void {
    this.#state = HEADER;
    let payload = whole;
    if (!payload) {
      payload = concat(this.#frameParts!);
      this.#frameParts = undefined;
    }
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      this.#control(opcode, payload);
      return;
    }
    if (opcode !== Opcode.CONTINUATION) this.#msgOpcode = opcode;
    if (!this.#fin || this.#msgParts) {
      (this.#msgParts ??= []).push(payload);
      this.#msgBytes += payload.length;
      if (!this.#fin) return;
      payload = concat(this.#msgParts);
    }
    const text = this.#msgOpcode === Opcode.TEXT;
    this.#msgParts = undefined;
    this.#msgBytes = 0;
    this.#msgOpcode = -1;
    if (text && !validUtf8(payload)) {
      this.#fail(1007, "a text message that is not valid UTF-8");
      return;
    }
    this.#events.message(payload, text);
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === Opcode.PING) return this.#events.ping(payload);
    if (opcode === Opcode.PONG) return this.#events.pong(payload);
    // CLOSE: no body, or a 2-byte code and a UTF-8 reason. Nothing may follow it.
    if (payload.length === 0) {
      this.#state = FAILED;
      return this.#events.close(1005, "");
    }
    if (payload.length === 1) {
      this.#fail(1002, "a close frame with a 1-byte body");
      return;
    }
    const code = (payload[0]! << 8) | payload[1]!;
    if (!validCloseCode(code)) {
      this.#fail(1002, `a close frame with the invalid code ${code}`);
      return;
    }
    const reason = payload.subarray(2);
    if (!validUtf8(reason)) {
      this.#fail(1007, "a close reason that is not valid UTF-8");
      return;
    }
    this.#state = FAILED; // nothing may follow a close frame
    this.#events.close(code, new TextDecoder().decode(reason));
  }

  #fail(code: number, message: string): false {
    this.#state = FAILED;
    this.#msgParts = undefined;
    this.#frameParts = undefined;
    this.#events.error(code, message);
    return false;
  }
}

const EMPTY = new Uint8Array(0);

function validUtf8(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Codes a peer may send in a close frame (RFC 6455 §7.4). */
function validCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}
