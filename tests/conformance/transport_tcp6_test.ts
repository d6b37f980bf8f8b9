// tcp over IPv6 loopback with the runtime's transport.
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { runTransportSuite } from "./transport_suite.ts";

const tcp = defaultTransports(new InprocNamespace()).get("tcp");
if (!tcp) throw new Error("no tcp transport on this runtime");
runTransportSuite({
  name: `tcp [::1] (${"Bun" in globalThis ? "Bun" : "Deno"})`,
  transport: tcp,
  endpoint: () => "tcp://[::1]:0",
});
