// The SP pattern suite (sp_pattern_suite.ts) over tls+tcp:// (nng's TLS scheme) and wss://, on
// the runtime's TLS transport with a throwaway certificate the dialers trust as `caCerts`.
import { test } from "node:test";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { requirePeer } from "../interop/_peers.ts";
import { runSpSuite } from "./sp_pattern_suite.ts";
import { makeTestCerts } from "./_tls_certs.ts";

const certs = makeTestCerts();

if (!certs) {
  test("sp patterns over tls+tcp and wss", (t) => {
    requirePeer(t, "openssl");
  });
} else {
  const registry = defaultTransports(new InprocNamespace(), {
    tls: { cert: certs.cert, key: certs.key, caCerts: [certs.cert] },
  });
  runSpSuite({
    name: "tls+tcp",
    endpoint: () => "tls+tcp://127.0.0.1:0",
    transports: () => registry,
  });
  let n = 0;
  runSpSuite({
    name: "wss",
    endpoint: () => `wss://127.0.0.1:0/sp${n++}`,
    transports: () => registry,
  });
}
