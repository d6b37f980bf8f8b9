import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LogThrottle, type ThrottleClock } from "./log_throttle.ts";

/** A clock that moves only when told to. */
class HandClock implements ThrottleClock {
  #now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.#timers.set(++this.#seq, { at: this.#now + ms, fn });
    return this.#seq;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.#now) {
        this.#timers.delete(id);
        t.fn();
      }
    }
  }
}

function setup(lines = 3, interval = 10_000) {
  const out: string[] = [];
  const clock = new HandClock();
  const sink = {
    warn: (...a: unknown[]) => out.push(`W ${a.join(" ")}`),
    error: (...a: unknown[]) => out.push(`E ${a.join(" ")}`),
  };
  return { out, clock, log: new LogThrottle(sink, { lines, interval, clock }) };
}

describe("LogThrottle", () => {
  test("writes the first lines of a kind, counts the rest, sums them up when the window ends", () => {
    const { out, clock, log } = setup();
    for (let i = 0; i < 315; i++) log.warn("refused connections", `refused #${i}`);
    assert.deepEqual(out, ["W refused #0", "W refused #1", "W refused #2"]);
    clock.advance(9_999);
    assert.equal(out.length, 3);
    clock.advance(1);
    assert.equal(out[3], "W …and 312 more refused connections in the last 10 s");
    assert.equal(clock.pending, 0);
    // A new window: lines are written again.
    log.warn("refused connections", "refused #315");
    assert.equal(out[4], "W refused #315");
  });

  test("kinds are throttled apart and keep their level", () => {
    const { out, log } = setup(1);
    log.warn("refused connections", "a");
    log.warn("refused connections", "b");
    log.error("failed handlers", "c");
    log.error("failed handlers", "d");
    log.flush();
    assert.deepEqual(out, [
      "W a",
      "E c",
      "W …and 1 more refused connections in the last 10 s",
      "E …and 1 more failed handlers in the last 10 s",
    ]);
  });

  test("no timer and no summary while a kind stays under its budget", () => {
    const { out, clock, log } = setup(2);
    log.warn("closed connections", "x");
    clock.advance(10_000);
    log.warn("closed connections", "y"); // a new window
    log.warn("closed connections", "z");
    assert.equal(clock.pending, 0);
    log.flush();
    assert.deepEqual(out, ["W x", "W y", "W z"]);
  });

  test("flush writes pending summaries and cancels their timers", () => {
    const { out, clock, log } = setup(0);
    assert.equal(log.warn("closed connections", "x"), false);
    assert.equal(clock.pending, 1);
    log.flush();
    assert.equal(clock.pending, 0);
    assert.deepEqual(out, ["W …and 1 more closed connections in the last 10 s"]);
    log.flush();
    assert.equal(out.length, 1);
  });
});
