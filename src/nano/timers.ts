/**
 * The app's clock and timers (nano's `scheduler.NewTimer` family): `every`, `times`, `after`
 * and `when`, each stoppable, all on one {@link Clock} so tests can drive time by hand.
 * @module
 */

/**
 * Where time comes from: a millisecond clock plus one-shot timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const clock = systemClock();
 * assert.ok(clock.now() > 1_600_000_000_000);
 * clock.clearTimeout(clock.setTimeout(() => {}, 10));
 * ```
 */
export interface Clock {
  /** Milliseconds (Unix time for the system clock). */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending call. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `Date.now` and the global timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const fired = await new Promise<boolean>((r) => systemClock().setTimeout(() => r(true), 1));
 * assert.ok(fired);
 * ```
 */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}

/**
 * A clock that only moves when told to ({@link ManualClock.advance}), for tests.
 *
 * @example
 * ```ts
 * import { ManualClock } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock(1000);
 * const seen: number[] = [];
 * clock.setTimeout(() => seen.push(clock.now()), 50);
 * clock.advance(49);
 * assert.deepEqual(seen, []);
 * clock.advance(1);
 * assert.deepEqual(seen, [1050]);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending = new Map<number, { at: number; fn: () => void }>();

  /** Starts at `start` ms. */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.#pending.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }
}

/**
 * A running timer.
 *
 * @example
 * ```ts
 * import { ManualClock, Timers } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const t = new Timers(new ManualClock()).after(10, () => {});
 * t.stop();
 * assert.equal(t.stopped, true);
 * ```
 */
export interface Timer {
  /** Unique within its {@link Timers}. */
  readonly id: number;
  /** True once stopped or finished. */
  readonly stopped: boolean;
  /** Stops it; idempotent. */
  stop(): void;
}

/**
 * Options of {@link Timers}.
 *
 * @example
 * ```ts
 * import { ManualClock, Timers } from "./timers.ts";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock();
 * const timers = new Timers(clock, { precision: 50, onError: () => {} });
 * let ready = false, fired = 0;
 * timers.when(() => ready, () => fired++); // checked every 50 ms
 * ready = true;
 * clock.advance(49);
 * assert.equal(fired, 0);
 * clock.advance(1);
 * assert.equal(fired, 1);
 * ```
 */
export interface TimersOptions {
  /** How often `when` conditions are checked, in ms (default 100). */
  readonly precision?: number;
  /** Where errors thrown by timer callbacks go (default: `console.error`). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Timers on one clock. A callback's error is reported and the timer keeps running. The first
 * run of `every` and `times` comes one interval after the call (as nano).
 *
 * @example
 * ```ts
 * import { ManualClock, Timers } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock();
 * const timers = new Timers(clock);
 * let ticks = 0, thrice = 0, once = 0, cond = 0;
 * const every = timers.every(10, () => ticks++);
 * timers.times(10, 3, () => thrice++);
 * timers.after(25, () => once++);
 * timers.when(() => ticks >= 5, () => cond++);
 * clock.advance(100);
 * assert.deepEqual([ticks, thrice, once, cond], [10, 3, 1, 1]);
 * every.stop();
 * clock.advance(100);
 * assert.equal(ticks, 10);
 * timers.stopAll();
 * ```
 */
export class Timers {
  #clock: Clock;
  #precision: number;
  #onError: (error: unknown) => void;
  #seq = 0;
  #live = new Map<number, () => void>();

  /** Timers on `clock`. */
  constructor(clock: Clock, options: TimersOptions = {}) {
    this.#clock = clock;
    this.#precision = options.precision ?? 100;
    this.#onError = options.onError ?? ((e) => console.error("timer callback failed:", e));
  }

  /** Calls `fn` every `interval` ms until stopped. */
  every(interval: number, fn: () => void): Timer {
    return this.#repeat(interval, Infinity, fn);
  }

  /** Calls `fn` every `interval` ms, `count` times. */
  times(interval: number, count: number, fn: () => void): Timer {
    return this.#repeat(interval, count, fn);
  }

  /** Calls `fn` once after `delay` ms. */
  after(delay: number, fn: () => void): Timer {
    return this.#repeat(delay, 1, fn);
  }

  /** Calls `fn` once, at the first check (every `precision` ms) where `condition()` is true. */
  when(condition: () => boolean, fn: () => void): Timer {
    const check = () => {
      let ok = false;
      try {
        ok = condition();
      } catch (e) {
        this.#onError(e);
      }
      if (!ok) return;
      timer.stop();
      this.#call(fn);
    };
    const timer: Timer = this.#repeat(this.#precision, Infinity, check);
    return timer;
  }

  /** Stops every timer. */
  stopAll(): void {
    for (const stop of [...this.#live.values()]) stop();
  }

  /** How many timers are running. */
  get size(): number {
    return this.#live.size;
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#onError(e);
    }
  }

  #repeat(interval: number, count: number, fn: () => void): Timer {
    const clock = this.#clock;
    const id = ++this.#seq;
    let left = count;
    let handle: unknown;
    let stopped = false;
    const live = this.#live;
    // Each run is scheduled from the previous due time, so intervals do not drift.
    let due = clock.now() + interval;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clock.clearTimeout(handle);
      live.delete(id);
    };
    const run = () => {
      if (stopped) return;
      left--;
      if (left <= 0) stop();
      this.#call(fn);
      if (stopped) return;
      due += interval;
      handle = clock.setTimeout(run, Math.max(0, due - clock.now()));
    };
    live.set(id, stop);
    if (count <= 0) stop();
    else handle = clock.setTimeout(run, interval);
    return {
      id,
      get stopped() {
        return stopped;
      },
      stop,
    };
  }
}
