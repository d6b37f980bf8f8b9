/**
 * NaCl's `crypto_box` as CurveZMQ uses it, built from audited primitives: X25519 from
 * `@noble/curves`, HSalsa20 and XSalsa20-Poly1305 from `@noble/ciphers`. Nothing here is a
 * cipher of its own: `beforenm` is libsodium's `crypto_box_beforenm` (HSalsa20 of the X25519
 * shared point with a zero nonce), and sealing with that key is `crypto_box_easy_afternm`
 * (tag ‖ ciphertext, 16 octets longer than the plaintext).
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, salsa20, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { Poly1305 } from "@noble/ciphers/_poly1305.js";
import type { X25519 } from "./x25519.ts";

/** Octets a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;
/** Octets of a CurveZMQ key (public, secret, precomputed). */
export const KEY_SIZE = 32;

/** "expand 32-byte k" as four little-endian words: HSalsa20's constant. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_NONCE = new Uint8Array(16);

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
  try {
    return hsalsaBytes(shared, ZERO_NONCE);
  } finally {
    shared.fill(0);
  }
}

/**
 * {@link beforenm} with the given X25519 (WebCrypto's by default in the handshake): resolves to
 * the precomputed key, rejects when the peer's key is a low-order point.
 */
export async function precompute(
  x: X25519,
  theirPublic: Uint8Array,
  ourSecret: Uint8Array,
): Promise<Uint8Array> {
  const shared = await x.sharedSecret(ourSecret, theirPublic);
  try {
    return hsalsaBytes(shared, ZERO_NONCE);
  } finally {
    shared.fill(0);
  }
}

/** HSalsa20 over byte strings: a 32-octet key and a 16-octet nonce give a 32-octet subkey. */
function hsalsaBytes(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const keyWords = new Uint32Array(8);
  const nonceWords = new Uint32Array(4);
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) keyWords[i] = readWord(key, 4 * i);
  for (let i = 0; i < 4; i++) nonceWords[i] = readWord(nonce16, 4 * i);
  hsalsa(SIGMA, keyWords, nonceWords, words);
  const out = new Uint8Array(KEY_SIZE);
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    out[4 * i] = w & 0xff;
    out[4 * i + 1] = (w >>> 8) & 0xff;
    out[4 * i + 2] = (w >>> 16) & 0xff;
    out[4 * i + 3] = w >>> 24;
  }
  keyWords.fill(0);
  words.fill(0);
  return out;
}

function readWord(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>>
    0;
}

/**
 * The boxes of one direction of CurveZMQ traffic: every MESSAGE nonce is a fixed 16-octet prefix
 * (`CurveZMQMESSAGEC` or `…S`) and an 8-octet counter, so XSalsa20's first step — HSalsa20 of the
 * precomputed key and the nonce's first 16 octets (XSalsa20(k, n) = Salsa20(HSalsa20(k, n[0..16]),
 * n[16..24])) — is the same for the whole connection and done once here. Each box then costs one
 * `@noble/ciphers` `salsa20` pass and one `poly1305`, the same two calls its `xsalsa20poly1305`
 * makes (NaCl's secretbox: the first 32 keystream octets key Poly1305, the rest encrypt), with
 * no second key expansion and, when opening, one keystream pass instead of two. Output is
 * byte-identical to {@link seal}/{@link open} with the full 24-octet nonce.
 */
export class PrefixedBoxes {
  readonly #subkey: Uint8Array;
  /** The tag computed when opening (reused: one allocation less per box). */
  readonly #tag = new Uint8Array(BOX_OVERHEAD);

  /** `key`: the connection's precomputed key; `prefix`: the direction's 16-octet nonce prefix. */
  constructor(key: Uint8Array, prefix: Uint8Array) {
    this.#subkey = hsalsaBytes(key, prefix);
  }

  /**
   * Seals in place like {@link sealInPlace}: `out` holds 32 scratch octets then the plaintext;
   * on return `out[16..32)` is the tag, `out[32..)` the ciphertext and `out[0..16)` is zero.
   * `counter` is the nonce's last 8 octets.
   */
  sealInPlace(counter: Uint8Array, out: Uint8Array): void {
    out.fill(0, 0, 32);
    salsa20(this.#subkey, counter, out, out);
    // The MAC copies its one-time key out[0..32) first, so its tag may go straight to out[16..32).
    mac(out.subarray(0, 32), out.subarray(32), out.subarray(16, 32));
    out.fill(0, 0, 16);
  }

  /**
   * Opens a box (tag ‖ ciphertext) sealed with `counter` as the nonce's last 8 octets; null
   * when it does not authenticate. The returned plaintext is a view of a fresh buffer, or of
   * one taken from `slab` (zero-filled, never handed out twice).
   */
  open(
    counter: Uint8Array,
    box: Uint8Array,
    slab?: { take(length: number): Uint8Array },
  ): Uint8Array | null {
    if (box.length < BOX_OVERHEAD) return null;
    const ciphertext = box.subarray(BOX_OVERHEAD);
    // [32 zero octets ‖ ciphertext] through the keystream: the Poly1305 key, then the plaintext.
    const length = 32 + ciphertext.length;
    const out = slab ? slab.take(length) : new Uint8Array(length);
    out.set(ciphertext, 32);
    salsa20(this.#subkey, counter, out, out);
    const tag = this.#tag;
    mac(out.subarray(0, 32), ciphertext, tag);
    let diff = 0;
    for (let i = 0; i < BOX_OVERHEAD; i++) diff |= tag[i]! ^ box[i]!;
    tag.fill(0);
    if (diff !== 0) {
      out.fill(0);
      return null;
    }
    out.fill(0, 0, 32);
    return out.subarray(32);
  }
}

/**
 * `@noble/ciphers`' Poly1305 of `data` under the one-time `key`, written to `tag` (16 octets):
 * its one-shot `poly1305()` without the copy of the tag, state wiped as `digest()` does.
 */
function mac(key: Uint8Array, data: Uint8Array, tag: Uint8Array): void {
  const state = new Poly1305(key);
  state.update(data);
  state.digestInto(tag);
  state.destroy();
}

/** `crypto_box_easy_afternm` / `crypto_secretbox_easy`: tag ‖ ciphertext. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return xsalsa20poly1305(key, nonce).encrypt(plaintext);
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
