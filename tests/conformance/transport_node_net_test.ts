// tcp through node:net (src/transport/node_net), on whichever runtime runs the test: the same
// suite as the runtimes' own tcp, over IPv4 and IPv6.
import { NodeNetTcpTransport } from "../../src/transport/node_net/tcp.ts";
import { runTransportSuite } from "./transport_suite.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
runTransportSuite({
  name: `tcp via node:net (${runtime})`,
  transport: new NodeNetTcpTransport(),
  endpoint: () => "tcp://127.0.0.1:0",
});
runTransportSuite({
  name: `tcp6 via node:net (${runtime})`,
  transport: new NodeNetTcpTransport(),
  endpoint: () => "tcp://[::1]:0",
});
