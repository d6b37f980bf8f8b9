/**
 * CURVE long-term keys: generating a pair (as libzmq's `zmq_curve_keypair` and zeromq.js's
 * `curveKeyPair()`), deriving a public key from a secret one, and reading a key given as 32
 * bytes or 40 Z85 characters.
 * @module
 */

import { WeftError } from "../../../core/errors.ts";
import { KEY_SIZE, publicKeyOf } from "./box.ts";
import { z85Decode, z85Encode } from "./z85.ts";

/** A CURVE key pair in Z85 text (40 characters each), as zeromq.js's `curveKeyPair()` returns. */
export interface CurveKeyPair {
  /** The public key: give it to peers (clients use the server's as `curveServerKey`). */
  readonly publicKey: string;
  /** The secret key: keep it to this socket (`curveSecretKey`), never send it anywhere. */
  readonly secretKey: string;
}

/** A key as options take it: 32 bytes, or the same 32 bytes as 40 Z85 characters. */
export type CurveKey = Uint8Array | string;

/** Where random bytes come from (default: `crypto.getRandomValues`). */
export type RandomSource = (n: number) => Uint8Array;

/** The platform's cryptographic random source. */
export const systemRandom: RandomSource = (n) => crypto.getRandomValues(new Uint8Array(n));

/**
 * A fresh CURVE key pair from the system's cryptographic random source.
 *
 * @example
 * ```ts
 * import { curveKeyPair, Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const server = curveKeyPair();
 * const client = curveKeyPair();
 * assert.equal(server.publicKey.length, 40);
 * await using rep = new Rep({ curveServer: true, curveSecretKey: server.secretKey });
 * await rep.bind("tcp://127.0.0.1:0");
 * await using req = new Req({
 *   curveServerKey: server.publicKey, // the only thing a client must know of the server
 *   curveSecretKey: client.secretKey,
 *   curvePublicKey: client.publicKey,
 * });
 * req.connect(rep.lastEndpoint!);
 * await req.send("ping");
 * const [request] = await rep.receive();
 * await rep.send(request!);
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "ping");
 * ```
 */
export function curveKeyPair(): CurveKeyPair {
  const secret = systemRandom(KEY_SIZE);
  try {
    return { publicKey: z85Encode(publicKeyOf(secret)), secretKey: z85Encode(secret) };
  } finally {
    secret.fill(0);
  }
}

/**
 * The public key that belongs to a secret key (libzmq's `zmq_curve_public`), in Z85.
 *
 * @example
 * ```ts
 * import { curveKeyPair, curvePublicKey } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const pair = curveKeyPair();
 * // A server that stores only its secret key can print the public key for its clients.
 * assert.equal(curvePublicKey(pair.secretKey), pair.publicKey);
 * ```
 */
export function curvePublicKey(secretKey: CurveKey): string {
  return z85Encode(publicKeyOf(toCurveKey("secretKey", secretKey)));
}

/**
 * Reads a key given as 32 bytes or 40 Z85 characters; `EINVAL` naming `name` and what was
 * expected otherwise. Bytes are copied, so later changes to the caller's array do not leak in.
 *
 * @example
 * ```ts
 * import { toCurveKey } from "./keys.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toCurveKey("curveServerKey", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")[0], 0x54);
 * assert.throws(() => toCurveKey("curveServerKey", new Uint8Array(31)), { code: "EINVAL" });
 * ```
 */
export function toCurveKey(name: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== KEY_SIZE) {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected a 32-byte key or 40 Z85 characters, got ${value.length} bytes`,
      );
    }
    return value.slice();
  }
  if (typeof value === "string") {
    if (value.length !== 40) {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected a 32-byte key or 40 Z85 characters, got ${value.length} characters`,
      );
    }
    try {
      return z85Decode(value);
    } catch (e) {
      throw new WeftError("EINVAL", `option ${name}: ${(e as Error).message}`);
    }
  }
  throw new WeftError(
    "EINVAL",
    `option ${name}: expected a 32-byte Uint8Array or a 40-character Z85 string, got ${
      value === null ? "null" : typeof value
    }`,
  );
}
