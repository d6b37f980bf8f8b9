// tls+tcp:// and wss:// over the runtime's TLS transport (Deno's under `deno test`, Bun's under
// `bun test`), with a throwaway self-signed certificate that the dialers trust as `caCerts`.
// Without openssl the suites cannot run: one test says so (and fails under CI=true).
import { test } from "node:test";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { requirePeer } from "../interop/_peers.ts";
import { makeTestCerts } from "./_tls_certs.ts";
import { runTransportSuite } from "./transport_suite.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
const certs = makeTestCerts();

if (!certs) {
  test(`tls+tcp and wss conformance (${runtime})`, (t) => {
    requirePeer(t, "openssl");
  });
} else {
  const registry = defaultTransports(new InprocNamespace(), {
    tls: { cert: certs.cert, key: certs.key, caCerts: [certs.cert] },
  });
  runTransportSuite({
    name: `tls+tcp (${runtime})`,
    transport: registry.get("tls+tcp")!,
    endpoint: () => "tls+tcp://127.0.0.1:0",
  });
  runTransportSuite({
    name: `wss over tls+tcp (${runtime})`,
    transport: registry.get("wss")!,
    endpoint: () => "wss://127.0.0.1:0/suite",
  });
}
