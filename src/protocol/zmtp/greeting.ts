/**
 * The 64-octet ZMTP 3.x greeting: build ours, check theirs (RFC 23/37 "Version Negotiation").
 *
 * Layout: `FF` padding(8) `7F` major minor mechanism(20, NUL-padded) as-server filler(31).
 * We always send all 64 octets at once (libzmq sends 10, then 1, then 53 as it learns the
 * peer's version; a full greeting is always acceptable to it). ZMTP 1.0/2.0 peers are refused.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/** Size of a ZMTP 3.x greeting in octets. */
export const GREETING_SIZE = 64;

/** Octets of the mechanism field. */
const MECHANISM_SIZE = 20;

/** What {@link buildGreeting} needs. */
export interface GreetingOptions {
  /** Mechanism name, 1..20 ASCII characters (`NULL`, `PLAIN`, `CURVE`). Default `NULL`. */
  readonly mechanism?: string;
  /** The as-server flag (PLAIN/CURVE server); libzmq sends 0 for NULL. Default false. */
  readonly asServer?: boolean;
  /** Minor version to advertise. Default 1 (ZMTP 3.1); 0 only for tests of 3.0 peers. */
  readonly minor?: number;
}

/**
 * Builds our greeting: signature, version 3.1, mechanism, as-server, zero filler.
 *
 * @example
 * ```ts
 * import { buildGreeting } from "./greeting.ts";
 * import assert from "node:assert/strict";
 * const g = buildGreeting({ mechanism: "NULL" });
 * assert.equal(g.length, 64);
 * assert.deepEqual([...g.subarray(0, 16)], [
 *   0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 1, 0x4e, 0x55, 0x4c, 0x4c,
 * ]);
 * ```
 */
export function buildGreeting(options: GreetingOptions = {}): Uint8Array {
  const g = new Uint8Array(GREETING_SIZE);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = options.minor ?? 1;
  g.set(mechanismField(options.mechanism ?? "NULL"), 12);
  g[32] = options.asServer ? 1 : 0;
  return g;
}

/**
 * The 20-octet NUL-padded mechanism field for `name`; throws `EINVAL` for a bad name.
 *
 * @example
 * ```ts
 * import { mechanismField } from "./greeting.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...mechanismField("NULL").subarray(0, 5)], [0x4e, 0x55, 0x4c, 0x4c, 0]);
 * ```
 */
export function mechanismField(name: string): Uint8Array {
  if (!/^[A-Z0-9_.+-]{1,20}$/.test(name)) {
    throw new WeftError(
      "EINVAL",
      `expected a mechanism name of 1..20 characters A-Z 0-9 - _ . +, got "${name}"`,
    );
  }
  const field = new Uint8Array(MECHANISM_SIZE);
  for (let i = 0; i < name.length; i++) field[i] = name.charCodeAt(i);
  return field;
}

/** A peer's greeting, once checked. */
export interface PeerGreeting {
  /** Major version (3, or higher, treated as 3.1). */
  readonly major: number;
  /** Minor version as we treat it: 0 for ZMTP 3.0, 1 for 3.1 (and anything newer). */
  readonly minor: number;
  /** The peer's mechanism name (the field up to its first NUL). */
  readonly mechanism: string;
  /** The peer's as-server flag. */
  readonly asServer: boolean;
}

/** The result of checking a (possibly partial) greeting: the greeting, an error, or "more". */
export type GreetingResult =
  | { readonly ok: true; readonly greeting: PeerGreeting }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: "partial" };

const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

/**
 * Checks the first `bytes.length` octets of a peer greeting. Fails as early as the bytes allow
 * (octet 0, octet 9, the major version), so garbage is refused before 64 octets arrive.
 * With all 64 octets it also compares the mechanism field with `mechanism` (byte for byte,
 * as libzmq does).
 *
 * @example
 * ```ts
 * import { buildGreeting, checkGreeting } from "./greeting.ts";
 * import assert from "node:assert/strict";
 * const r = checkGreeting(buildGreeting({ minor: 0 }), "NULL");
 * assert.deepEqual(r, {
 *   ok: true,
 *   greeting: { major: 3, minor: 0, mechanism: "NULL", asServer: false },
 * });
 * assert.equal(checkGreeting(new Uint8Array([0x47]), "NULL").ok, false);
 * ```
 */
export function checkGreeting(bytes: Uint8Array, mechanism: string): GreetingResult {
  const n = bytes.length;
  if (n >= 1 && bytes[0] !== 0xff) {
    return fail(`not a ZMTP peer: expected 0xff at octet 0 of the greeting, got ${hex(bytes[0]!)}`);
  }
  if (n >= 10 && (bytes[9]! & 1) === 0) {
    return fail(
      `not a ZMTP peer: expected octet 9 of the greeting with bit 0 set (ZMTP 3 signature), ` +
        `got ${hex(bytes[9]!)} (ZMTP 1.0 is not supported)`,
    );
  }
  if (n >= 11 && bytes[10]! < 3) {
    return fail(
      `unsupported ZMTP version: expected major version 3 or higher, got ${bytes[10]} ` +
        `(ZMTP 1.0/2.0 is not supported)`,
    );
  }
  if (n < GREETING_SIZE) return { ok: "partial" };
  const major = bytes[10]!;
  const minor = major > 3 || bytes[11]! >= 1 ? 1 : 0;
  const field = bytes.subarray(12, 12 + MECHANISM_SIZE);
  const theirs = fieldName(field);
  const ours = mechanismField(mechanism);
  if (!field.every((b, i) => b === ours[i])) {
    return fail(`mechanism mismatch: we use ${mechanism}, the peer uses ${JSON.stringify(theirs)}`);
  }
  return { ok: true, greeting: { major, minor, mechanism: theirs, asServer: bytes[32] === 1 } };
}

function fail(reason: string): GreetingResult {
  return { ok: false, reason };
}

function fieldName(field: Uint8Array): string {
  let s = "";
  for (const b of field) {
    if (b === 0) break;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}
