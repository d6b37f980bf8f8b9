/**
 * Shared vocabulary of the pomelo/nano codec: packet and message types, flag bits, limits,
 * the decoded message shape and the decoder's sink. See `pomelo.ts` for the codec itself.
 * @module
 */

/**
 * Packet types of the pomelo/nano packet layer (`type` byte of `type + u24 length + body`).
 *
 * @example
 * ```ts
 * import { encodePacket } from "./pomelo_encoder.ts";
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { PacketType } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const kick = encodePacket(PacketType.KICK, new TextEncoder().encode('{"reason":"bye"}'));
 * assert.deepEqual([...kick.subarray(0, 4)], [PacketType.KICK, 0, 0, 16]); // type, u24 length
 * const seen: number[] = [];
 * new PomeloDecoder().feed(kick, { packet: (type) => seen.push(type), message() {} });
 * assert.deepEqual(seen, [PacketType.KICK]);
 * ```
 */
export const PacketType = {
  /** Handshake: client request or server response, UTF-8 JSON body. */
  HANDSHAKE: 1,
  /** Handshake acknowledgement from the client, empty body. */
  HANDSHAKE_ACK: 2,
  /** Heartbeat, both directions, empty body. */
  HEARTBEAT: 3,
  /** Data: the body is one message (see {@link MessageType}). */
  DATA: 4,
  /** Kick from the server, JSON `{"reason": ...}` body. */
  KICK: 5,
} as const;

/** One of the {@link PacketType} values. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/**
 * Message types inside DATA packets (bits 1–3 of the message flag byte).
 *
 * @example
 * ```ts
 * import { MessageType, type PomeloMessage, PomeloServerSession } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const got: PomeloMessage[] = [];
 * const s = new PomeloServerSession(
 *   { write() {}, message: (m) => got.push(m), ready() {}, close() {} },
 *   { now: 0 },
 * );
 * const hs = new TextEncoder().encode('{"sys":{"type":"t","version":"1"}}');
 * s.feed(new Uint8Array([1, 0, 0, hs.length, ...hs, 2, 0, 0, 0]), 0); // HANDSHAKE, ACK
 * const msg = [MessageType.NOTIFY << 1, 3, ...new TextEncoder().encode("a.b{}")]; // notify a.b {}
 * s.feed(new Uint8Array([4, 0, 0, msg.length, ...msg]), 1); // DATA
 * assert.equal(got[0]?.type, MessageType.NOTIFY);
 * ```
 */
export const MessageType = {
  /** Client request: id and route. */
  REQUEST: 0,
  /** Client notification: route, no id. */
  NOTIFY: 1,
  /** Server response: id, no route. */
  RESPONSE: 2,
  /** Server push: route, no id. */
  PUSH: 3,
} as const;

/** One of the {@link MessageType} values. */
export type MessageType = typeof MessageType[keyof typeof MessageType];

/**
 * Bits of the message flag byte that are not the type.
 *
 * @example
 * ```ts
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { PomeloEncoder } from "./pomelo_encoder.ts";
 * import { MessageFlag, MessageType, type PomeloMessage } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const body = new Uint8Array([0x78, 0x9c, 3, 0, 0, 0, 0, 1]); // zlib of "" (pitaya compresses)
 * const bytes = new PomeloEncoder().encodeMessage({
 *   type: MessageType.PUSH, route: "onChat", body, flags: MessageFlag.GZIP,
 * });
 * const got: PomeloMessage[] = [];
 * new PomeloDecoder().feed(bytes, { packet() {}, message: (m) => got.push(m) });
 * assert.ok(got[0]!.flags & MessageFlag.GZIP); // inflate the body before parsing it
 * assert.ok(!(got[0]!.flags & MessageFlag.ROUTE_COMPRESSED)); // no dictionary: route as text
 * ```
 */
export const MessageFlag = {
  /** The route is a u16 dictionary code instead of length + UTF-8. */
  ROUTE_COMPRESSED: 0x01,
  /** pomelo-protocol 0.1.6 "compressGzip"; pitaya: the body is zlib-deflated. */
  GZIP: 0x10,
  /** pitaya: a RESPONSE that carries an error payload. */
  ERROR: 0x20,
} as const;

/**
 * Limits of the pomelo wire format.
 *
 * @example
 * ```ts
 * import { encodePacket } from "./pomelo_encoder.ts";
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { PacketType, PomeloLimits } from "./pomelo_types.ts";
 * import { CodecStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 * const big = encodePacket(PacketType.DATA, new Uint8Array(PomeloLimits.DEFAULT_MAX_BODY + 1));
 * const sink = { packet() {}, message() {} };
 * assert.equal(new PomeloDecoder().feed(big, sink), CodecStatus.TOO_LARGE); // over the default
 * assert.equal(new PomeloDecoder({ maxBody: PomeloLimits.MAX_BODY }).feed(big, sink), 0);
 * assert.throws(() => new PomeloDecoder({ maxBody: PomeloLimits.MAX_BODY + 1 }), { code: "EINVAL" });
 * ```
 */
export const PomeloLimits = {
  /** Default maximum packet body, like nano's `MaxPacketSize` (64 KiB). */
  DEFAULT_MAX_BODY: 64 * 1024,
  /** The largest body a u24 length can carry. */
  MAX_BODY: 0xffffff,
  /** The longest uncompressed route (u8 length). */
  MAX_ROUTE: 255,
  /** The largest message id (a 5-byte varint). */
  MAX_ID: 2 ** 35 - 1,
} as const;

/**
 * A decoded DATA message. `body` is a view into the chunk that was fed (or into a buffer the
 * decoder assembled for a packet split across chunks), not a copy: keep the chunk unchanged
 * while you use it, or copy.
 *
 * @example
 * ```ts
 * import { type PomeloMessage, PomeloServerSession } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const got: PomeloMessage[] = [];
 * const s = new PomeloServerSession(
 *   { write() {}, message: (m) => got.push(m), ready() {}, close() {} },
 *   { now: 0 },
 * );
 * const hs = new TextEncoder().encode('{"sys":{"type":"t","version":"1"}}');
 * s.feed(new Uint8Array([1, 0, 0, hs.length, ...hs, 2, 0, 0, 0]), 0); // HANDSHAKE, ACK
 * const msg = [0, 7, 3, ...new TextEncoder().encode("a.b{}")]; // REQUEST id 7, route a.b, {}
 * s.feed(new Uint8Array([4, 0, 0, msg.length, ...msg]), 1); // DATA
 * assert.deepEqual([got[0]?.id, got[0]?.route, new TextDecoder().decode(got[0]?.body)], [7, "a.b", "{}"]);
 * ```
 */
export interface PomeloMessage {
  /** REQUEST, NOTIFY, RESPONSE or PUSH. */
  readonly type: MessageType;
  /** The message id for REQUEST/RESPONSE, 0 otherwise (ids reach 2^35 − 1). */
  readonly id: number;
  /** The route, resolved through the dictionary when compressed; "" for RESPONSE. */
  readonly route: string;
  /** The message body (everything after the header). */
  readonly body: Uint8Array;
  /** The raw flag byte: {@link MessageFlag} bits, type in bits 1–3. */
  readonly flags: number;
}

/**
 * Receives what a decoder finds in a chunk, in wire order. DATA packets arrive only as
 * `message`; every other packet type as `packet`.
 *
 * @example
 * ```ts
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { encodePacket } from "./pomelo_encoder.ts";
 * import type { PomeloSink } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const sink: PomeloSink = {
 *   packet: (type) => seen.push(`packet ${type}`),
 *   message: (m) => seen.push(`message ${m.route}`),
 * };
 * const notify = [4, 0, 0, 5, 2, 1, 0x61, 0x7b, 0x7d]; // DATA: NOTIFY a {}
 * new PomeloDecoder().feed(new Uint8Array([...encodePacket(3, new Uint8Array(0)), ...notify]), sink);
 * assert.deepEqual(seen, ["packet 3", "message a"]); // HEARTBEAT, then the DATA's message
 * ```
 */
export interface PomeloSink {
  /** A HANDSHAKE, HANDSHAKE_ACK, HEARTBEAT or KICK packet and its body (a view, see above). */
  packet(type: PacketType, body: Uint8Array): void;
  /** The message of a DATA packet. */
  message(message: PomeloMessage): void;
}

/**
 * A message to encode as a DATA packet.
 *
 * @example
 * ```ts
 * import { PomeloDecoder } from "./pomelo_decoder.ts";
 * import { PomeloEncoder } from "./pomelo_encoder.ts";
 * import { MessageType, type PomeloMessage, type PomeloMessageInit } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const body = new TextEncoder().encode('{"text":"hi"}');
 * const push: PomeloMessageInit = { type: MessageType.PUSH, route: "onChat", body }; // no id
 * const got: PomeloMessage[] = [];
 * const bytes = new PomeloEncoder().encodeMessage(push);
 * new PomeloDecoder().feed(bytes, { packet() {}, message: (m) => got.push(m) });
 * assert.deepEqual([got[0]?.type, got[0]?.id, got[0]?.route], [MessageType.PUSH, 0, "onChat"]);
 * assert.deepEqual(got[0]?.body, body);
 * ```
 */
export interface PomeloMessageInit {
  /** REQUEST, NOTIFY, RESPONSE or PUSH. */
  readonly type: MessageType;
  /** Required for REQUEST and RESPONSE: an integer in 0..2^35 − 1. Ignored otherwise. */
  readonly id?: number;
  /** Required for REQUEST, NOTIFY and PUSH (at most 255 UTF-8 bytes). Ignored for RESPONSE. */
  readonly route?: string;
  /** The body bytes. */
  readonly body: Uint8Array;
  /** Extra flag bits: only {@link MessageFlag.GZIP} and {@link MessageFlag.ERROR}. */
  readonly flags?: number;
}

/**
 * What the codec needs from a route dictionary (the reference codec takes any such table).
 *
 * @example
 * ```ts
 * import type { RouteTable } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const table: RouteTable = {
 *   codeOf: (r) => (r === "a" ? 1 : undefined),
 *   routeOf: (c) => (c === 1 ? "a" : undefined),
 * };
 * assert.equal(table.routeOf(table.codeOf("a")!), "a");
 * ```
 */
export interface RouteTable {
  /** The code of `route`, or undefined. */
  codeOf(route: string): number | undefined;
  /** The route of `code`, or undefined. */
  routeOf(code: number): string | undefined;
}
