/**
 * One message written to many streams (a broadcast): encoded once, and framed at most once per
 * framing, however many streams carry it. Transport-neutral, so code above `src/transport/`
 * can share a message without knowing which transports will write it.
 * @module
 */

/**
 * A message's bytes, shared by every stream it is written to, and the framed form the first
 * stream that needed one built (kept for the next streams framing the same way). The bytes
 * must not change after they are handed over; transports never mutate them.
 *
 * @example
 * ```ts
 * import { SharedMessage } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const news = new SharedMessage(new TextEncoder().encode("to all"));
 * let framings = 0;
 * const frame = (b: Uint8Array) => (framings++, Uint8Array.of(0x82, b.length, ...b)); // a ws frame
 * const first = news.framed(frame); // the first stream that frames it builds the frame
 * const second = news.framed(frame); // every other stream reuses it
 * assert.equal(framings, 1);
 * assert.equal(first, second);
 * ```
 */
export class SharedMessage {
  /** The message (one whole message; for pomelo, one packet). */
  readonly bytes: Uint8Array;
  #framer: ((bytes: Uint8Array) => Uint8Array) | undefined;
  #framed: Uint8Array | undefined;

  /** Wraps `bytes` (not copied). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * The bytes as `framer` frames them for one kind of stream (e.g. a server's WebSocket frame),
   * built on the first call and then reused: every stream that frames the same way (the same
   * `framer` function) writes the very same buffer. One framing is kept (a broadcast
   * mixing framings rebuilds on a switch, still correct).
   */
  framed(framer: (bytes: Uint8Array) => Uint8Array): Uint8Array {
    if (this.#framer !== framer || this.#framed === undefined) {
      this.#framed = framer(this.bytes);
      this.#framer = framer;
    }
    return this.#framed;
  }
}

/**
 * What {@link writeShared} needs of a stream: a `ByteStream` (of `types.ts`) fits. Spelled out
 * here so this file and the contract do not import each other.
 */
export interface SharedWriter {
  /** The stream's `write`. */
  write(bytes: Uint8Array): boolean;
  /** The stream's optional `writeShared` capability. */
  writeShared?(message: SharedMessage): boolean;
}

/**
 * Writes a shared message to a stream: through the stream's `writeShared` where it has one (a
 * WebSocket server writes its one shared frame), else its bytes as they are. Returns what
 * `write` returns.
 *
 * @example
 * ```ts
 * import { SharedMessage, writeShared } from "./shared_message.ts";
 * import assert from "node:assert/strict";
 * const writes: Uint8Array[] = [];
 * const plain = { write: (b: Uint8Array) => (writes.push(b), true) }; // a stream without it
 * const m = new SharedMessage(new Uint8Array([1, 2, 3]));
 * assert.equal(writeShared(plain, m), true);
 * assert.equal(writes[0], m.bytes); // a plain stream gets the shared bytes, not a copy
 * ```
 */
export function writeShared(stream: SharedWriter, message: SharedMessage): boolean {
  return stream.writeShared ? stream.writeShared(message) : stream.write(message.bytes);
}
