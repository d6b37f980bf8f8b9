/**
 * ZMTP command bodies: `name-len(1) name data`. The frame header (flags 0x04/0x06 and size) is
 * the codec's job; these functions build and read what goes inside the frame.
 * Commands: READY, ERROR (RFC 23), SUBSCRIBE, CANCEL, PING, PONG (RFC 37).
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { encodeMetadata, metadataSize, parseMetadata } from "./metadata.ts";
import type { MetadataResult, Properties } from "./metadata.ts";

/** Names of the commands the session knows, as an `as const` object. */
export const Command = {
  READY: "READY",
  ERROR: "ERROR",
  SUBSCRIBE: "SUBSCRIBE",
  CANCEL: "CANCEL",
  PING: "PING",
  PONG: "PONG",
} as const;

/** Longest PING context (RFC 37); libzmq truncates longer ones when it echoes them. */
export const MAX_PING_CONTEXT = 16;

/** Longest ERROR reason (one length octet). */
export const MAX_ERROR_REASON = 255;

/**
 * Builds a command body from its name and data.
 *
 * @example
 * ```ts
 * import { encodeCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * const body = encodeCommand("PONG", new Uint8Array([7]));
 * assert.deepEqual([...body], [4, 0x50, 0x4f, 0x4e, 0x47, 7]);
 * ```
 */
export function encodeCommand(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(1 + name.length + data.length);
  writeName(out, name);
  out.set(data, 1 + name.length);
  return out;
}

function writeName(out: Uint8Array, name: string): number {
  if (!/^[A-Za-z]{1,255}$/.test(name)) {
    throw new WeftError("EINVAL", `expected a command name of 1..255 letters, got "${name}"`);
  }
  out[0] = name.length;
  for (let i = 0; i < name.length; i++) out[1 + i] = name.charCodeAt(i);
  return 1 + name.length;
}

/**
 * READY with its properties.
 *
 * @example
 * ```ts
 * import { readyCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * const te = new TextEncoder();
 * const body = readyCommand([["Socket-Type", te.encode("ROUTER")]]);
 * assert.equal(body.length, 28); // the RFC 37 ROUTER reply: 04 1C <28 octets>
 * ```
 */
export function readyCommand(props: Properties): Uint8Array {
  return propertyCommand(Command.READY, props);
}

/** A command whose data is a property list (READY; later INITIATE). */
export function propertyCommand(name: string, props: Properties): Uint8Array {
  const out = new Uint8Array(1 + name.length + metadataSize(props));
  encodeMetadata(props, out, writeName(out, name));
  return out;
}

/**
 * ERROR with a reason (truncated to 255 octets, non-printable octets replaced by `?`).
 *
 * @example
 * ```ts
 * import { errorCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...errorCommand("no")], [5, 0x45, 0x52, 0x52, 0x4f, 0x52, 2, 0x6e, 0x6f]);
 * ```
 */
export function errorCommand(reason: string): Uint8Array {
  const n = Math.min(reason.length, MAX_ERROR_REASON);
  const data = new Uint8Array(1 + n);
  data[0] = n;
  for (let i = 0; i < n; i++) {
    const c = reason.charCodeAt(i);
    data[1 + i] = c >= 0x20 && c < 0x7f ? c : 0x3f;
  }
  return encodeCommand(Command.ERROR, data);
}

/**
 * SUBSCRIBE (or, with `subscribe` false, CANCEL) for a topic prefix.
 *
 * @example
 * ```ts
 * import { subscriptionCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * const body = subscriptionCommand(new Uint8Array([0x41]), true);
 * assert.deepEqual([...body], [9, 0x53, 0x55, 0x42, 0x53, 0x43, 0x52, 0x49, 0x42, 0x45, 0x41]);
 * ```
 */
export function subscriptionCommand(topic: Uint8Array, subscribe: boolean): Uint8Array {
  return encodeCommand(subscribe ? Command.SUBSCRIBE : Command.CANCEL, topic);
}

/**
 * PING with a TTL in deciseconds (0..65535; 0 = none) and a context of up to 16 octets.
 *
 * @example
 * ```ts
 * import { pingCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...pingCommand(20)], [4, 0x50, 0x49, 0x4e, 0x47, 0, 20]);
 * ```
 */
export function pingCommand(ttlDeciseconds: number, context?: Uint8Array): Uint8Array {
  const ctx = context ?? new Uint8Array(0);
  if (ctx.length > MAX_PING_CONTEXT) {
    throw new WeftError(
      "EINVAL",
      `expected a PING context of at most 16 octets, got ${ctx.length}`,
    );
  }
  if (!Number.isInteger(ttlDeciseconds) || ttlDeciseconds < 0 || ttlDeciseconds > 0xffff) {
    throw new WeftError(
      "EINVAL",
      `expected a PING TTL of 0..65535 deciseconds, got ${ttlDeciseconds}`,
    );
  }
  const data = new Uint8Array(2 + ctx.length);
  data[0] = ttlDeciseconds >> 8;
  data[1] = ttlDeciseconds & 0xff;
  data.set(ctx, 2);
  return encodeCommand(Command.PING, data);
}

/**
 * PONG echoing a PING context (truncated to 16 octets).
 *
 * @example
 * ```ts
 * import { pongCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...pongCommand(new Uint8Array([1, 2]))], [4, 0x50, 0x4f, 0x4e, 0x47, 1, 2]);
 * ```
 */
export function pongCommand(context: Uint8Array): Uint8Array {
  return encodeCommand(Command.PONG, context.subarray(0, MAX_PING_CONTEXT));
}

/** A parsed command: its name (as sent) and a view of its data. */
export interface ParsedCommand {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * Splits a command body into name and data; `null` when the name runs past the end
 * (libzmq's "malformed command"). The data is a view of `body`.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./command.ts";
 * import assert from "node:assert/strict";
 * const c = parseCommand(new Uint8Array([4, 0x50, 0x4f, 0x4e, 0x47, 9]));
 * assert.equal(c?.name, "PONG");
 * assert.deepEqual([...c!.data], [9]);
 * assert.equal(parseCommand(new Uint8Array([5, 0x52])), null);
 * ```
 */
export function parseCommand(body: Uint8Array): ParsedCommand | null {
  if (body.length < 1) return null;
  const n = body[0]!;
  if (body.length < 1 + n) return null;
  let name = "";
  for (let i = 0; i < n; i++) name += String.fromCharCode(body[1 + i]!);
  return { name, data: body.subarray(1 + n) };
}

/** A parsed PING: TTL in deciseconds and the context (a view, at most 16 octets). */
export interface ParsedPing {
  readonly ttlDeciseconds: number;
  readonly context: Uint8Array;
}

/**
 * Reads PING data. A PING shorter than its 2-octet TTL is read as TTL 0 with no context
 * (libzmq would read past the frame there; we stay lenient and in bounds).
 *
 * @example
 * ```ts
 * import { parsePing } from "./command.ts";
 * import assert from "node:assert/strict";
 * const p = parsePing(new Uint8Array([0, 20, 0xaa]));
 * assert.equal(p.ttlDeciseconds, 20);
 * assert.deepEqual([...p.context], [0xaa]);
 * ```
 */
export function parsePing(data: Uint8Array): ParsedPing {
  if (data.length < 2) return { ttlDeciseconds: 0, context: data.subarray(0, 0) };
  return {
    ttlDeciseconds: (data[0]! << 8) | data[1]!,
    context: data.subarray(2, 2 + MAX_PING_CONTEXT),
  };
}

/**
 * Reads ERROR data: the reason, or `null` when the length octet runs past the end.
 *
 * @example
 * ```ts
 * import { parseError } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseError(new Uint8Array([2, 0x6e, 0x6f])), "no");
 * assert.equal(parseError(new Uint8Array([3, 0x6e])), null);
 * ```
 */
export function parseError(data: Uint8Array): string | null {
  if (data.length < 1 || data[0]! > data.length - 1) return null;
  let s = "";
  for (let i = 0; i < data[0]!; i++) s += String.fromCharCode(data[1 + i]!);
  return s;
}

/**
 * Reads READY data (a property list).
 *
 * @example
 * ```ts
 * import { parseReady } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseReady(new Uint8Array(0)).ok, true);
 * ```
 */
export function parseReady(data: Uint8Array): MetadataResult {
  return parseMetadata(data);
}
