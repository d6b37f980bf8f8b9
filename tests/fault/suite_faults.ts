/**
 * The faults the conformance suites run under (the `*_fault_test.ts` files in
 * tests/conformance): writes split into 1-byte pieces (for the first 64 KiB each way of every
 * connection — handshakes and the first frames; bulk beyond that passes whole so the 10 MiB tests
 * stay quick), and a 2 ms delay before every forwarded chunk (also for the first 64 KiB: a slow
 * middle box that keeps reading would otherwise drain a writer whose final reader is paused).
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Fault } from "./fault_proxy.ts";
import type { FaultyTransports } from "./fault_transport.ts";

/**
 * Label and fault for each proxied run of a suite.
 *
 * @example
 * ```ts
 * import { SUITE_FAULTS } from "./suite_faults.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(SUITE_FAULTS.map(([label]) => label), ["1-byte chunks", "delay"]);
 * ```
 */
export const SUITE_FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ["1-byte chunks", { chunkSize: 1, shapeLimit: 64 * 1024 }],
  ["delay", { delayMs: 2, shapeLimit: 64 * 1024 }],
];

/**
 * Registers a test (run after the suite before it) that checks the suite's traffic really went
 * through the proxies: connections were accepted, and with `chunkSize` every forwarded byte up to
 * the limit was its own write.
 *
 * @example
 * ```ts ignore
 * import { SUITE_FAULTS, testProxiesCarried } from "./suite_faults.ts";
 * import { FaultyTransports } from "./fault_transport.ts";
 * import { runtimeTransports } from "../../src/zmq.ts";
 * const [label, fault] = SUITE_FAULTS[0]!;
 * const faulty = new FaultyTransports(runtimeTransports(), fault);
 * // … run a suite with faulty.registry …
 * testProxiesCarried(`zmq over tcp (${label})`, faulty, fault);
 * ```
 */
export function testProxiesCarried(
  name: string,
  faulty: FaultyTransports,
  fault: Fault,
  minConnections = 10,
): void {
  test(`${name}: the suite's connections went through the fault proxy`, async () => {
    const proxies = await faulty.proxies();
    const sum = (k: "accepted" | "up" | "down" | "writes") =>
      proxies.reduce((n, p) => n + p.stats[k], 0);
    assert.ok(
      sum("accepted") >= minConnections,
      `only ${sum("accepted")} connections were proxied`,
    );
    assert.ok(sum("up") > 0 && sum("down") > 0, "no bytes went through");
    if (fault.chunkSize === 1) {
      // Each connection sends its first bytes one write per byte (shapeLimit caps the rest).
      const perConnection = fault.shapeLimit ?? Infinity;
      const bytes = sum("up") + sum("down");
      const floor = Math.min(bytes, perConnection) / 2;
      assert.ok(sum("writes") >= floor, `${sum("writes")} writes for ${bytes} bytes`);
    }
  });
}
