// ws:// over the runtime's tcp transport (Deno's under `deno test`, Bun's under `bun test`), and
// over inproc. ws keeps message boundaries, but the byte-level suite still holds: each write is
// one message and the recorded chunks join to the same bytes.
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
import { WsTransport } from "../../src/transport/ws/transport.ts";
import { runTransportSuite } from "./transport_suite.ts";

const tcp = defaultTransports(new InprocNamespace()).get("tcp");
if (!tcp) throw new Error("no tcp transport on this runtime");
const runtime = "Bun" in globalThis ? "Bun" : "Deno";

runTransportSuite({
  name: `ws over tcp (${runtime})`,
  transport: new WsTransport(tcp),
  endpoint: () => "ws://127.0.0.1:0/suite",
});

let n = 0;
runTransportSuite({
  name: `ws over inproc (${runtime})`,
  transport: new WsTransport(new InprocTransport(new InprocNamespace())),
  endpoint: () => `ws://suite-${n++}:1/x`,
});
