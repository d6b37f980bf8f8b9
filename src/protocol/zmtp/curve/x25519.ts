/**
 * X25519 for the CURVE handshake, asynchronous: the runtime's WebCrypto X25519 where it has
 * one (Deno, Bun, current browsers: 5–12× faster than JavaScript), `@noble/curves` where it
 * does not. Both compute the same function, so the choice never changes a byte on the wire.
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";

/** X25519 as the handshake uses it: a public key from a secret, a shared point from two keys. */
export interface X25519 {
  /** `crypto_scalarmult_base`: the public key of a 32-byte secret. */
  publicKey(secret: Uint8Array): Promise<Uint8Array>;
  /**
   * `crypto_scalarmult`: the shared point of our secret and their public key. Rejects when
   * their key is a low-order point (the shared point is all zeros), as libsodium fails.
   */
  sharedSecret(secret: Uint8Array, theirPublic: Uint8Array): Promise<Uint8Array>;
  /** Drops what was derived from `secret` (an imported key) once the caller has wiped it. */
  forget?(secret: Uint8Array): void;
}

/** `@noble/curves`' X25519, resolved at once: the fallback, and what tests may inject. */
export const nobleX25519: X25519 = {
  publicKey: (secret) => Promise.resolve(x25519.getPublicKey(secret)),
  sharedSecret: (secret, theirPublic) => {
    try {
      return Promise.resolve(x25519.getSharedSecret(secret, theirPublic));
    } catch (error) {
      return Promise.reject(error);
    }
  },
};

/** PKCS#8 wrapping of a raw X25519 private key (RFC 8410): this prefix, then the 32 octets. */
const PKCS8_PREFIX = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);
/** The X25519 base point (u = 9): X25519(s, 9) is the public key of s. */
const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;
const ALGORITHM = { name: "X25519" } as const;

/**
 * Imported private keys, by the secret's own array: a socket's long-term key is imported
 * once for all its connections, a connection's transient key once for its two or three uses.
 * The CryptoKey is non-extractable and goes with the array.
 */
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function privateKey(subtle: SubtleCrypto, secret: Uint8Array): Promise<CryptoKey> {
  let key = imported.get(secret);
  if (key === undefined) {
    const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
    pkcs8.set(PKCS8_PREFIX);
    pkcs8.set(secret, PKCS8_PREFIX.length);
    key = subtle.importKey("pkcs8", pkcs8, ALGORITHM, false, ["deriveBits"]);
    key.finally(() => pkcs8.fill(0)).catch(() => {});
    imported.set(secret, key);
  }
  return key;
}

async function derive(subtle: SubtleCrypto, secret: Uint8Array, theirPublic: Uint8Array) {
  const [ours, theirs] = await Promise.all([
    privateKey(subtle, secret),
    subtle.importKey("raw", theirPublic.slice(), ALGORITHM, true, []),
  ]);
  const shared = new Uint8Array(
    await subtle.deriveBits({ name: "X25519", public: theirs }, ours, 256),
  );
  // WebCrypto must refuse an all-zero result; checked here too, as libsodium does.
  let any = 0;
  for (let i = 0; i < shared.length; i++) any |= shared[i]!;
  if (any === 0) throw new Error("X25519: the peer's key is a low-order point");
  return shared;
}

/** The runtime's WebCrypto X25519 (`crypto.subtle`), or undefined where there is none. */
function webCrypto(): X25519 | undefined {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return undefined;
  return {
    publicKey: (secret) => derive(subtle, secret, BASE_POINT),
    sharedSecret: (secret, theirPublic) => derive(subtle, secret, theirPublic),
    forget: (secret) => void imported.delete(secret),
  };
}

/** Whether WebCrypto X25519 works here: learnt from the first use, then fixed. */
let native: Promise<X25519 | undefined> | undefined;

function probe(): Promise<X25519 | undefined> {
  const candidate = webCrypto();
  if (candidate === undefined) return Promise.resolve(undefined);
  // RFC 7748 §5.2's first X25519 test vector, so a wrong implementation is never used either.
  const scalar = hexBytes("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
  const u = hexBytes("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
  const want = "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552";
  return candidate.sharedSecret(scalar, u).then(
    (got) => (hexOf(got) === want ? candidate : undefined),
    () => undefined,
  );
}

/**
 * The X25519 the handshake uses by default: WebCrypto's when the runtime has a working one
 * (checked once against RFC 7748's vector), else `@noble/curves`'.
 *
 * @example
 * ```ts
 * import { defaultX25519 } from "./x25519.ts";
 * import assert from "node:assert/strict";
 * const alice = crypto.getRandomValues(new Uint8Array(32));
 * const bob = crypto.getRandomValues(new Uint8Array(32));
 * const x = defaultX25519;
 * const ab = await x.sharedSecret(alice, await x.publicKey(bob));
 * const ba = await x.sharedSecret(bob, await x.publicKey(alice));
 * assert.deepEqual(ab, ba);
 * ```
 */
export const defaultX25519: X25519 = {
  publicKey: async (secret) => ((await (native ??= probe())) ?? nobleX25519).publicKey(secret),
  sharedSecret: async (secret, theirPublic) =>
    ((await (native ??= probe())) ?? nobleX25519).sharedSecret(secret, theirPublic),
  forget: (secret) => void imported.delete(secret),
};

/** The WebCrypto X25519 when this runtime has a working one (for benchmarks and tests). */
export function nativeX25519(): Promise<X25519 | undefined> {
  return native ??= probe();
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(
    { length: hex.length / 2 },
    (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16),
  );
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
