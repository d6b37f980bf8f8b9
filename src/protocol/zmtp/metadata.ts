/**
 * ZMTP metadata: the `*property` list carried by READY (and INITIATE).
 * `property = name-len(1) name(1..255) value-len(4, uint32 BE) value`.
 * Names are case-insensitive (RFC 37): parsed maps are keyed by the lower-cased name.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/** A property list to encode: name and raw value, in the order to send. */
export type Properties = ReadonlyArray<readonly [name: string, value: Uint8Array]>;

const NAME_RE = /^[A-Za-z0-9_.+-]{1,255}$/;

/**
 * Whether `name` is a legal property name (1..255 of ALPHA DIGIT - _ . +).
 *
 * @example
 * ```ts
 * import { isPropertyName } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPropertyName("X-Hostname"), true);
 * assert.equal(isPropertyName("bad name"), false);
 * ```
 */
export function isPropertyName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Octets `props` take on the wire. */
export function metadataSize(props: Properties): number {
  let n = 0;
  for (const [name, value] of props) n += 1 + name.length + 4 + value.length;
  return n;
}

/**
 * Writes `props` into `out` at `offset`; returns the offset after the last property.
 * Throws `EINVAL` for an illegal name or a value over 2^31-1 octets.
 *
 * @example
 * ```ts
 * import { encodeMetadata, metadataSize } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const props = [["Socket-Type", new TextEncoder().encode("PUB")]] as const;
 * const out = new Uint8Array(metadataSize(props));
 * assert.equal(encodeMetadata(props, out, 0), 19);
 * assert.deepEqual([...out.subarray(0, 1)], [11]);
 * assert.deepEqual([...out.subarray(12, 16)], [0, 0, 0, 3]);
 * ```
 */
export function encodeMetadata(props: Properties, out: Uint8Array, offset: number): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = offset;
  for (const [name, value] of props) {
    if (!isPropertyName(name)) {
      throw new WeftError(
        "EINVAL",
        `expected a property name of 1..255 characters A-Z a-z 0-9 - _ . +, got "${name}"`,
      );
    }
    if (value.length > 0x7fffffff) {
      throw new WeftError("EINVAL", `expected a property value of at most 2^31-1 octets`);
    }
    out[at++] = name.length;
    for (let i = 0; i < name.length; i++) out[at++] = name.charCodeAt(i);
    view.setUint32(at, value.length);
    at += 4;
    out.set(value, at);
    at += value.length;
  }
  return at;
}

/** The result of {@link parseMetadata}: the properties, or why the list is malformed. */
export type MetadataResult =
  | { readonly ok: true; readonly properties: Map<string, Uint8Array> }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses a property list that fills `bytes` exactly. Keys are lower-cased; when a name repeats
 * the first value wins (as in libzmq). Values are copies. A list that ends mid-property is
 * malformed (libzmq: EPROTO).
 *
 * @example
 * ```ts
 * import { parseMetadata } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array([8, ...new TextEncoder().encode("Identity"), 0, 0, 0, 1, 0x41]);
 * const r = parseMetadata(bytes);
 * assert.ok(r.ok);
 * assert.deepEqual(r.properties.get("identity"), new Uint8Array([0x41]));
 * assert.equal(parseMetadata(bytes.subarray(0, 12)).ok, false);
 * ```
 */
export function parseMetadata(bytes: Uint8Array): MetadataResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const properties = new Map<string, Uint8Array>();
  let at = 0;
  while (at < bytes.length) {
    const nameLen = bytes[at]!;
    if (at + 1 + nameLen + 4 > bytes.length) {
      return {
        ok: false,
        reason: `malformed metadata: property header runs past the end at octet ${at}`,
      };
    }
    let name = "";
    for (let i = 0; i < nameLen; i++) name += String.fromCharCode(bytes[at + 1 + i]!);
    at += 1 + nameLen;
    const valueLen = view.getUint32(at);
    at += 4;
    if (valueLen > bytes.length - at) {
      return {
        ok: false,
        reason: `malformed metadata: property "${name}" declares ${valueLen} octets, ` +
          `${bytes.length - at} remain`,
      };
    }
    const key = name.toLowerCase();
    if (!properties.has(key)) properties.set(key, bytes.slice(at, at + valueLen));
    at += valueLen;
  }
  return { ok: true, properties };
}
