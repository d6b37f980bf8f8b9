/**
 * Encoding pomelo/nano packets and messages into buffers the caller owns: one message in TS
 * (a dozen header bytes are cheaper to write than a wasm call), many in one wasm call.
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { WeftError } from "../core/errors.ts";
import { smallBytes } from "../core/byte_slab.ts";
import type { RouteDictionary } from "./route_dictionary.ts";
import {
  MessageFlag,
  type PacketType,
  PomeloLimits,
  type PomeloMessageInit,
} from "./pomelo_types.ts";
import {
  DESC_CAP,
  ENC_INPUT,
  ENC_OUTPUT,
  ENC_WORDS,
  type PomeloScratch,
  pomeloScratch,
} from "./pomelo_shared.ts";

const encoder = new TextEncoder();
const ROUTE_CACHE_MAX = 4096;
/** Bodies up to this size are copied into wasm; larger ones go straight to the output. */
const INLINE_MAX = 4096;

/**
 * Frames `body` as one packet (type byte, u24 big-endian length, body) in a new buffer.
 * Throws `WeftError("EINVAL")` for a type outside 1..5, `EMSGSIZE` for a body over 2^24 − 1.
 *
 * @example
 * ```ts
 * import { encodePacket } from "./pomelo_encoder.ts";
 * import { PacketType } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodePacket(PacketType.HEARTBEAT, new Uint8Array(0))], [3, 0, 0, 0]);
 * ```
 */
export function encodePacket(type: PacketType, body: Uint8Array): Uint8Array {
  if (!(type >= 1 && type <= 5)) {
    throw new WeftError("EINVAL", `packet type: expected 1..5, got ${type}`);
  }
  checkLength(body.length);
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

function checkLength(length: number): void {
  if (length > PomeloLimits.MAX_BODY) {
    throw new WeftError(
      "EMSGSIZE",
      `pomelo packet body: expected at most 16777215 bytes, got ${length}`,
    );
  }
}

/**
 * Options of {@link PomeloEncoder}.
 *
 * @example
 * ```ts
 * import { PomeloEncoder, type PomeloEncoderOptions } from "./pomelo_encoder.ts";
 * import { RouteDictionary } from "./route_dictionary.ts";
 * import { MessageType } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const dictionary = new RouteDictionary(["onChat"]);
 * const options: PomeloEncoderOptions = { dictionary }; // routes it holds go as u16 codes
 * const body = new TextEncoder().encode("{}");
 * const push = { type: MessageType.PUSH, route: "onChat", body };
 * const bytes = new PomeloEncoder(options).encodeMessage(push);
 * assert.deepEqual([...bytes], [4, 0, 0, 5, 0x07, 0, 1, 0x7b, 0x7d]); // PUSH|compressed, code 1
 * dictionary.dispose();
 * ```
 */
export interface PomeloEncoderOptions {
  /** Routes it holds are sent as u16 codes. */
  readonly dictionary?: RouteDictionary;
  /** The codec instance (default: the dictionary's, else the shared one). */
  readonly codec?: Codec;
}

/**
 * Encodes DATA messages (packet header + message header + body) into one new buffer per call.
 * A broadcast encodes once and writes the same bytes to every session. Keeps a small cache of
 * route bytes, so make one per application, not per connection.
 *
 * Invalid messages throw `WeftError`: `EINVAL` (type, id, route, flags) or `EMSGSIZE`.
 *
 * @example
 * ```ts
 * import { PomeloEncoder } from "./pomelo_encoder.ts";
 * import { MessageType } from "./pomelo_types.ts";
 * import assert from "node:assert/strict";
 * const enc = new PomeloEncoder();
 * const body = new TextEncoder().encode("{}");
 * const bytes = enc.encodeMessage({ type: MessageType.REQUEST, id: 1, route: "Room.Join", body });
 * assert.deepEqual([...bytes.subarray(0, 7)], [4, 0, 0, 14, 0x00, 0x01, 0x09]);
 * const two = enc.encodeMessages([
 *   { type: MessageType.RESPONSE, id: 300, body },
 *   { type: MessageType.NOTIFY, route: "a", body },
 * ]);
 * assert.deepEqual([...two], [4, 0, 0, 5, 4, 0xac, 2, 0x7b, 0x7d, 4, 0, 0, 5, 2, 1, 0x61, 0x7b, 0x7d]);
 * ```
 */
export class PomeloEncoder {
  #s: PomeloScratch;
  #dictionary: RouteDictionary | undefined;
  #routes = new Map<string, Uint8Array>();

  /** Throws `WeftError("EINVAL")` for a dictionary of another codec. */
  constructor(options: PomeloEncoderOptions = {}) {
    const codec = options.codec ?? options.dictionary?.codec ?? sharedCodec();
    if (options.dictionary && options.dictionary.codec !== codec) {
      throw new WeftError("EINVAL", "the dictionary lives in another codec instance");
    }
    this.#s = pomeloScratch(codec);
    this.#dictionary = options.dictionary;
  }

  /** Frames a packet; same as the free {@link encodePacket}. */
  encodePacket(type: PacketType, body: Uint8Array): Uint8Array {
    return encodePacket(type, body);
  }

  /**
   * Encodes one message as a DATA packet into a new array (in TS). On V8 the array is a view of a
   * shared block (`smallBytes` of src/core/byte_slab.ts): use its `byteOffset` with its `buffer`.
   */
  encodeMessage(message: PomeloMessageInit): Uint8Array {
    const type = message.type;
    const flags = checkMessage(message);
    const hasId = type === 0 || type === 2;
    const id = hasId ? message.id! : 0;
    let code = -1;
    let route: Uint8Array | undefined;
    if (type !== 2) {
      code = this.#dictionary?.codeOf(message.route!) ?? -1;
      if (code < 0) route = this.#routeBytes(message.route!);
    }
    const idLen = hasId ? varintLength(id) : 0;
    const routeLen = type === 2 ? 0 : code >= 0 ? 2 : 1 + route!.length;
    const msgLen = 1 + idLen + routeLen + message.body.length;
    checkLength(msgLen);
    const out = smallBytes(4 + msgLen);
    out[0] = 4;
    out[1] = msgLen >>> 16;
    out[2] = (msgLen >>> 8) & 0xff;
    out[3] = msgLen & 0xff;
    out[4] = flags | (type << 1) | (code >= 0 ? 1 : 0);
    let p = 5;
    if (hasId) {
      let v = id;
      while (v >= 0x80) {
        out[p++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      out[p++] = v;
    }
    if (code >= 0) {
      out[p++] = code >> 8;
      out[p++] = code & 0xff;
    } else if (route) {
      out[p++] = route.length;
      copyInto(out, route, p);
      p += route.length;
    }
    copyInto(out, message.body, p);
    return out;
  }

  /** Encodes many messages as consecutive DATA packets into one new buffer (in wasm). */
  encodeMessages(messages: readonly PomeloMessageInit[]): Uint8Array {
    const s = this.#s;
    const { u8, i32 } = s.codec;
    const parts: Uint8Array[] = [];
    let total = 0;
    let i = 0;
    while (i < messages.length) {
      let k = 0;
      let used = 0;
      let external = false;
      while (i + k < messages.length && k < DESC_CAP) {
        const m = messages[i + k]!;
        const type = m.type;
        const flags = checkMessage(m);
        const body = m.body;
        let code = -1;
        let route: Uint8Array | undefined;
        if (type !== 2) {
          code = this.#dictionary?.codeOf(m.route!) ?? -1;
          if (code < 0) route = this.#routeBytes(m.route!);
        }
        const inline = body.length <= INLINE_MAX;
        const need = (inline ? body.length : 0) + (route ? route.length : 0);
        if (used + need > ENC_INPUT) break;
        const d = (s.desc >> 2) + k * ENC_WORDS;
        i32[d] = type | (flags << 8);
        if (type === 0 || type === 2) {
          const id = m.id!;
          i32[d + 1] = id % 0x100000000;
          i32[d + 2] = Math.floor(id / 0x100000000);
        }
        i32[d + 3] = code + 1;
        if (route) {
          i32[d + 4] = s.input + used;
          i32[d + 5] = route.length;
          copyInto(u8, route, s.input + used);
          used += route.length;
        } else {
          i32[d + 5] = type === 2 ? -1 : 0;
        }
        if (inline) {
          i32[d + 6] = s.input + used;
          copyInto(u8, body, s.input + used);
          used += body.length;
        } else {
          i32[d + 6] = -1;
          external = true;
        }
        i32[d + 7] = body.length;
        k++;
      }
      const done = s.fn.pomelo_encode(s.desc, k, s.output, ENC_OUTPUT, s.status);
      if (done < 0) {
        throw new WeftError("EMSGSIZE", "pomelo message: expected at most 16777215 bytes");
      }
      const written = i32[s.status >> 2]!;
      if (!external) {
        parts.push(u8.slice(s.output, s.output + written));
      } else {
        // Insert the large bodies at the offsets wasm left for them.
        let last = 0;
        for (let j = 0; j < done; j++) {
          const d = (s.desc >> 2) + j * ENC_WORDS;
          const body = messages[i + j]!.body;
          if (body.length <= INLINE_MAX) continue;
          const at = i32[d + 6]!;
          parts.push(u8.slice(s.output + last, s.output + at), body);
          last = at;
        }
        parts.push(u8.slice(s.output + last, s.output + written));
      }
      total += written;
      for (let j = 0; j < done; j++) {
        const len = messages[i + j]!.body.length;
        if (len > INLINE_MAX) total += len;
      }
      i += done;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let p = 0;
    for (const part of parts) {
      out.set(part, p);
      p += part.length;
    }
    return out;
  }

  #routeBytes(route: string): Uint8Array {
    let bytes = this.#routes.get(route) ?? this.#dictionary?.routeBytes(route);
    if (bytes) return bytes;
    bytes = encoder.encode(route);
    if (bytes.length > PomeloLimits.MAX_ROUTE) {
      throw new WeftError(
        "EINVAL",
        `pomelo route: expected at most 255 UTF-8 bytes, got ${bytes.length}`,
      );
    }
    if (this.#routes.size >= ROUTE_CACHE_MAX) this.#routes.clear();
    this.#routes.set(route, bytes);
    return bytes;
  }
}

// Short arrays are cheaper to copy by hand than through a typed-array `set` call.
function copyInto(to: Uint8Array, from: Uint8Array, at: number): void {
  const n = from.length;
  if (n > 32) to.set(from, at);
  else for (let i = 0; i < n; i++) to[at + i] = from[i]!;
}

// Validates a message and returns its extra flag bits.
function checkMessage(m: PomeloMessageInit): number {
  const type = m.type;
  if (!(type >= 0 && type <= 3)) {
    throw new WeftError("EINVAL", `message type: expected 0..3, got ${type}`);
  }
  const flags = m.flags ?? 0;
  if ((flags & ~(MessageFlag.GZIP | MessageFlag.ERROR)) !== 0) {
    throw new WeftError("EINVAL", `message flags: expected only 0x10 and 0x20, got ${flags}`);
  }
  if (type === 0 || type === 2) {
    const id = m.id;
    if (id === undefined || !Number.isInteger(id) || id < 0 || id > PomeloLimits.MAX_ID) {
      throw new WeftError("EINVAL", `message id: expected an integer in 0..2^35-1, got ${id}`);
    }
  }
  if (type !== 2 && typeof m.route !== "string") {
    throw new WeftError("EINVAL", `message route: expected a string for type ${type}`);
  }
  return flags;
}

function varintLength(id: number): number {
  let n = 1;
  while (id >= 0x80) {
    id = Math.floor(id / 0x80);
    n++;
  }
  return n;
}
