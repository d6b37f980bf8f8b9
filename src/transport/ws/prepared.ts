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
 * import { App, PreparedMessage } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const msg = [0x06, 6, ...new TextEncoder().encode('onNews{"n":1}')]; // PUSH onNews {"n":1}
 * const news = new PreparedMessage(new Uint8Array([4, 0, 0, msg.length, ...msg])); // one packet
 * assert.deepEqual([...news.frame.subarray(0, 2)], [0x82, msg.length + 4]); // its ws frame, built once
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("news.sub", (session) => (session.write(news), {})); // every writer shares the frame
 * const client = await connect(`ws://127.0.0.1:${(await app.listen()).port}/`);
 * const got = new Promise((resolve) => client.on("onNews", resolve));
 * await client.request("news.sub", {});
 * assert.deepEqual(await got, { n: 1 });
 * client.close();
 * ```
 */
export class PreparedMessage extends SharedMessage {
  /** The whole message as one final, unmasked binary frame (built once, then shared). */
  get frame(): Uint8Array {
    return this.framed(serverFrame);
  }
}
