import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CodecStatus } from "./status.ts";

describe("codec/status", () => {
  test("CodecStatus matches wasm/assembly/status.ts name for name", () => {
    const path = fileURLToPath(new URL("../../wasm/assembly/status.ts", import.meta.url));
    const source = readFileSync(path, "utf8");
    const wasm: Record<string, number> = {};
    for (const m of source.matchAll(/export const (\w+)\s*:\s*i32\s*=\s*(-?\d+)\s*;/g)) {
      wasm[m[1]!] = Number(m[2]);
    }
    assert.ok(Object.keys(wasm).length >= 8, "parsed the AssemblyScript constants");
    assert.deepEqual(wasm, { ...CodecStatus });
    const values = Object.values(CodecStatus);
    assert.equal(new Set(values).size, values.length, "codes are distinct");
    assert.ok(values.every((v) => v < 0), "codes are negative");
  });
});
