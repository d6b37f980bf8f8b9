// The SP pattern suite over tcp and ws with a fault proxy on every connection: byte by byte, then
// with a delay per chunk. Every message must still arrive intact and in order.
import { after, describe } from "node:test";
import { runSpSuite } from "./sp_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";
import { FaultyTransports } from "../fault/fault_transport.ts";
import { SUITE_FAULTS, testProxiesCarried } from "../fault/suite_faults.ts";

let n = 0;
for (const scheme of ["tcp", "ws"]) {
  for (const [label, fault] of SUITE_FAULTS) {
    const faulty = new FaultyTransports(runtimeTransports(), fault);
    after(() => faulty.close());
    describe(`fault proxy (${label})`, () => {
      runSpSuite({
        name: scheme, // the suite keys transport-specific checks on this name
        endpoint: () => (scheme === "ws" ? `ws://127.0.0.1:0/sp${n++}` : "tcp://127.0.0.1:0"),
        transports: () => faulty.registry,
      });
      testProxiesCarried(`sp over ${scheme}`, faulty, fault);
    });
  }
}
