/**
 * The peer's properties on received messages (libzmq's `zmq_msg_gets`): `User-Id` and the
 * metadata an authenticator returned, and what the peer announced (`Socket-Type`…). Frames
 * from connections that went through a security handshake (PLAIN, or NULL with an
 * authenticator) are tagged as they arrive; a WeakMap keeps the tag, so nothing is copied and
 * plain NULL traffic pays nothing.
 * @module
 */

import type { Message } from "../../core/pipe.ts";
import type { WireSessionSink } from "../../core/wire.ts";
import type { ZmtpPeer } from "../../protocol/zmtp/mod.ts";

const tags = new WeakMap<Uint8Array, ReadonlyMap<string, Uint8Array>>();
const text = new TextDecoder();

/**
 * Wraps a session sink so every frame it delivers carries the peer's properties.
 *
 * @example
 * ```ts
 * import { messageProperty, tagFrames } from "./message_properties.ts";
 * import assert from "node:assert/strict";
 * const got: Uint8Array[][] = [];
 * const sink = tagFrames({
 *   write() {}, ready() {}, subscription() {}, error() {},
 *   message: (frames) => got.push(frames),
 * });
 * const props = new Map([["user-id", new TextEncoder().encode("ann")]]);
 * sink.ready({ socketType: "REQ", identity: new Uint8Array(0), properties: props, minor: 1 });
 * sink.message([new Uint8Array([1])]);
 * assert.equal(messageProperty(got[0]!, "User-Id"), "ann");
 * ```
 */
export function tagFrames(sink: WireSessionSink): WireSessionSink<ZmtpPeer> {
  let props: ReadonlyMap<string, Uint8Array> | undefined;
  return {
    write: (bytes) => sink.write(bytes),
    ready: (peer) => {
      props = peer.properties;
      sink.ready(peer);
    },
    message: (frames) => {
      if (props !== undefined) { for (const frame of frames) tags.set(frame, props); }
      sink.message(frames);
    },
    subscription: (topic, subscribe) => sink.subscription(topic, subscribe),
    error: (error) => sink.error(error),
  };
}

/**
 * A property of the peer that sent `message` (or one of its frames), by name in any case, as
 * text: `User-Id` (set by the authenticator), metadata the authenticator returned, or what the
 * peer announced (`Socket-Type`, `Identity`, `X-…`). `undefined` for an unknown name, and for
 * messages from connections without a security handshake (NULL with no authenticator).
 * Routing ids a ROUTER puts in front are not the peer's frames; the others are asked.
 *
 * @example
 * ```ts
 * import { messageProperty, Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep({
 *   plainServer: true,
 *   authenticate: ({ credentials: [user] }) => ({ status: 200, userId: new TextDecoder().decode(user) }),
 * });
 * await rep.bind("tcp://127.0.0.1:0");
 * await using req = new Req({ plainUsername: "ann", plainPassword: "any" });
 * req.connect(rep.lastEndpoint!);
 * await req.send("hello");
 * const message = await rep.receive();
 * assert.equal(messageProperty(message, "User-Id"), "ann");
 * assert.equal(messageProperty(message, "Socket-Type"), "REQ");
 * ```
 */
export function messageProperty(message: Message | Uint8Array, name: string): string | undefined {
  const value = messagePropertyBytes(message, name);
  return value === undefined ? undefined : text.decode(value);
}

/**
 * Like {@link messageProperty}, as the raw bytes (for binary metadata).
 *
 * @example
 * ```ts
 * import { messagePropertyBytes } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * assert.equal(messagePropertyBytes([new Uint8Array([1])], "User-Id"), undefined); // untagged
 * ```
 */
export function messagePropertyBytes(
  message: Message | Uint8Array,
  name: string,
): Uint8Array | undefined {
  const key = name.toLowerCase();
  const frames = message instanceof Uint8Array ? [message] : message;
  for (let i = frames.length - 1; i >= 0; i--) {
    const props = tags.get(frames[i]!);
    if (props !== undefined) return props.get(key);
  }
  return undefined;
}
