/**
 * A rate limit for log lines a peer can cause (one per refused, timed-out or misbehaving
 * connection): so an attacker cannot decide how much a server writes to its log. Lines are
 * grouped by kind; the first few of each kind per interval are written, the rest only counted,
 * and when the interval ends one summary line says how many were left out. Monitor events are
 * not throttled: they are the complete record, and bounded by their own buffer.
 * @module
 */

/** Where throttled lines go: `console`, or any object with `warn` and `error`. */
export interface LogSink {
  /** Writes a warning. */
  warn(...args: unknown[]): void;
  /** Writes an error. */
  error(...args: unknown[]): void;
}

/** The time source of a {@link LogThrottle} (the nano app's `Clock` fits). */
export interface ThrottleClock {
  /** Milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending call. */
  clearTimeout(handle: unknown): void;
}

/** Options of {@link LogThrottle}. */
export interface LogThrottleOptions {
  /** Lines written per kind per interval before the rest are only counted (default 5). */
  readonly lines?: number;
  /** The interval, ms (default 10 000). */
  readonly interval?: number;
  /** Time source (default: `Date.now` and the global timers). */
  readonly clock?: ThrottleClock;
}

/** The defaults of {@link LogThrottleOptions}: 5 lines per kind per 10 s. */
export const LOG_THROTTLE_DEFAULTS = Object.freeze({ lines: 5, interval: 10_000 });

type Level = "warn" | "error";

interface Window {
  readonly level: Level;
  readonly start: number;
  written: number;
  skipped: number;
  timer: unknown;
}

const systemClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Writes at most `lines` lines of each kind per `interval`, then counts; when a window with
 * lines left out ends, writes "…and N more <kind> in the last S s". A kind is a plural noun
 * phrase ("refused connections"). A window opens at its first line, so an idle kind costs
 * nothing and no timer runs unless lines were left out. {@link LogThrottle.flush} writes the
 * pending summaries at once (call it when the server closes).
 *
 * @example
 * ```ts
 * import { LogThrottle } from "./log_throttle.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const sink = { warn: (...a: unknown[]) => out.push(a.join(" ")), error: () => {} };
 * const log = new LogThrottle(sink, { lines: 2, interval: 10_000 });
 * for (let port = 1; port <= 5; port++) {
 *   log.warn("refused connections", `refused 127.0.0.1:${port}: maxConnections (100) reached`);
 * }
 * log.flush(); // a closing server; otherwise the summary comes when the 10 s are over
 * assert.deepEqual(out, [
 *   "refused 127.0.0.1:1: maxConnections (100) reached",
 *   "refused 127.0.0.1:2: maxConnections (100) reached",
 *   "…and 3 more refused connections in the last 10 s",
 * ]);
 * ```
 */
export class LogThrottle {
  readonly #sink: LogSink;
  readonly #lines: number;
  readonly #interval: number;
  readonly #clock: ThrottleClock;
  readonly #windows = new Map<string, Window>();

  /** Throttles what goes to `sink`; see {@link LogThrottleOptions}. */
  constructor(sink: LogSink, options: LogThrottleOptions = {}) {
    this.#sink = sink;
    this.#lines = options.lines ?? LOG_THROTTLE_DEFAULTS.lines;
    this.#interval = options.interval ?? LOG_THROTTLE_DEFAULTS.interval;
    this.#clock = options.clock ?? systemClock;
  }

  /** Writes a warning of `kind` unless its window is full (then counts it); true if written. */
  warn(kind: string, ...args: unknown[]): boolean {
    return this.#line("warn", kind, args);
  }

  /** Writes an error of `kind` unless its window is full (then counts it); true if written. */
  error(kind: string, ...args: unknown[]): boolean {
    return this.#line("error", kind, args);
  }

  /** Writes every pending summary now and closes every window (no timer is left running). */
  flush(): void {
    for (const kind of [...this.#windows.keys()]) this.#end(kind);
  }

  #line(level: Level, kind: string, args: unknown[]): boolean {
    const now = this.#clock.now();
    let w = this.#windows.get(kind);
    if (w && now - w.start >= this.#interval) {
      this.#end(kind);
      w = undefined;
    }
    if (!w) {
      w = { level, start: now, written: 0, skipped: 0, timer: undefined };
      this.#windows.set(kind, w);
    }
    if (w.written < this.#lines) {
      w.written++;
      this.#sink[level](...args);
      return true;
    }
    // The first line left out: the summary is due when the window ends.
    if (w.skipped++ === 0) {
      w.timer = this.#clock.setTimeout(() => this.#end(kind), w.start + this.#interval - now);
    }
    return false;
  }

  #end(kind: string): void {
    const w = this.#windows.get(kind);
    if (!w) return;
    this.#windows.delete(kind);
    if (w.skipped === 0) return;
    this.#clock.clearTimeout(w.timer);
    const seconds = Math.round(this.#interval / 100) / 10;
    this.#sink[w.level](`…and ${w.skipped} more ${kind} in the last ${seconds} s`);
  }
}
