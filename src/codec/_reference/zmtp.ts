/**
 * Pure-TS reference twins of the ZMTP framing in `../zmtp.ts`: written to be read, used as
 * the test oracle and as the benchmark baseline. Same observable behaviour (frames, statuses,
 * pending bytes, writes); not exported from mod.ts.
 * @module
 */

import { CodecStatus } from "../status.ts";
import { WeftError } from "../../core/errors.ts";

const MORE = 0x01;
const LONG = 0x02;
const COMMAND = 0x04;

/** A parsed frame header. */
export interface ZmtpHeader {
  /** MORE and COMMAND bits (LONG removed). */
  flags: number;
  /** Body length in bytes. */
  size: number;
  /** 2 (short form) or 9 (long form). */
  headerLength: number;
}

/**
 * Reads the frame header at `bytes[at]`: the header, `null` when more bytes are needed, or a
 * negative status.
 */
export function readZmtpHeader(
  bytes: Uint8Array,
  at: number,
  maxBody: number,
): ZmtpHeader | null | number {
  if (at >= bytes.length) return null;
  const flags = bytes[at]!;
  if ((flags & 0xf8) !== 0 || (flags & (COMMAND | MORE)) === (COMMAND | MORE)) {
    return CodecStatus.BAD_FLAGS;
  }
  const headerLength = flags & LONG ? 9 : 2;
  if (bytes.length - at < headerLength) return null;
  let size: number;
  if (headerLength === 9) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 8);
    if (view.getUint32(0) !== 0) return CodecStatus.TOO_LARGE;
    size = view.getUint32(4);
  } else {
    size = bytes[at + 1]!;
  }
  if (size > maxBody) return CodecStatus.TOO_LARGE;
  return { flags: flags & (MORE | COMMAND), size, headerLength };
}

/** The reference ZMTP frame decoder (see `ZmtpFrameDecoder`). */
export class ReferenceZmtpFrameDecoder {
  #maxBody: number;
  #leftover: Uint8Array = new Uint8Array(0);
  #partial: { flags: number; body: Uint8Array; filled: number } | null = null;
  #failed = 0;

  /** `maxBody` as in `ZmtpFrameDecoder` (default 0xFFFFFFFF). */
  constructor(options: { maxBody?: number } = {}) {
    this.#maxBody = (options.maxBody ?? 0xffffffff) >>> 0;
  }

  /** Bytes held between chunks. */
  get pending(): number {
    return this.#leftover.length + (this.#partial?.filled ?? 0);
  }

  /** Decodes `chunk`; returns 0 or a negative status (sticky). */
  feed(chunk: Uint8Array, onFrame: (flags: number, body: Uint8Array) => void): number {
    if (this.#failed !== 0) return this.#failed;
    let data = chunk;
    const partial = this.#partial;
    if (partial !== null) {
      const take = Math.min(partial.body.length - partial.filled, data.length);
      partial.body.set(data.subarray(0, take), partial.filled);
      partial.filled += take;
      if (partial.filled < partial.body.length) return 0;
      this.#partial = null;
      onFrame(partial.flags, partial.body);
      data = data.subarray(take);
    }
    if (this.#leftover.length > 0) {
      const joined = new Uint8Array(this.#leftover.length + data.length);
      joined.set(this.#leftover);
      joined.set(data, this.#leftover.length);
      data = joined;
      this.#leftover = new Uint8Array(0);
    }
    let at = 0;
    for (;;) {
      const header = readZmtpHeader(data, at, this.#maxBody);
      if (typeof header === "number") return this.#failed = header;
      if (header === null) {
        this.#leftover = data.slice(at);
        return 0;
      }
      const start = at + header.headerLength;
      const end = start + header.size;
      if (end <= data.length) {
        onFrame(header.flags, data.subarray(start, end));
        at = end;
        continue;
      }
      let body: Uint8Array;
      try {
        body = new Uint8Array(header.size);
      } catch {
        return this.#failed = CodecStatus.TOO_LARGE;
      }
      body.set(data.subarray(start));
      this.#partial = { flags: header.flags, body, filled: data.length - start };
      return 0;
    }
  }
}

/** The bytes of one ZMTP frame header. */
export function encodeZmtpHeader(flags: number, size: number): Uint8Array {
  if (size <= 255) return new Uint8Array([flags, size]);
  const header = new Uint8Array(9);
  header[0] = flags | LONG;
  new DataView(header.buffer).setUint32(5, size);
  return header;
}

/** The reference ZMTP burst encoder (see `ZmtpFrameEncoder`; same writes). */
export class ReferenceZmtpFrameEncoder {
  #frames: Array<{ flags: number; body: Uint8Array }> = [];
  #bufferSize: number;

  /** `bufferSize` as in `ZmtpFrameEncoder` (default 256 KiB). */
  constructor(options: { bufferSize?: number } = {}) {
    this.#bufferSize = options.bufferSize ?? 256 * 1024;
  }

  /** Frames staged. */
  get pending(): number {
    return this.#frames.length;
  }

  /** Stages one frame (flags 0, MORE or COMMAND). */
  add(body: Uint8Array | string, flags: number = 0): void {
    if ((flags & ~0x05) !== 0 || flags === 0x05) {
      throw new WeftError(
        "EINVAL",
        `ZMTP frame flags: expected 0, MORE (1) or COMMAND (4), got ${flags}`,
      );
    }
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    this.#frames.push({ flags, body: bytes });
  }

  /** Writes every staged frame; returns the bytes written. */
  flush(sink: (bytes: Uint8Array) => void): number {
    const frames = this.#frames;
    this.#frames = [];
    let total = 0;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let batchFrames = 0;
    const emit = () => {
      sink(concat(batch, batchBytes));
      total += batchBytes;
      batch = [];
      batchBytes = 0;
      batchFrames = 0;
    };
    for (const { flags, body } of frames) {
      const header = encodeZmtpHeader(flags, body.length);
      const size = header.length + body.length;
      if (
        (body.length >= LARGE_BODY || batchBytes + size > this.#bufferSize ||
          batchFrames === 8192) && batchFrames > 0
      ) emit();
      if (body.length >= LARGE_BODY || size > this.#bufferSize) {
        sink(header);
        sink(body);
        total += size;
        continue;
      }
      batch.push(header, body);
      batchBytes += size;
      batchFrames++;
    }
    if (batchFrames > 0) emit();
    return total;
  }
}

/** Bodies this large are written uncopied after their header (as in `_frame_encoder.ts`). */
const LARGE_BODY = 16 * 1024;

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
