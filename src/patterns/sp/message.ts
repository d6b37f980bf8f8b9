/**
 * The shape of SP messages: a protocol header (backtrace, hop count…; empty for most) and a
 * body. Inside a socket they travel as the frames `[header, body]`, tagged with the id of the
 * pipe they came by.
 * @module
 */

import type { Message, Pipe } from "../../core/pipe.ts";

/** An SP message: the protocol header (backtrace, hop count…; empty for most) and the body. */
export interface SpMessage {
  /** The SP header (raw sockets read and write it; cooked sockets never see it). */
  header: Uint8Array;
  /** The user's data. */
  body: Uint8Array;
  /** The id of the pipe it came from (received messages only). */
  pipe?: number;
}

/** What `send` accepts: bytes, or a string sent as UTF-8. */
export type SpData = Uint8Array | string;

/** The empty header. */
export const EMPTY: Uint8Array = new Uint8Array(0);

const encoder = new TextEncoder();

/**
 * The bytes of what `send` got (strings as UTF-8).
 *
 * @example
 * ```ts
 * import { toBytes } from "./message.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(toBytes("hi"), new Uint8Array([0x68, 0x69]));
 * ```
 */
export function toBytes(data: SpData): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/**
 * Frames for the user from a header, body and source pipe.
 *
 * @example
 * ```ts
 * import { EMPTY, fromPipe, toSpMessage } from "./message.ts";
 * import type { Pipe } from "../../core/pipe.ts";
 * import assert from "node:assert/strict";
 * const frames = fromPipe(EMPTY, new Uint8Array([1]), { id: 7 } as Pipe);
 * assert.equal(toSpMessage(frames).pipe, 7);
 * ```
 */
export function fromPipe(header: Uint8Array, body: Uint8Array, pipe: Pipe): Message {
  const m = [header, body] as Message & { pipe?: number };
  m.pipe = pipe.id;
  return m;
}

/** The message a pattern hands up: `[header, body]` frames plus the pipe id. */
export function toSpMessage(frames: Message): SpMessage {
  const m = frames as Message & { pipe?: number };
  const out: SpMessage = { header: frames[0] ?? EMPTY, body: frames[1] ?? EMPTY };
  if (m.pipe !== undefined) out.pipe = m.pipe;
  return out;
}
