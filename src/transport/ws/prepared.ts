/**
 * One message sent to many WebSocket peers: a server's frames are unmasked, so the frame for a
 * given payload is the same for every recipient and can be built once per broadcast.
 * @module
 */

import { SharedMessage } from "../shared_message.ts";
import { Opcode, writeHeader } from "./frame.ts";

/**
 * The whole message as one final, unmasked binary frame (what a server sends). The framer a
 * WebSocket server gives {@link SharedMessage.framed}, so every server stream shares one frame.
 *
 * @example
 * ```ts
 * import { serverFrame } from "./prepared.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...serverFrame(new Uint8Array([1, 2, 3]))], [0x82, 3, 1, 2, 3]);
 * ```
 */
export function serverFrame(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out = new Uint8Array((n < 126 ? 2 : n < 65536 ? 4 : 10) + n);
  const head = writeHeader(out, 0, { fin: true, opcode: Opcode.BINARY, length: n });
  out.set(bytes, head);
  return out;
}

/**
 * A {@link SharedMessage} that also shows its WebSocket frame. Write it (or any shared message)
 * to each connection with `session.write` / the stream's `writeShared`: WebSocket servers all
 * write the very same frame instead of framing (and copying) the payload each, other streams
 * the same bytes. The bytes must not change after they are handed over.
 *
 * @example
 * ```ts
 * import { PreparedMessage } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const m = new PreparedMessage(new Uint8Array([1, 2, 3]));
 * assert.deepEqual([...m.frame], [0x82, 3, 1, 2, 3]); // FIN + binary, length 3, unmasked
 * assert.equal(m.frame, m.frame); // built once
 * ```
 */
export class PreparedMessage extends SharedMessage {
  /** The whole message as one final, unmasked binary frame (built once, then shared). */
  get frame(): Uint8Array {
    return this.framed(serverFrame);
  }
}
