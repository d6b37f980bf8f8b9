// The byte-stream suite over tcp and ws with a fault proxy on every dialed connection: byte by
// byte (the first 64 KiB each way), then with a delay per chunk. Bytes arrive intact and in order,
// ends and back-pressure still hold.
import { after, describe } from "node:test";
import { runtimeTransports } from "../../src/zmq.ts";
import { FaultyTransports } from "../fault/fault_transport.ts";
import { SUITE_FAULTS, testProxiesCarried } from "../fault/suite_faults.ts";
import { runTransportSuite } from "./transport_suite.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
for (const scheme of ["tcp", "ws"]) {
  for (const [label, fault] of SUITE_FAULTS) {
    const faulty = new FaultyTransports(runtimeTransports(), fault);
    after(() => faulty.close());
    describe(`fault proxy (${label})`, () => {
      runTransportSuite({
        name: `${scheme} (${runtime})`,
        transport: faulty.registry.get(scheme)!,
        endpoint: () => (scheme === "ws" ? "ws://127.0.0.1:0/suite" : "tcp://127.0.0.1:0"),
        relayed: true,
      });
      testProxiesCarried(`${scheme} streams`, faulty, fault, 6);
    });
  }
}
