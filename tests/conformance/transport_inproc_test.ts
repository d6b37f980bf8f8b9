import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
import { runTransportSuite } from "./transport_suite.ts";

let n = 0;
runTransportSuite({
  name: "inproc",
  transport: new InprocTransport(new InprocNamespace()),
  endpoint: () => `inproc://conformance-${n++}`,
});
