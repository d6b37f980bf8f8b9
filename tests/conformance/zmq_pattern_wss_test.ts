// The ZeroMQ pattern suite (zmq_pattern_suite.ts) over wss:// — ZWS 2.0 over the runtime's TLS
// transport, weft↔weft (Debian's libzmq 4.3.4 has no wss), with a throwaway certificate the
// dialers trust as `caCerts`.
import { test } from "node:test";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { requirePeer } from "../interop/_peers.ts";
import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { makeTestCerts } from "./_tls_certs.ts";

const certs = makeTestCerts();

if (!certs) {
  test("zmq patterns over wss", (t) => {
    requirePeer(t, "openssl");
  });
} else {
  const registry = defaultTransports(new InprocNamespace(), {
    tls: { cert: certs.cert, key: certs.key, caCerts: [certs.cert] },
  });
  let n = 0;
  runZmqSuite({
    name: "wss",
    endpoint: () => `wss://127.0.0.1:0/zmq${n++}`,
    transports: () => registry,
  });
}
