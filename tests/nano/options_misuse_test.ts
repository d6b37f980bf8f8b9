// Misuse of the nano server's and client's options, as plain JavaScript would make it: each
// case fails at once with a typed WeftError naming the mistake and the closest valid option
// (issue 11). `as never` stands for "no type check".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { refuses } from "../_helpers.ts";
import { App, WeftError } from "../../src/nano.ts";
import { connect } from "../../src/nano_client.ts";
import { tcpConnector } from "../../src/nano/client/runtime_connectors.ts";
import { runtimeTransports } from "../../src/runtime.ts";

describe("nano App options refuse typos at run time", () => {
  test("a misspelt name: EINVAL naming the closest", async () => {
    assert.throws(() => new App({ heartbeatIntervall: 1000 } as never), WeftError);
    await refuses(
      () => new App({ heartbeatIntervall: 1000 } as never),
      "EINVAL",
      /^`heartbeatIntervall` is not a nano App option; did you mean `heartbeatInterval`\?$/,
    );
    await refuses(() => new App({ timeout: 1000 } as never), "EINVAL", /`handlerTimeout`/);
  });

  test("a number of the wrong type names what came", async () => {
    await refuses(
      () => new App({ port: "3250" } as never),
      "EINVAL",
      /^option port: .*got '3250' \(a string\)$/,
    );
    await refuses(() => new App({ handlerTimeout: -5 }), "EINVAL", /handlerTimeout.*ms ≥ 0/);
  });

  test("tls is the weft/nano App's own option, also beside transports (where it is ignored)", async () => {
    const tls = { cert: "unused", key: "unused" };
    await using app = new App({ transports: runtimeTransports(), tls, maxConnections: Infinity });
    assert.ok(app);
    await refuses(() => new App({ tsl: tls } as never), "EINVAL", /`tsl` is not a nano App option/);
  });

  test("close() refuses a misspelt option", async () => {
    const app = new App({ port: 0, host: "127.0.0.1" });
    await app.listen();
    await refuses(() => app.close({ timout: 10 } as never), "EINVAL", /did you mean `timeout`/);
    await app.close({ timeout: 100 });
  });
});

describe("nano client options refuse typos at run time", () => {
  test("connect with a misspelt option rejects before dialing", async () => {
    await refuses(
      () => connect("tcp://127.0.0.1:1", { requestTimeout: 100 } as never),
      "EINVAL",
      /^`requestTimeout` is not a nano client option; did you mean `requestTimeoutMs`\?$/,
    );
    await refuses(
      () => connect("tcp://127.0.0.1:1", { reconnect: { maxAttemps: 3 } } as never),
      "EINVAL",
      /did you mean `maxAttempts`/,
    );
    await refuses(
      () => connect("tcp://127.0.0.1:1", { requestTimeoutMs: "100" } as never),
      "EINVAL",
      /'100' \(a string\)/,
    );
  });

  test("request with a misspelt option rejects, the next request works", async () => {
    await using app = new App({ port: 0, host: "127.0.0.1" });
    app.handle("echo.say", (_session, body: unknown) => body);
    const { endpoint } = await app.listen();
    const client = await connect(endpoint, { connector: tcpConnector() });
    try {
      await refuses(
        () => client.request("echo.say", { hi: 1 }, { timeout: 100 } as never),
        "EINVAL",
        /^`timeout` is not a request option; did you mean `timeoutMs`\?$/,
      );
      assert.deepEqual(await client.request("echo.say", { hi: 1 }, { timeoutMs: 5000 }), { hi: 1 });
    } finally {
      client.close();
    }
  });
});
