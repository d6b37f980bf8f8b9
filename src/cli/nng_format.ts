/**
 * How nngcat prints a received message body (`--format no|raw|ascii|quoted|hex|msgpack`),
 * byte for byte: `ascii` replaces unprintable bytes with `.` and adds no newline; `quoted` is a
 * C string with `\n \r \t \" \\` and `\xNN` escapes, then a newline; `hex` is every byte as
 * `\xNN` in quotes, then a newline; `msgpack` a bin 8/16/32 header then the bytes; `raw` the
 * bytes; `no` (nngcat's default) nothing.
 * @module
 */

/** The formats nngcat knows. */
export const NngFormat = {
  /** Print nothing (nngcat's default, and `--format no`). */
  NO: "no",
  /** The bytes as they are. */
  RAW: "raw",
  /** Printable ASCII, `.` for the rest, no newline. */
  ASCII: "ascii",
  /** A C-style quoted string and a newline. */
  QUOTED: "quoted",
  /** `"\x68\x69"` and a newline. */
  HEX: "hex",
  /** A msgpack bin object. */
  MSGPACK: "msgpack",
} as const;

/** One of {@link NngFormat}. */
export type NngFormat = typeof NngFormat[keyof typeof NngFormat];

const isPrint = (b: number) => b >= 0x20 && b < 0x7f;
const hex2 = (b: number) => b.toString(16).padStart(2, "0");
const QUOTE_ESCAPES: Readonly<Record<number, string>> = {
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x22: '\\"',
  0x5c: "\\\\",
};

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * A message body as nngcat prints it in `format`.
 *
 * @example
 * ```ts
 * import { formatNng } from "./nng_format.ts";
 * import assert from "node:assert/strict";
 * const body = new Uint8Array([0x68, 0x22, 0x0a, 0xff]);
 * const text = (f: "quoted" | "hex" | "ascii") => new TextDecoder().decode(formatNng(body, f));
 * assert.equal(text("quoted"), '"h\\"\\n\\xff"\n');
 * assert.equal(text("hex"), '"\\x68\\x22\\x0a\\xff"\n');
 * assert.equal(text("ascii"), "h\"..");
 * ```
 */
export function formatNng(body: Uint8Array, format: NngFormat): Uint8Array {
  switch (format) {
    case NngFormat.NO:
      return new Uint8Array(0);
    case NngFormat.RAW:
      return body;
    case NngFormat.ASCII:
      return body.map((b) => isPrint(b) ? b : 0x2e);
    case NngFormat.QUOTED: {
      let s = '"';
      for (const b of body) {
        s += QUOTE_ESCAPES[b] ?? (isPrint(b) ? String.fromCharCode(b) : `\\x${hex2(b)}`);
      }
      return latin1(s + '"\n');
    }
    case NngFormat.HEX: {
      let s = '"';
      for (const b of body) s += `\\x${hex2(b)}`;
      return latin1(s + '"\n');
    }
    case NngFormat.MSGPACK: {
      const n = body.length;
      const head = n < 256
        ? [0xc4, n]
        : n < 65536
        ? [0xc5, n >> 8, n & 0xff]
        : [0xc6, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
      const out = new Uint8Array(head.length + n);
      out.set(head);
      out.set(body, head.length);
      return out;
    }
  }
}
