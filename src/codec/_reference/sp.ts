/**
 * Pure-TS reference twins of the SP framing in `../sp.ts`: written to be read, used as the
 * test oracle and as the benchmark baseline. Same observable behaviour; not exported from
 * mod.ts.
 * @module
 */

import { CodecStatus } from "../status.ts";

/** A parsed SP message header. */
export interface SpHeader {
  /** Payload length in bytes. */
  size: number;
  /** 8 (tcp) or 9 (ipc). */
  headerLength: number;
}

/**
 * Reads the message header at `bytes[at]`: the header, `null` when more bytes are needed, or
 * a negative status.
 */
export function readSpHeader(
  bytes: Uint8Array,
  at: number,
  options: { ipc: boolean; maxBody: number },
): SpHeader | null | number {
  if (at >= bytes.length) return null;
  if (options.ipc && bytes[at] !== 1) return CodecStatus.BAD_TYPE;
  const headerLength = options.ipc ? 9 : 8;
  if (bytes.length - at < headerLength) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at + headerLength - 8, 8);
  const high = view.getUint32(0);
  const size = view.getUint32(4);
  if (high !== 0 || size > options.maxBody) return CodecStatus.TOO_LARGE;
  return { size, headerLength };
}

/** The reference SP message decoder (see `SpFrameDecoder`). */
export class ReferenceSpFrameDecoder {
  #options: { ipc: boolean; maxBody: number };
  #leftover: Uint8Array = new Uint8Array(0);
  #partial: { payload: Uint8Array; filled: number } | null = null;
  #failed = 0;

  /** Options as in `SpFrameDecoder`. */
  constructor(options: { ipc: boolean; maxBody?: number }) {
    this.#options = { ipc: options.ipc, maxBody: (options.maxBody ?? 0xffffffff) >>> 0 };
  }

  /** Bytes held between chunks. */
  get pending(): number {
    return this.#leftover.length + (this.#partial?.filled ?? 0);
  }

  /** Decodes `chunk`; returns 0 or a negative status (sticky). */
  feed(chunk: Uint8Array, onMessage: (payload: Uint8Array) => void): number {
    if (this.#failed !== 0) return this.#failed;
    let data = chunk;
    const partial = this.#partial;
    if (partial !== null) {
      const take = Math.min(partial.payload.length - partial.filled, data.length);
      partial.payload.set(data.subarray(0, take), partial.filled);
      partial.filled += take;
      if (partial.filled < partial.payload.length) return 0;
      this.#partial = null;
      onMessage(partial.payload);
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
      const header = readSpHeader(data, at, this.#options);
      if (typeof header === "number") return this.#failed = header;
      if (header === null) {
        this.#leftover = data.slice(at);
        return 0;
      }
      const start = at + header.headerLength;
      const end = start + header.size;
      if (end <= data.length) {
        onMessage(data.subarray(start, end));
        at = end;
        continue;
      }
      let payload: Uint8Array;
      try {
        payload = new Uint8Array(header.size);
      } catch {
        return this.#failed = CodecStatus.TOO_LARGE;
      }
      payload.set(data.subarray(start));
      this.#partial = { payload, filled: data.length - start };
      return 0;
    }
  }
}

/** The bytes of one SP message header. */
export function encodeSpHeader(size: number, ipc: boolean): Uint8Array {
  const header = new Uint8Array(ipc ? 9 : 8);
  if (ipc) header[0] = 1;
  new DataView(header.buffer).setUint32(header.length - 4, size);
  return header;
}

/** The reference SP burst encoder (see `SpFrameEncoder`; same writes). */
export class ReferenceSpFrameEncoder {
  #messages: Array<{ header: Uint8Array; body: Uint8Array }> = [];
  #ipc: boolean;
  #bufferSize: number;

  /** Options as in `SpFrameEncoder`. */
  constructor(options: { ipc: boolean; bufferSize?: number }) {
    this.#ipc = options.ipc;
    this.#bufferSize = options.bufferSize ?? 256 * 1024;
  }

  /** Messages staged. */
  get pending(): number {
    return this.#messages.length;
  }

  /** Stages one message: `header` (if any) then `body`, under one length. */
  add(body: Uint8Array | string, header?: Uint8Array): void {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    this.#messages.push({ header: header ?? new Uint8Array(0), body: bytes });
  }

  /** Writes every staged message; returns the bytes written. */
  flush(sink: (bytes: Uint8Array) => void): number {
    const messages = this.#messages;
    this.#messages = [];
    let total = 0;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let batchCount = 0;
    const emit = () => {
      sink(concat(batch, batchBytes));
      total += batchBytes;
      batch = [];
      batchBytes = 0;
      batchCount = 0;
    };
    for (const { header, body } of messages) {
      const length = encodeSpHeader(header.length + body.length, this.#ipc);
      const size = length.length + header.length + body.length;
      if (
        (body.length >= LARGE_BODY || batchBytes + size > this.#bufferSize ||
          batchCount === 8192) && batchCount > 0
      ) emit();
      if (body.length >= LARGE_BODY || size > this.#bufferSize) {
        sink(concat([length, header], length.length + header.length));
        sink(body);
        total += size;
        continue;
      }
      batch.push(length, header, body);
      batchBytes += size;
      batchCount++;
    }
    if (batchCount > 0) emit();
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
