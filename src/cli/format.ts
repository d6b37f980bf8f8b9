/**
 * How `weft zmq cat` turns input into messages and messages into output: `text` (UTF-8; one
 * single-frame message per input line; frames joined by a tab on output), `hex` (frames as hex,
 * separated by single spaces, so an empty frame is an empty field), `json` (one JSON array of frames per line; a frame is a string, or
 * `{"hex": "…"}` when it is not UTF-8) and `raw` (bytes as they are).
 * @module
 */

import { concat } from "../core/bytes.ts";
import { UsageError } from "./args.ts";

/** The formats `--format` accepts. */
export const Format = {
  /** UTF-8 text, a line per message. */
  TEXT: "text",
  /** Hex frames separated by spaces, a line per message. */
  HEX: "hex",
  /** JSON lines: an array of frames per message. */
  JSON: "json",
  /** The bytes themselves, nothing added. */
  RAW: "raw",
} as const;

/** One of the {@link Format} names. */
export type Format = typeof Format[keyof typeof Format];

const encoder = new TextEncoder();
const lenient = new TextDecoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks a `--format` value.
 *
 * @example
 * ```ts
 * import { toFormat } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toFormat("hex"), "hex");
 * assert.throws(() => toFormat("xml"));
 * ```
 */
export function toFormat(name: string): Format {
  const values: readonly string[] = Object.values(Format);
  if (!values.includes(name)) {
    throw new UsageError(`--format expects one of ${values.join(", ")}, got "${name}"`);
  }
  return name as Format;
}

/** Hex of bytes, lowercase. */
function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    const asHex = text.length <= 32 ? `write "${text}" as ${toHex(encoder.encode(text))}` : "";
    throw new UsageError(
      `expected hex digits in pairs, got "${text}": --format hex reads the messages to send ` +
        `as hex too; ${asHex ? asHex + ", or " : ""}use --format text or json for text`,
    );
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function frameToJson(frame: Uint8Array): string | { hex: string } {
  try {
    return strict.decode(frame);
  } catch {
    return { hex: toHex(frame) };
  }
}

function frameFromJson(value: unknown, line: string): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value && typeof value === "object" && typeof (value as { hex?: unknown }).hex === "string") {
    return fromHex((value as { hex: string }).hex);
  }
  throw new UsageError(
    `expected a JSON string, {"hex": "…"} or an array of them per line, got ${line}`,
  );
}

/**
 * Renders one message in a format; `text`, `hex` and `json` end with a newline, `raw` adds
 * nothing.
 *
 * @example
 * ```ts
 * import { formatMessage } from "./format.ts";
 * import assert from "node:assert/strict";
 * const msg = [new TextEncoder().encode("id"), new Uint8Array([0xff, 0x00])];
 * assert.equal(new TextDecoder().decode(formatMessage(msg, "hex")), "6964 ff00\n");
 * assert.equal(new TextDecoder().decode(formatMessage(msg, "json")), '["id",{"hex":"ff00"}]\n');
 * ```
 */
export function formatMessage(frames: readonly Uint8Array[], format: Format): Uint8Array {
  switch (format) {
    case Format.RAW:
      return concat(frames);
    case Format.HEX:
      return encoder.encode(frames.map(toHex).join(" ") + "\n");
    case Format.JSON:
      return encoder.encode(JSON.stringify(frames.map(frameToJson)) + "\n");
    case Format.TEXT:
      return encoder.encode(frames.map((f) => lenient.decode(f)).join("\t") + "\n");
  }
}

/**
 * Parses one input item (a line, a `--data` value or an argument) into frames: `text` and `raw`
 * give one frame; `hex` splits on single spaces; `json` takes a string or an array of frames.
 *
 * @example
 * ```ts
 * import { parseMessage } from "./format.ts";
 * import assert from "node:assert/strict";
 * const frames = parseMessage('["a", {"hex": "00ff"}]', "json");
 * assert.deepEqual(frames, [new TextEncoder().encode("a"), new Uint8Array([0, 255])]);
 * assert.deepEqual(parseMessage("6869  00", "hex"), [
 *   new TextEncoder().encode("hi"),
 *   new Uint8Array(0),
 *   new Uint8Array([0]),
 * ]);
 * ```
 */
export function parseMessage(item: string, format: Format): Uint8Array[] {
  switch (format) {
    case Format.TEXT:
    case Format.RAW:
      return [encoder.encode(item)];
    case Format.HEX:
      // Single spaces separate frames, so an empty frame is an empty field ("6869  00").
      return item.split(" ").map(fromHex);
    case Format.JSON: {
      let value: unknown;
      try {
        value = JSON.parse(item);
      } catch {
        throw new UsageError(`expected a JSON value per line, got ${item}`);
      }
      const frames = Array.isArray(value) ? value : [value];
      if (frames.length === 0) throw new UsageError(`expected at least one frame, got ${item}`);
      return frames.map((v) => frameFromJson(v, item));
    }
  }
}

/**
 * Splits a byte stream into lines (without `\n` or `\r\n`), decoding UTF-8 across chunk
 * boundaries; a last line without a newline is kept.
 *
 * @example
 * ```ts
 * import { lines } from "./format.ts";
 * import assert from "node:assert/strict";
 * async function* chunks() {
 *   yield new TextEncoder().encode("one\r\ntw");
 *   yield new TextEncoder().encode("o\nthree");
 * }
 * const out = [];
 * for await (const line of lines(chunks())) out.push(line);
 * assert.deepEqual(out, ["one", "two", "three"]);
 * ```
 */
export async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending;
}
