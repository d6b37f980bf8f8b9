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
  /**
   * The property, checking `perRun` inputs per fast-check run (a new one per call: fast-check
   * keeps state in it). See {@link mutatedProperty}.
   */
  // deno-lint-ignore no-explicit-any
  readonly property: (perRun: number) => fc.IRawProperty<any, boolean>;
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

/**
 * `bytes` split at `points` (any naturals, taken modulo the length + 1 and sorted; repeats give
 * empty chunks; see {@link randomCuts}): views of one fresh copy, so a decoder may own
 * its chunks (a chunk is only ever written in its own range, as the WebSocket decoder unmasks
 * in place) without a buffer per chunk. `[-1]` cuts the first 4 KiB byte by byte and the rest
 * every 1 KiB (a reference twin that re-joins its buffer per chunk would take quadratic time over
 * a 70 KB body cut byte by byte).
 */
export function split(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const copy = bytes.slice();
  const out: Uint8Array[] = [];
  if (points.length === 1 && points[0] === -1) {
    for (let i = 0; i < copy.length; i += i < 4096 ? 1 : 1024) {
      out.push(copy.subarray(i, i < 4096 ? i + 1 : i + 1024));
    }
    return out;
  }
  const at = points.map((p) => p % (copy.length + 1)).sort((a, b) => a - b);
  let from = 0;
  for (const p of at) {
    out.push(copy.subarray(from, p));
    from = p;
  }
  out.push(copy.subarray(from));
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

/** One input made from a valid conversation: the mutations made to it and where it is cut. */
export interface Input {
  /** The mutations (none for a valid input). */
  readonly mutations: readonly Mutation[];
  /** Where the bytes are cut (see {@link split}). */
  readonly cuts: readonly number[];
}

/**
 * A small, fast PRNG (mulberry32): the mutations and cuts of the inputs of one fast-check run
 * come from it, seeded by fast-check, so a run replays from its fast-check seed and path.
 */
export class Rng {
  #state: number;
  /** Starts the sequence at `seed`. */
  constructor(seed: number) {
    this.#state = seed | 0;
  }
  /** The next 32 random bits, as an unsigned integer. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in 0..n-1 (n ≤ 2^32). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }
}

/**
 * A position (taken modulo the length when used, so it stays valid for any input): 1 in 4 near
 * the start (where headers are), else anywhere.
 */
function randomPosition(rng: Rng): number {
  return rng.below(4) === 0 ? rng.below(32) : rng.below((1 << 20) + 1);
}

const HUGE_WIDTHS = [1, 2, 3, 4, 8];
const HUGE_FILLS = [0xff, 0x7f, 0x80];

/** Inserted bytes: random, or (1 in 4) a run of 0x00 or 0xFF. */
function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const kind = rng.below(8);
  if (kind === 0) return out;
  if (kind === 1) return out.fill(0xff);
  for (let i = 0; i < length; i++) out[i] = rng.below(256);
  return out;
}

/**
 * One mutation drawn from `rng`: a bit flip, a byte set, a run inserted, deleted or duplicated,
 * a truncation, or a `huge` run of 0xFF (or 0x7F…) where a length field may be.
 */
export function randomMutation(rng: Rng): Mutation {
  const at = randomPosition(rng);
  switch (rng.below(7)) {
    case 0:
      return { op: "flip", at, bit: rng.below(8) };
    case 1:
      return { op: "set", at, byte: rng.below(256) };
    case 2:
      return { op: "insert", at, bytes: randomBytes(rng, 1 + rng.below(24)) };
    case 3:
      return { op: "delete", at, length: 1 + rng.below(24) };
    case 4:
      return {
        op: "huge",
        at,
        width: HUGE_WIDTHS[rng.below(HUGE_WIDTHS.length)]!,
        fill: HUGE_FILLS[rng.below(HUGE_FILLS.length)]!,
      };
    case 5:
      return { op: "duplicate", at, length: 1 + rng.below(64) };
    default:
      return { op: "truncate", at };
  }
}

/** No mutation (1 in 5) or 1 to 4. */
export function randomMutations(rng: Rng): Mutation[] {
  if (rng.below(5) === 0) return [];
  const n = 1 + rng.below(4);
  const out: Mutation[] = [];
  for (let i = 0; i < n; i++) out.push(randomMutation(rng));
  return out;
}

/** Cut points: 3 in 4 up to 12 points anywhere, 1 in 4 byte by byte (`[-1]`, see {@link split}). */
export function randomCuts(rng: Rng): number[] {
  if (rng.below(4) === 0) return [-1];
  const n = rng.below(13);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(randomPosition(rng));
  return out;
}

/** The check of one input, made once per valid conversation by a property's `setup`. */
export type Check = (input: Input) => void;

/** The asynchronous form of {@link Check}. */
export type AsyncCheck = (input: Input) => Promise<void>;

/** Bytes as an array in a failure message (short), or their length and hash. */
function describeInput(input: Input): string {
  return JSON.stringify(
    input,
    (_, v) => v instanceof Uint8Array ? Array.from(v.subarray(0, 64)) : v,
  );
}

function* inputs(seed: number, perRun: number, mutate: boolean): Generator<Input> {
  const rng = new Rng(seed);
  for (let i = 0; i < perRun; i++) {
    const mutations = mutate ? randomMutations(rng) : [];
    yield { mutations, cuts: randomCuts(rng) };
  }
}

function failure(e: unknown, index: number, input: Input): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(`input ${index} of the run, ${describeInput(input)}: ${message}`, {
    cause: e,
  });
}

const seeds = fc.integer();

/**
 * A property over `valid` conversations: fast-check draws one (with its settings) and a seed;
 * `setup` does the work that depends on the conversation only (encoding, recording a peer, the
 * unsplit decode) and returns the check of one input; then `perRun` inputs — the conversation
 * mutated 0 to 4 times ({@link randomMutations}) and cut anywhere ({@link randomCuts}), drawn
 * from a {@link Rng} with that seed — are checked. The first failing input is named in the error,
 * and the run replays from fast-check's seed and path (shrinking shrinks the conversation and the
 * seed).
 */
export function mutatedProperty<T>(
  valid: fc.Arbitrary<T>,
  setup: (valid: T) => Check,
): (perRun: number) => fc.IRawProperty<[T, number], boolean> {
  return (perRun) => loop(valid, setup, perRun, true);
}

/** As {@link mutatedProperty}, with unmutated inputs: valid conversations cut anywhere. */
export function validProperty<T>(
  valid: fc.Arbitrary<T>,
  setup: (valid: T) => Check,
): (perRun: number) => fc.IRawProperty<[T, number], boolean> {
  return (perRun) => loop(valid, setup, perRun, false);
}

function loop<T>(valid: fc.Arbitrary<T>, setup: (valid: T) => Check, perRun: number, m: boolean) {
  return fc.property(valid, seeds, (v, seed) => {
    const check = setup(v);
    let i = 0;
    for (const input of inputs(seed, perRun, m)) {
      try {
        check(input);
      } catch (e) {
        throw failure(e, i, input);
      }
      i++;
    }
  });
}

/** As {@link mutatedProperty}, for a state machine that needs the event loop. */
export function asyncMutatedProperty<T>(
  valid: fc.Arbitrary<T>,
  setup: (valid: T) => AsyncCheck,
): (perRun: number) => fc.IAsyncPropertyWithHooks<[T, number]> {
  return (perRun) => asyncLoop(valid, setup, perRun, true);
}

/** As {@link validProperty}, for a state machine that needs the event loop. */
export function asyncValidProperty<T>(
  valid: fc.Arbitrary<T>,
  setup: (valid: T) => AsyncCheck,
): (perRun: number) => fc.IAsyncPropertyWithHooks<[T, number]> {
  return (perRun) => asyncLoop(valid, setup, perRun, false);
}

function asyncLoop<T>(
  valid: fc.Arbitrary<T>,
  setup: (valid: T) => AsyncCheck,
  perRun: number,
  m: boolean,
) {
  return fc.asyncProperty(valid, seeds, async (v, seed) => {
    const check = setup(v);
    let i = 0;
    for (const input of inputs(seed, perRun, m)) {
      try {
        await check(input);
      } catch (e) {
        throw failure(e, i, input);
      }
      i++;
    }
  });
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
 * Bytes as text for event logs: hex up to 32 bytes, else the length and an FNV-1a-style hash
 * over 32-bit words (cheap for 70 KB bodies, and still tells two different bodies apart).
 */
export function hex(bytes: Uint8Array): string {
  if (bytes.length > 32) {
    // Four bytes per step: bodies of 70 KB are hashed for every event of every decoder.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const words = bytes.length & ~3;
    let h = 0x811c9dc5;
    for (let i = 0; i < words; i += 4) h = Math.imul(h ^ view.getInt32(i), 0x01000193);
    for (let i = words; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
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

/**
 * The short seeded run in `npm test`: `numRuns × weight` fast-check runs of `perRun` inputs each
 * per target.
 */
export const SHORT_RUN = { seed: 0x5eed, numRuns: 60, perRun: 8 } as const;

/** Runs every target of `targets` briefly (fixed seed), one `node:test` test each. */
export function shortRun(
  // deno-lint-ignore no-explicit-any
  test: (name: string, fn: () => any) => unknown,
  targets: readonly FuzzTarget[],
): void {
  for (const t of targets) {
    test(t.name, async () => {
      const numRuns = Math.max(10, Math.round(SHORT_RUN.numRuns * (t.weight ?? 1)));
      await fc.assert(t.property(SHORT_RUN.perRun), { seed: SHORT_RUN.seed, numRuns });
    });
  }
}
