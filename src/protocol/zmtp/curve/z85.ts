/**
 * Z85 (ZeroMQ RFC 32): 4 octets ↔ 5 printable characters, the text form of CURVE keys (a 32-byte
 * key is 40 characters).
 * @module
 */

import { WeftError } from "../../../core/errors.ts";

const ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Character code → digit value, -1 for a character outside the alphabet. */
const DIGITS = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Encodes bytes as Z85. The length must be a multiple of 4 (RFC 32); `EINVAL` otherwise.
 *
 * @example
 * ```ts
 * import { z85Encode } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // The RFC 32 test case.
 * const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
 * assert.equal(z85Encode(bytes), "HelloWorld");
 * ```
 */
export function z85Encode(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) {
    throw new WeftError("EINVAL", "z85Encode: expected a Uint8Array");
  }
  if (bytes.length % 4 !== 0) {
    throw new WeftError(
      "EINVAL",
      `z85Encode: expected a length that is a multiple of 4 (RFC 32), got ${bytes.length} bytes`,
    );
  }
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) |
      bytes[i + 3]!) >>> 0;
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[value % 85]!;
      value = Math.floor(value / 85);
    }
    out += chunk.join("");
  }
  return out;
}

/**
 * Decodes Z85 text. The length must be a multiple of 5 and every character from the Z85
 * alphabet, and each group must fit 32 bits; `EINVAL` naming the offending position otherwise.
 *
 * @example
 * ```ts
 * import { z85Decode, z85Encode } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // libzmq's test server public key, as curve_keygen prints it, back to its 32 bytes.
 * const key = z85Decode("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
 * assert.equal(key.length, 32);
 * assert.equal(z85Encode(key), "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
 * ```
 */
export function z85Decode(text: string): Uint8Array {
  if (typeof text !== "string") throw new WeftError("EINVAL", "z85Decode: expected a string");
  if (text.length % 5 !== 0) {
    throw new WeftError(
      "EINVAL",
      `z85Decode: expected a length that is a multiple of 5 (RFC 32), got ${text.length} characters`,
    );
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DIGITS[code]! : -1;
      if (digit < 0) {
        throw new WeftError(
          "EINVAL",
          `z85Decode: expected Z85 characters (RFC 32), got ${
            JSON.stringify(text[i + j])
          } at position ${i + j}`,
        );
      }
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) {
      throw new WeftError(
        "EINVAL",
        `z85Decode: the group at position ${i} exceeds 32 bits (not valid Z85)`,
      );
    }
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}
