/**
 * Connection churn leaves nothing behind on Deno: 10,000 connections of one kind (hostile ZMTP
 * garbage; nano WebSocket clients connecting, making a request and closing) through
 * tools/churn.ts, in a Deno child process with `--expose-gc`, must grow the JS object heap after GC
 * by less than 64 bytes a connection (measured: 1–3 B, the same as a bare `Deno.listen` server).
 * The soak's slow heap creep on Deno (docs/reliability.md, Soak) is therefore not per
 * connection. Count-based, not timed. Runs under Bun too (it starts the Deno binary).
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

const deno = "./node_modules/deno/deno";
const BOUND = 64; // bytes a connection; a leak of one small object per connection exceeds it

function churn(kind: string, ...extra: string[]): { bytesPerConnection: number; failed: number } {
  const out = execFileSync(deno, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    "tools/churn.ts",
    kind,
    "--warmup",
    "1000",
    "--checkpoints",
    "1000,11000",
    ...extra,
  ], { encoding: "utf8", timeout: 110_000 });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

describe("connection churn on Deno (10,000 connections)", () => {
  for (const kind of ["zmtp-garbage", "nano-ws"]) {
    test(`${kind}: under ${BOUND} B of JS objects a connection`, () => {
      const r = churn(kind);
      assert.equal(r.failed, 0);
      assert.ok(r.bytesPerConnection < BOUND, `${r.bytesPerConnection.toFixed(1)} B a connection`);
    });
  }
  test("the measure sees a 256-byte leak a connection", () => {
    const r = churn("zmtp-garbage", "--leak", "256");
    assert.ok(r.bytesPerConnection > BOUND, `${r.bytesPerConnection.toFixed(1)} B a connection`);
  });
});
