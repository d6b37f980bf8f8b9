// The byte-stream suite over ws with a fault proxy on every dialed connection: byte by byte (the
// first 64 KiB each way), then with a delay per chunk. Bytes arrive intact and in order, ends and
// back-pressure still hold.
import { after, describe } from "node:test";
import { runtimeTransports } from "../../src/zmq.ts";
import { FaultyTransports } from "../fault/fault_transport.ts";
import { SUITE_FAULTS, testProxiesCarried } from "../fault/suite_faults.ts";
import { runTransportSuite } from "./transport_suite.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
for (const [label, fault] of SUITE_FAULTS) {
  const faulty = new FaultyTransports(runtimeTransports(), fault);
  after(() => faulty.close());
  describe(`fault proxy (${label})`, () => {
    runTransportSuite({
      name: `ws (${runtime})`,
      transport: faulty.registry.get("ws")!,
      endpoint: () => "ws://127.0.0.1:0/suite",
      relayed: true,
    });
    testProxiesCarried("ws streams", faulty, fault, 6);
  });
}
