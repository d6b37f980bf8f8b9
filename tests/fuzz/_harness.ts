/**
 * The shared half of the decoder fuzzers: mutations of valid byte conversations, random chunk
 * boundaries, the target list the short tests and the long runner (`run.ts`) both walk, and the
 * checks every family repeats (a named error, bounded callbacks).
 *
 * A target is a fast-check property over one decoder or state machine. The short test runs it
 * with a fixed seed; the runner loops it with fresh seeds and writes a failure as a fixture.
 * @module
 */

import fc from "fast-check";
import { WeftError } from "../../src/core/errors.ts";
import { CodecStatus } from "../../src/codec/status.ts";

/** The decoder families, as `npm run fuzz -- --family <name>` names them. */
export type Family = "zmtp" | "sp" | "pomelo" | "ws";

/** Every family, in the order the runner visits them. */
export const FAMILIES: readonly Family[] = ["zmtp", "sp", "pomelo", "ws"];

/** One fuzzed property: a decoder (or state machine) and what must hold for every input. */
export interface FuzzTarget {
  /** The family the decoder belongs to. */
  readonly family: Family;
  /** `family.decoder.property`, unique; also the fixture's file name. */
  readonly name: string;
  /** Relative cost: the short test runs `runs × weight` inputs (async targets are slower). */
  readonly weight?: number;
  /** The property (a new one per call: fast-check keeps state in it). */
  // deno-lint-ignore no-explicit-any
  readonly property: () => fc.IRawProperty<any, boolean>;
}

/** How one input is changed: positions are taken modulo the length, so shrinking stays valid. */
export type Mutation =
  | { readonly op: "flip"; readonly at: number; readonly bit: number }
  | { readonly op: "set"; readonly at: number; readonly byte: number }
  | { readonly op: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: "delete"; readonly at: number; readonly length: number }
  | { readonly op: "huge"; readonly at: number; readonly width: number; readonly fill: number }
  | { readonly op: "duplicate"; readonly at: number; readonly length: number }
  | { readonly op: "truncate"; readonly at: number };

const position = fc.nat({ max: 1 << 20 });

/** One mutation; `huge` writes a run of 0xFF (or 0x7F…) where a length field may be. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant("flip" as const),
    at: position,
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    op: fc.constant("set" as const),
    at: position,
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: position,
    length: fc.integer({ min: 1, max: 24 }),
  }),
  fc.record({
    op: fc.constant("huge" as const),
    at: position,
    width: fc.constantFrom(1, 2, 3, 4, 8),
    fill: fc.constantFrom(0xff, 0x7f, 0x80),
  }),
  fc.record({
    op: fc.constant("duplicate" as const),
    at: position,
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: position }),
);

/** `bytes` with `mutations` applied in order (a new array; `bytes` is left alone). */
export function applyMutations(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = bytes.slice();
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.op === "insert" ? 1 : 0));
    switch (m.op) {
      case "flip":
        if (b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case "set":
        if (b.length > 0) b[at] = m.byte;
        break;
      case "insert":
        b = concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case "delete":
        b = concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case "huge":
        for (let i = 0; i < m.width && at + i < b.length; i++) b[at + i] = i === 0 ? m.fill : 0xff;
        break;
      case "duplicate":
        b = concat([b.subarray(0, at + m.length), b.subarray(at)]);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
    }
  }
  return b;
}

/** Cut points (any naturals; taken modulo the length + 1, sorted; repeats give empty chunks). */
export const cuts: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant([-1] as number[]) }, // -1: byte by byte (see split)
);

/**
 * `bytes` split at `points` (see {@link cuts}); fresh copies, so a decoder may own them. `[-1]`
 * cuts the first 4 KiB byte by byte and the rest every 1 KiB (a reference twin that re-joins
 * its buffer per chunk would take quadratic time over a 70 KB body cut byte by byte).
 */
export function split(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  if (points.length === 1 && points[0] === -1) {
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += i < 4096 ? 1 : 1024) {
      out.push(bytes.slice(i, i < 4096 ? i + 1 : i + 1024));
    }
    return out;
  }
  const at = points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of at) {
    out.push(bytes.slice(from, p));
    from = p;
  }
  out.push(bytes.slice(from));
  return out;
}

/**
 * Message bodies: mostly short, some of `mid` bytes (a long length form), a few of `large`
 * bytes (past a decoder's window, so they span chunks); large ones are filled, not random, so
 * generating them stays cheap.
 */
export function bodies(
  mid: readonly [number, number],
  large: readonly [number, number],
  fill = 0xff,
): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: mid[0], maxLength: mid[1] }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: large[0], max: large[1] }).map((n) =>
        new Uint8Array(n).fill(n & fill)
      ),
    },
  );
}

/** A valid input, the mutations made to it and where it is cut. */
export interface Case<T> {
  /** What the valid conversation was built from. */
  readonly valid: T;
  /** The mutations (none for a valid case). */
  readonly mutations: readonly Mutation[];
  /** Where the bytes are cut (see {@link split}). */
  readonly cuts: readonly number[];
}

/** Valid conversations from `valid`, mutated 0 to 4 times, cut anywhere. */
export function mutatedCase<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<Case<T>> {
  return fc.record({
    valid,
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) },
    ),
    cuts,
  });
}

/** Valid conversations from `valid`, unmutated, cut anywhere. */
export function validCase<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<Case<T>> {
  return fc.record({ valid, mutations: fc.constant([] as Mutation[]), cuts });
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Bytes as text for event logs: hex up to 32 bytes, else the length and an FNV-1a hash (cheap
 * for 70 KB bodies, and still tells two different bodies apart).
 */
export function hex(bytes: Uint8Array): string {
  if (bytes.length > 32) {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    return `${bytes.length}#${(h >>> 0).toString(16)}`;
  }
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

const STATUSES = new Set<number>([0, ...Object.values(CodecStatus)]);

/** Throws unless `status` is 0 or a {@link CodecStatus}. */
export function checkStatus(status: number, where: string): void {
  if (!STATUSES.has(status)) {
    throw new Error(`${where}: expected 0 or a CodecStatus, got ${status}`);
  }
}

/**
 * Runs `fn`; a throw is a failure unless `allowed` names it (a documented `WeftError` code).
 * Returns whether `fn` threw an allowed error.
 */
export function noThrow(fn: () => void, allowed: readonly string[] = []): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (e instanceof WeftError && allowed.includes(e.code)) return true;
    throw new Error(`a throw escaped: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

/** Throws unless `count` callbacks for `bytes` fed bytes is within `perByte × bytes + slack`. */
export function checkBounded(count: number, bytes: number, where: string, slack = 4): void {
  if (count > bytes + slack) {
    throw new Error(
      `${where}: ${count} callbacks for ${bytes} bytes (a loop that does not advance)`,
    );
  }
}

/** Throws unless `actual` and `expected` serialise to the same JSON (event logs, results). */
export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a.slice(0, 400)}, expected ${e.slice(0, 400)}`);
}

/** The fast-check settings of the short seeded run in `npm test`. */
export const SHORT_RUN = { seed: 0x5eed, numRuns: 250 } as const;

/** Runs every target of `targets` briefly (fixed seed), one `node:test` test each. */
export function shortRun(
  // deno-lint-ignore no-explicit-any
  test: (name: string, fn: () => any) => unknown,
  targets: readonly FuzzTarget[],
): void {
  for (const t of targets) {
    test(t.name, async () => {
      const numRuns = Math.max(10, Math.round(SHORT_RUN.numRuns * (t.weight ?? 1)));
      await fc.assert(t.property(), { seed: SHORT_RUN.seed, numRuns });
    });
  }
}
