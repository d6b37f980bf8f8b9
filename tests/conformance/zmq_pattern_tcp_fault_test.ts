// The ZeroMQ pattern suite over tcp with a fault proxy on every connection: byte by byte, then
// with a delay per chunk. Every message must still arrive intact and in order.
import { after, describe } from "node:test";
import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";
import { FaultyTransports } from "../fault/fault_transport.ts";
import { SUITE_FAULTS, testProxiesCarried } from "../fault/suite_faults.ts";

for (const [label, fault] of SUITE_FAULTS) {
  const faulty = new FaultyTransports(runtimeTransports(), fault);
  after(() => faulty.close());
  describe(`fault proxy (${label})`, () => {
    runZmqSuite({
      name: "tcp",
      endpoint: () => "tcp://127.0.0.1:0",
      transports: () => faulty.registry,
      bytewise: fault.chunkSize === 1,
    });
    testProxiesCarried("zmq over tcp", faulty, fault);
  });
}
