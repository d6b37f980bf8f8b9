import { runSpSuite } from "./sp_pattern_suite.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";

const registry = createRegistry([new InprocTransport(new InprocNamespace())]);
let n = 0;
runSpSuite({
  name: "inproc",
  endpoint: () => `inproc://sp-suite-${n++}`,
  transports: () => registry,
});
