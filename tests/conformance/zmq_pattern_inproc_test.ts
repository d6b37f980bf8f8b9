import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";

const registry = createRegistry([new InprocTransport(new InprocNamespace())]);
let n = 0;
runZmqSuite({
  name: "inproc",
  endpoint: () => `inproc://suite-${n++}`,
  transports: () => registry,
});
