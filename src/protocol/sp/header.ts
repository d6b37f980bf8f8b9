/**
 * The 8-byte SP connection header of tcp and ipc: `00 'S' 'P' 00 id(u16 BE) 00 00`, sent by
 * both sides as soon as the connection is up, carrying the sender's own protocol id.
 * @module
 */

/** The header's length in bytes. */
export const HEADER_LENGTH = 8;

/**
 * Builds our connection header.
 *
 * @example
 * ```ts
 * import { buildHeader } from "./header.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...buildHeader(0x30)], [0x00, 0x53, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00]);
 * ```
 */
export function buildHeader(protocolId: number): Uint8Array {
  return new Uint8Array([0, 0x53, 0x50, 0, (protocolId >> 8) & 0xff, protocolId & 0xff, 0, 0]);
}

/** A parsed header: the peer's protocol id, or what was wrong with it. */
export type HeaderResult = { ok: true; protocolId: number } | { ok: false; reason: string };

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

/**
 * Checks a peer's 8-byte header the way nng does (magic, version 0, reserved bytes 0).
 *
 * @example
 * ```ts
 * import { parseHeader } from "./header.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseHeader(new Uint8Array([0, 0x53, 0x50, 0, 0, 0x31, 0, 0])), {
 *   ok: true,
 *   protocolId: 0x31,
 * });
 * assert.equal(parseHeader(new Uint8Array([0, 0x53, 0x50, 1, 0, 0x31, 0, 0])).ok, false);
 * ```
 */
export function parseHeader(bytes: Uint8Array): HeaderResult {
  if (bytes.length < HEADER_LENGTH) {
    return { ok: false, reason: `expected an 8-byte SP header, got ${bytes.length} bytes` };
  }
  const h = bytes.subarray(0, HEADER_LENGTH);
  if (h[0] !== 0 || h[1] !== 0x53 || h[2] !== 0x50) {
    return { ok: false, reason: `expected the SP header 00 53 50 00 …, got ${hex(h)}` };
  }
  if (h[3] !== 0) {
    return { ok: false, reason: `expected SP header version 0, got ${h[3]}` };
  }
  if (h[6] !== 0 || h[7] !== 0) {
    return {
      ok: false,
      reason: `expected reserved SP header bytes 00 00, got ${hex(h.subarray(6))}`,
    };
  }
  return { ok: true, protocolId: (h[4]! << 8) | h[5]! };
}
