/**
 * The helpers every test shares (tests/ and src/**\/*_test.ts alike), defined once with one
 * argument order: what is awaited first, then what it is (for the failure message), then an
 * optional deadline. Deadlines are safety nets for a hung peer, never timed assertions.
 * @module
 */

/** How long one awaited step may take before the test fails (generous: loaded CI machines). */
export const DEADLINE_MS = 20_000;

/**
 * Resolves as `promise` does, or rejects naming `what` if it has not settled within `ms`.
 *
 * @example
 * ```ts
 * import { within } from "./_helpers.ts";
 * const reply = await within(Promise.resolve("pong"), "the reply");
 * console.log(reply); // "pong"
 * ```
 */
export async function within<T>(
  promise: Promise<T>,
  what = "the awaited step",
  ms = DEADLINE_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `check()` holds (polled every few ms, no fixed sleep), or rejects naming `what`
 * after `ms`.
 *
 * @example
 * ```ts
 * import { until } from "./_helpers.ts";
 * const seen: string[] = [];
 * setTimeout(() => seen.push("connected"), 1);
 * await until(() => seen.length > 0, "the connect event");
 * ```
 */
export async function until(
  check: () => boolean,
  what = "the condition",
  ms = DEADLINE_MS,
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A small seeded PRNG (mulberry32) returning numbers in [0, 1), so a failing seed reproduces.
 *
 * @example
 * ```ts
 * import { prng } from "./_helpers.ts";
 * const a = prng(7), b = prng(7);
 * console.log(a() === b()); // true: same seed, same sequence
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `bytes` cut into chunks of 1..`maxChunk` octets at random (each chunk a fresh copy), to feed
 * a decoder the way a network might.
 *
 * @example
 * ```ts
 * import { prng, splits } from "./_helpers.ts";
 * const chunks = splits(prng(1), new Uint8Array(100), 7);
 * console.log(chunks.every((c) => c.length >= 1 && c.length <= 7)); // true
 * ```
 */
export function splits(rnd: () => number, bytes: Uint8Array, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(rnd() * maxChunk));
    chunks.push(bytes.slice(at, at + n));
    at += n;
  }
  return chunks;
}

/**
 * The byte arrays joined into one.
 *
 * @example
 * ```ts
 * import { concat } from "./_helpers.ts";
 * const frame = concat(new Uint8Array([0, 5]), new TextEncoder().encode("hello"));
 * console.log(frame.length); // 7
 * ```
 */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Bytes from a hex string; whitespace between octets is ignored (`"01 02 ff"`, `"0102ff"`).
 *
 * @example
 * ```ts
 * import { hex } from "./_helpers.ts";
 * const greeting = hex("ff 00 00 00 00 00 00 00 01 7f");
 * console.log(greeting.length); // 10
 * ```
 */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Bytes as space-separated hex octets, for readable assertion messages.
 *
 * @example
 * ```ts
 * import { toHex } from "./_helpers.ts";
 * console.log(toHex(new Uint8Array([1, 127, 255]))); // "01 7f ff"
 * ```
 */
export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
}

const decoder = new TextDecoder();

/**
 * A message's frames decoded as UTF-8 text.
 *
 * @example
 * ```ts
 * import { texts } from "./_helpers.ts";
 * const enc = new TextEncoder();
 * console.log(texts([enc.encode("topic"), enc.encode("body")])); // ["topic", "body"]
 * ```
 */
export function texts(frames: Uint8Array[]): string[] {
  return frames.map((f) => decoder.decode(f));
}

/**
 * One payload decoded as UTF-8 text.
 *
 * @example
 * ```ts
 * import { text } from "./_helpers.ts";
 * console.log(text(new TextEncoder().encode("pong"))); // "pong"
 * ```
 */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Asserts that `fn` throws, or returns a promise that rejects with, a `WeftError`-shaped error
 * whose `code` is `code` and whose message matches `message`: the shape of every misuse test.
 *
 * @example
 * ```ts
 * import { refuses } from "./_helpers.ts";
 * import { Pull } from "../src/zmq.ts";
 * await refuses(() => new Pull({ recvTimeout: 1 } as never), "EINVAL", /`receiveTimeout`/);
 * ```
 */
export async function refuses(fn: () => unknown, code: string, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof Error) || caught.name !== "WeftError") {
    throw new Error(`expected a WeftError ${code} matching ${message}, got ${caught}`);
  }
  const got = caught as Error & { code?: unknown };
  if (got.code !== code || !message.test(got.message)) {
    throw new Error(`expected ${code} matching ${message}, got ${got.code}: ${got.message}`);
  }
}
