/**
 * The pure-TS reference twin of the pomelo codec (wasm/assembly/pomelo.ts): the test oracle
 * and the benchmark baseline. Written to be read, not to be fast: it buffers input, parses
 * byte by byte and decodes every route with a TextDecoder.
 * @module
 */

import { CodecStatus } from "../status.ts";
import {
  MessageFlag,
  type MessageType,
  type PacketType,
  PomeloLimits,
  type PomeloMessage,
  type PomeloMessageInit,
  type PomeloSink,
  type RouteTable,
} from "../pomelo_types.ts";

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Result of {@link decodeMessage}: the message, or a negative status. */
export type DecodedMessage = PomeloMessage | number;

/**
 * Decodes a DATA packet body into a message, or returns a negative {@link CodecStatus}.
 * Without a dictionary every compressed route is unknown.
 *
 * @example
 * ```ts
 * import { decodeMessage } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * const m = decodeMessage(new Uint8Array([0x02, 1, 0x61, 0x7b, 0x7d]));
 * assert.ok(typeof m !== "number");
 * assert.equal(m.route, "a");
 * ```
 */
export function decodeMessage(body: Uint8Array, dictionary?: RouteTable): DecodedMessage {
  if (body.length < 1) return CodecStatus.MALFORMED;
  const flags = body[0]!;
  const type = (flags >> 1) & 7;
  if (type > 3) return CodecStatus.BAD_TYPE;
  if (flags & 0xc0) return CodecStatus.MALFORMED;
  let pos = 1;
  let id = 0;
  if (type === 0 || type === 2) {
    // Base-128, least-significant group first, at most 5 bytes.
    for (let i = 0;; i++) {
      if (i === 5 || pos >= body.length) return CodecStatus.TRUNCATED_VARINT;
      const b = body[pos++]!;
      id += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) break;
    }
  }
  let route = "";
  if (type !== 2) {
    if (flags & MessageFlag.ROUTE_COMPRESSED) {
      if (body.length - pos < 2) return CodecStatus.MALFORMED;
      const code = (body[pos]! << 8) | body[pos + 1]!;
      pos += 2;
      const found = dictionary?.routeOf(code);
      if (found === undefined) return CodecStatus.UNKNOWN_ROUTE;
      route = found;
    } else {
      if (pos >= body.length) return CodecStatus.MALFORMED;
      const length = body[pos++]!;
      if (body.length - pos < length) return CodecStatus.MALFORMED;
      route = utf8.decode(body.subarray(pos, pos + length));
      pos += length;
    }
  }
  return { type: type as MessageType, id, route, body: body.subarray(pos), flags };
}

/**
 * A streaming packet decoder: buffers what it is fed and reports every complete packet.
 * Same contract as the wasm-backed `PomeloDecoder`.
 *
 * @example
 * ```ts
 * import { ReferencePomeloDecoder } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * const seen: number[] = [];
 * const dec = new ReferencePomeloDecoder();
 * const sink = { packet: (t: number) => seen.push(t), message: () => {} };
 * assert.equal(dec.feed(new Uint8Array([3, 0]), sink), 0);
 * assert.equal(dec.feed(new Uint8Array([0, 0]), sink), 0);
 * assert.deepEqual(seen, [3]);
 * ```
 */
export class ReferencePomeloDecoder {
  #buffer = new Uint8Array(0);
  #maxBody: number;
  #dictionary: RouteTable | undefined;
  #failed = 0;

  /** `maxBody` defaults to 64 KiB. */
  constructor(options: { maxBody?: number; dictionary?: RouteTable } = {}) {
    this.#maxBody = options.maxBody ?? PomeloLimits.DEFAULT_MAX_BODY;
    this.#dictionary = options.dictionary;
  }

  /** Feeds bytes; returns 0 or the negative status that stopped decoding (sticky). */
  feed(chunk: Uint8Array, sink: PomeloSink): number {
    if (this.#failed) return this.#failed;
    let joined = chunk;
    if (this.#buffer.length > 0) {
      joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
    }
    let pos = 0;
    while (joined.length - pos >= 4) {
      const type = joined[pos]!;
      const length = (joined[pos + 1]! << 16) | (joined[pos + 2]! << 8) | joined[pos + 3]!;
      if (type < 1 || type > 5) return this.#fail(CodecStatus.BAD_TYPE);
      if (length > this.#maxBody) return this.#fail(CodecStatus.TOO_LARGE);
      if (joined.length - pos - 4 < length) break;
      const body = joined.subarray(pos + 4, pos + 4 + length);
      pos += 4 + length;
      if (type === 4) {
        const message = decodeMessage(body, this.#dictionary);
        if (typeof message === "number") return this.#fail(message);
        sink.message(message);
      } else {
        sink.packet(type as PacketType, body);
      }
    }
    this.#buffer = joined.slice(pos);
    return 0;
  }

  #fail(status: number): number {
    this.#failed = status;
    return status;
  }
}

/**
 * Frames `body` as one packet: type byte, u24 big-endian length, body.
 *
 * @example
 * ```ts
 * import { encodePacket } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodePacket(3, new Uint8Array(0))], [3, 0, 0, 0]);
 * ```
 */
export function encodePacket(type: PacketType, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/**
 * Encodes the message layer (flag, id, route, body) without the packet header. Compresses
 * the route when `dictionary` has it. Throws a RangeError on an invalid message.
 *
 * @example
 * ```ts
 * import { encodeMessageBody } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * const m = encodeMessageBody({ type: 1, route: "a", body: new Uint8Array(0) });
 * assert.deepEqual([...m], [0x02, 1, 0x61]);
 * ```
 */
export function encodeMessageBody(message: PomeloMessageInit, dictionary?: RouteTable): Uint8Array {
  const bytes: number[] = [];
  const type = message.type;
  const code = message.route === undefined ? undefined : dictionary?.codeOf(message.route);
  const hasRoute = type !== 2;
  const compressed = hasRoute && code !== undefined;
  bytes.push((message.flags ?? 0) | (type << 1) | (compressed ? 1 : 0));
  if (type === 0 || type === 2) {
    let id = message.id ?? 0;
    while (id >= 0x80) {
      bytes.push((id % 0x80) | 0x80);
      id = Math.floor(id / 0x80);
    }
    bytes.push(id);
  }
  if (hasRoute) {
    if (compressed) {
      bytes.push(code >> 8, code & 0xff);
    } else {
      const route = utf8Encoder.encode(message.route ?? "");
      if (route.length > 255) throw new RangeError(`route longer than 255 bytes`);
      bytes.push(route.length, ...route);
    }
  }
  const out = new Uint8Array(bytes.length + message.body.length);
  out.set(bytes);
  out.set(message.body, bytes.length);
  return out;
}

/**
 * Encodes messages as consecutive DATA packets in one buffer.
 *
 * @example
 * ```ts
 * import { encodeMessages } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * const out = encodeMessages([{ type: 2, id: 1, body: new Uint8Array(0) }]);
 * assert.deepEqual([...out], [4, 0, 0, 2, 0x04, 1]);
 * ```
 */
export function encodeMessages(
  messages: readonly PomeloMessageInit[],
  dictionary?: RouteTable,
): Uint8Array {
  const packets = messages.map((m) => encodePacket(4, encodeMessageBody(m, dictionary)));
  const out = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of packets) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
