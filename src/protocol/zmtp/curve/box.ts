/**
 * NaCl's `crypto_box` as CurveZMQ uses it, built from audited primitives: X25519 from
 * `@noble/curves`, HSalsa20 and XSalsa20-Poly1305 from `@noble/ciphers`. Nothing here is a
 * cipher of its own: `beforenm` is libsodium's `crypto_box_beforenm` (HSalsa20 of the X25519
 * shared point with a zero nonce), and sealing with that key is `crypto_box_easy_afternm`
 * (tag ‖ ciphertext, 16 octets longer than the plaintext).
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

/** Octets a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;
/** Octets of a CurveZMQ key (public, secret, precomputed). */
export const KEY_SIZE = 32;

/** "expand 32-byte k" as four little-endian words: HSalsa20's constant. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE_WORDS = new Uint32Array(4);

/** X25519 public key of a 32-byte secret (`crypto_scalarmult_base`). */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secret);
}

/**
 * `crypto_box_beforenm(pk, sk)`: the precomputed key both sides derive. Throws when the peer's
 * key is a low-order point (libsodium fails the same way: the shared point is all zeros).
 */
export function beforenm(theirPublic: Uint8Array, ourSecret: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(ourSecret, theirPublic);
  const words = new Uint32Array(8);
  const sharedWords = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    sharedWords[i] = shared[4 * i]! | (shared[4 * i + 1]! << 8) | (shared[4 * i + 2]! << 16) |
      (shared[4 * i + 3]! << 24);
  }
  hsalsa(SIGMA, sharedWords, ZERO_NONCE_WORDS, words);
  const key = new Uint8Array(KEY_SIZE);
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    key[4 * i] = w & 0xff;
    key[4 * i + 1] = (w >>> 8) & 0xff;
    key[4 * i + 2] = (w >>> 16) & 0xff;
    key[4 * i + 3] = w >>> 24;
  }
  shared.fill(0);
  sharedWords.fill(0);
  words.fill(0);
  return key;
}

/** `crypto_box_easy_afternm` / `crypto_secretbox_easy`: tag ‖ ciphertext. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return xsalsa20poly1305(key, nonce).encrypt(plaintext);
}

/**
 * Seals in place for the traffic path: `out` holds 32 scratch octets then the plaintext; on
 * return `out[16..32)` is the tag, `out[32..)` the ciphertext and `out[0..16)` is zero (the
 * caller writes its header there), so one buffer becomes the whole MESSAGE body.
 */
export function sealInPlace(key: Uint8Array, nonce: Uint8Array, out: Uint8Array): void {
  xsalsa20poly1305(key, nonce).encrypt(out.subarray(32), out);
}

/** Opens a box (tag ‖ ciphertext); null when it does not authenticate. */
export function open(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | null {
  if (box.length < BOX_OVERHEAD) return null;
  try {
    return xsalsa20poly1305(key, nonce).decrypt(box);
  } catch {
    return null;
  }
}

/** `crypto_box(plaintext, nonce, theirPublic, ourSecret)`, the one-shot form for handshake boxes. */
export function box(
  plaintext: Uint8Array,
  nonce: Uint8Array,
  theirPublic: Uint8Array,
  ourSecret: Uint8Array,
): Uint8Array {
  const key = beforenm(theirPublic, ourSecret);
  try {
    return seal(key, nonce, plaintext);
  } finally {
    key.fill(0);
  }
}

/** `crypto_box_open`: null when the box does not open (or the peer's key is low-order). */
export function boxOpen(
  sealed: Uint8Array,
  nonce: Uint8Array,
  theirPublic: Uint8Array,
  ourSecret: Uint8Array,
): Uint8Array | null {
  let key: Uint8Array;
  try {
    key = beforenm(theirPublic, ourSecret);
  } catch {
    return null;
  }
  try {
    return open(key, nonce, sealed);
  } finally {
    key.fill(0);
  }
}
