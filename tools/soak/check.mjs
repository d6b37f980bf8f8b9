/**
 * The soak's pass/fail rule (`npm run soak -- … --check`), apart from the run so it can be
 * tested on recorded and made-up timelines (tests/tools/soak_check_test.ts).
 *
 * Drop the warm-up (the first 15 % of the run, at least 10 s), split the remaining samples in
 * thirds and compare medians, last third against first:
 *
 * - open FDs may grow by at most max(10, 25 %);
 * - the JS heap of objects by at most 1 MiB (its noise after a full GC is ~0.1 MB; a leak of
 *   8 KiB per accepted connection grows it ~2 MB in the 60 s CI run). On Deno that is V8's object spaces only
 *   (`heapObjects`): compiled code (V8's code and trusted spaces) grows for tens of minutes while
 *   the JIT optimizes more functions — bounded, and not weft's to shrink — so it is reported, not
 *   checked. On Bun (no such split) it is the whole heap. Samples are taken after a full GC.
 * - the server must not exit, and must handle messages in the last third.
 *
 * RSS is reported, not checked (allocator and JIT growth on Deno are not leaks of ours).
 * @module
 */

const MiB = 1048576;

/** Open FDs may grow by at most this many, or by {@link FD_GROWTH_SHARE} if that is more. */
export const FD_GROWTH = 10;
/** Open FDs may grow by at most this share of the first third's median, or {@link FD_GROWTH}. */
export const FD_GROWTH_SHARE = 0.25;
/** The object heap may grow by at most this many bytes. */
export const HEAP_GROWTH = 1 * MiB;

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

const mb = (b) => (b / MiB).toFixed(1);

/** The heap the check compares: JS objects where the runtime tells them apart from code. */
export function checkedHeap(row) {
  return row.heapObjects ?? row.heap;
}

/**
 * What is wrong with a soak timeline, if anything.
 * @param {{ t: number, fds: number, heap: number, heapObjects?: number, heapCode?: number, rss: number, handledTotal: number }[]} rows
 * @param {{ seconds: number, died?: boolean }} run
 * @returns {{ problems: string[], medians?: string }} `medians` sums up first → last third
 */
export function soakProblems(rows, { seconds, died = false }) {
  const warmup = Math.max(10, seconds * 0.15);
  const steady = rows.filter((r) => r.t >= warmup);
  const third = Math.floor(steady.length / 3);
  const problems = [];
  if (died) problems.push("the server exited during the run");
  if (third < 2) {
    problems.push(`too few samples after the warm-up (${steady.length}) to compare`);
    return { problems };
  }
  const first = steady.slice(0, third);
  const last = steady.slice(-third);
  const at = (rows, f) => median(rows.map(f));
  const fd0 = at(first, (r) => r.fds);
  const fd1 = at(last, (r) => r.fds);
  const heap0 = at(first, checkedHeap);
  const heap1 = at(last, checkedHeap);
  const split = first[0].heapObjects !== undefined;
  const code = split
    ? `, compiled code ${mb(at(first, (r) => r.heapCode))} → ${mb(at(last, (r) => r.heapCode))} MB`
    : "";
  const medians =
    `FDs ${fd0} → ${fd1}, ${split ? "JS objects" : "JS heap"} ${mb(heap0)} → ${
      mb(heap1)
    } MB${code}, RSS ${mb(at(first, (r) => r.rss))} → ${mb(at(last, (r) => r.rss))} MB ` +
    `(after ${Math.round(warmup)} s warm-up)`;
  if (fd1 - fd0 > Math.max(FD_GROWTH, fd0 * FD_GROWTH_SHARE)) {
    problems.push(`open FDs grew: ${fd0} → ${fd1}`);
  }
  if (heap1 - heap0 > HEAP_GROWTH) {
    problems.push(`the JS ${split ? "object heap" : "heap"} grew: ${mb(heap0)} → ${mb(heap1)} MB`);
  }
  const handledLast = last.at(-1).handledTotal - first.at(-1).handledTotal;
  if (!(handledLast > 0)) problems.push("the server handled nothing in the last third");
  return { problems, medians };
}
