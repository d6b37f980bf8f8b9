/**
 * Codec micro-benchmarks for `deno bench`: every case of bench/codec/all_cases.ts, grouped,
 * with the pure-TS reference as the baseline of each group.
 *
 *   ./node_modules/deno/deno bench -A bench/codec_bench.ts
 *
 * For a table on Deno and Bun side by side, run `npm run bench` (bench/codec_run.ts).
 * @module
 */

import { cases } from "./codec/all_cases.ts";

for (const c of cases) {
  Deno.bench({ name: c.name, group: c.group, baseline: c.name === "reference", fn: c.fn });
}
