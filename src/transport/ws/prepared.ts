/**
 * One message sent to many WebSocket peers: a server's frames are unmasked, so the frame for a
 * given payload is the same for every recipient and can be built once per broadcast.
 * @module
 */

import { Opcode, writeHeader } from "./frame.ts";

/**
 * A message's bytes and, built on first use, its one unmasked binary WebSocket frame (what a
 * server sends). Hand it to {@link WsStream.writePrepared} on each connection: they all write
 * the very same frame instead of framing (and copying) the payload each. The bytes must not
 * change after they are handed over.
 *
 * @example
 * ```ts
 * import { PreparedMessage } from "./prepared.ts";
 * import assert from "node:assert/strict";
 * const m = new PreparedMessage(new Uint8Array([1, 2, 3]));
 * assert.deepEqual([...m.frame], [0x82, 3, 1, 2, 3]); // FIN + binary, length 3, unmasked
 * assert.equal(m.frame, m.frame); // built once
 * ```
 */
export class PreparedMessage {
  /** The message (one whole message; for pomelo, one packet). */
  readonly bytes: Uint8Array;
  #frame: Uint8Array | undefined;

  /** Wraps `bytes` (not copied). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** The whole message as one final, unmasked binary frame. */
  get frame(): Uint8Array {
    if (this.#frame) return this.#frame;
    const n = this.bytes.length;
    const out = new Uint8Array((n < 126 ? 2 : n < 65536 ? 4 : 10) + n);
    const head = writeHeader(out, 0, { fin: true, opcode: Opcode.BINARY, length: n });
    out.set(this.bytes, head);
    return this.#frame = out;
  }
}
