// The runtime's tcp transport, picked the way sockets pick it: Deno's under `deno test`, Bun's
// under `bun test`.
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { runTransportSuite } from "./transport_suite.ts";

const tcp = defaultTransports(new InprocNamespace()).get("tcp");
if (!tcp) throw new Error("no tcp transport on this runtime");
runTransportSuite({
  name: `tcp (${"Bun" in globalThis ? "Bun" : "Deno"})`,
  transport: tcp,
  endpoint: () => "tcp://127.0.0.1:0",
});
