// The nano App over TLS: `new App({ tls: { cert, key } })` serves raw pomelo over TLS and wss on
// its one port; clients trust the throwaway certificate through `caCerts`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { App } from "../../src/nano.ts";
import { transportConnector } from "../../src/nano_client_runtime.ts";
import { connect } from "../../src/nano_client.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { makeTestCerts } from "../conformance/_tls_certs.ts";
import { requirePeer } from "../interop/_peers.ts";

describe("nano over TLS", () => {
  test("raw pomelo over tls+tcp and pomelo over wss share one TLS port", async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const certs = makeTestCerts();
    assert.ok(certs, "openssl made no certificate");
    await using app = new App({
      port: 0,
      host: "127.0.0.1",
      tls: { cert: certs.cert, key: certs.key },
    });
    app.handle("echo.say", (_session, payload: unknown) => ({ echoed: payload }));
    const { port, endpoint } = await app.listen();
    assert.match(endpoint, /^tls\+tcp:\/\//);
    const trusting = defaultTransports(new InprocNamespace(), { tls: { caCerts: [certs.cert] } });
    for (const url of [`tls+tcp://127.0.0.1:${port}`, `wss://127.0.0.1:${port}/`]) {
      const client = await connect(url, { connector: transportConnector(trusting) });
      try {
        assert.deepEqual(await client.request("echo.say", { over: url }), {
          echoed: { over: url },
        });
      } finally {
        client.close();
      }
    }
    const untrusting = defaultTransports(new InprocNamespace(), {
      tls: { caCerts: [certs.wrongCa] },
    });
    await assert.rejects(
      connect(`tls+tcp://127.0.0.1:${port}`, { connector: transportConnector(untrusting) }),
    );
  });
});
