/**
 * SP message headers carried in the payload: u32 big-endian words. REQ/REP and
 * SURVEYOR/RESPONDENT use a backtrace (hop ids with the high bit clear, then the request or
 * survey id with the high bit set); PAIR1 a hop count.
 * @module
 */

/** The bit that marks the last word of a backtrace (the request/survey id). */
export const ID_BIT = 0x80000000;

/**
 * Reads the u32 BE at `at`.
 *
 * @example
 * ```ts
 * import { readU32 } from "./backtrace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readU32(new Uint8Array([0x80, 0, 0x12, 0x34]), 0), 0x80001234);
 * ```
 */
export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>>
    0;
}

/**
 * A 4-byte u32 BE.
 *
 * @example
 * ```ts
 * import { u32 } from "./backtrace.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...u32(0x80001234)], [0x80, 0, 0x12, 0x34]);
 * ```
 */
export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  out[0] = value >>> 24;
  out[1] = value >>> 16;
  out[2] = value >>> 8;
  out[3] = value;
  return out;
}

/** A payload split into its backtrace and body, or why it could not be. */
export type SplitResult =
  | { ok: true; header: Uint8Array; body: Uint8Array; hops: number }
  | { ok: false; error: "garbage" | "ttl" };

/**
 * Splits a received request/survey payload: moves u32 words into the header until one has the
 * high bit set (as nng's REP and RESPONDENT do). More than `maxTtl` words → `ttl` (drop, keep
 * the connection); no terminating word → `garbage` (close the connection). `hops` counts the
 * words (the id included).
 *
 * @example
 * ```ts
 * import { splitBacktrace } from "./backtrace.ts";
 * import assert from "node:assert/strict";
 * const r = splitBacktrace(new Uint8Array([0, 0, 0, 7, 0x80, 0, 0, 1, 104, 105]), 8);
 * assert.ok(r.ok);
 * assert.deepEqual([...r.header], [0, 0, 0, 7, 0x80, 0, 0, 1]);
 * assert.deepEqual([...r.body], [104, 105]);
 * assert.deepEqual(splitBacktrace(new Uint8Array([0, 0, 0, 7]), 8), { ok: false, error: "garbage" });
 * ```
 */
export function splitBacktrace(payload: Uint8Array, maxTtl: number): SplitResult {
  const at = backtraceLength(payload, maxTtl);
  if (at === BACKTRACE_TTL) return { ok: false, error: "ttl" };
  if (at === BACKTRACE_GARBAGE) return { ok: false, error: "garbage" };
  return { ok: true, header: payload.subarray(0, at), body: payload.subarray(at), hops: at >> 2 };
}

/** {@link backtraceLength}: no word with the high bit before the payload ran out. */
export const BACKTRACE_GARBAGE = -1;
/** {@link backtraceLength}: more than `maxTtl` words. */
export const BACKTRACE_TTL = -2;

/**
 * The byte length of a payload's backtrace (the id word included) by the rules of
 * {@link splitBacktrace}, or {@link BACKTRACE_TTL} / {@link BACKTRACE_GARBAGE}; allocates
 * nothing, so it can screen every message as it arrives.
 *
 * @example
 * ```ts
 * import { BACKTRACE_GARBAGE, BACKTRACE_TTL, backtraceLength } from "./backtrace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backtraceLength(new Uint8Array([0, 0, 0, 7, 0x80, 0, 0, 1, 104]), 8), 8);
 * assert.equal(backtraceLength(new Uint8Array([0, 0, 0, 7, 0]), 8), BACKTRACE_GARBAGE);
 * assert.equal(backtraceLength(new Uint8Array([0, 0, 0, 7, 0x80, 0, 0, 1]), 1), BACKTRACE_TTL);
 * ```
 */
export function backtraceLength(payload: Uint8Array, maxTtl: number): number {
  let at = 0;
  let hops = 0;
  for (;;) {
    // As nng: the hop limit is checked before the length, so a long run of hop words with
    // no id is "too many hops" (dropped), not garbage.
    if (++hops > maxTtl) return BACKTRACE_TTL;
    if (payload.length - at < 4) return BACKTRACE_GARBAGE;
    const word = payload[at]!;
    at += 4;
    if (word & 0x80) return at;
  }
}
