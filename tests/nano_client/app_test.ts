// weft/nano/client against the real weft/nano App, over WebSocket and raw TCP: requests,
// notifies, pushes, compressed routes, error responses, kick, heartbeats, reconnect.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Client, type ClientOptions, connect } from "../../src/nano_client.ts";
import { App, type Session } from "../../src/nano.ts";
import { tcpConnector } from "../../src/nano/client/runtime_connectors.ts";
import { until } from "../_helpers.ts";

class Echo {
  sessions: Session[] = [];
  say(session: Session, payload: unknown) {
    this.sessions.push(session);
    return { echo: payload, transport: session.transport };
  }
  shout(session: Session, payload: { text: string }) {
    session.push("onShout", { text: payload.text.toUpperCase() });
  }
  kickMe(session: Session, payload: { reason: string }) {
    setTimeout(() => session.kick(payload.reason), 0);
    return { ok: true };
  }
  dropMe(session: Session) {
    setTimeout(() => session.close(), 0);
    return { ok: true };
  }
  fail() {
    throw new Error("handler failed on purpose");
  }
}

async function startApp(options: { heartbeatInterval?: number } = {}) {
  const app = new App({
    port: 0,
    host: "127.0.0.1",
    heartbeatInterval: options.heartbeatInterval ?? 30_000,
    dictionary: { "echo.say": 1, "echo.shout": 2, "onShout": 3 },
    logger: { info() {}, warn() {}, error() {} } as never,
  });
  const echo = new Echo();
  app.register(echo, { name: "echo" });
  const { port } = await app.listen();
  return { app, echo, port };
}

const TRANSPORTS = {
  ws: (port: number): [string, ClientOptions] => [`ws://127.0.0.1:${port}/`, {}],
  tcp: (port: number): [string, ClientOptions] => [
    `tcp://127.0.0.1:${port}`,
    { connector: tcpConnector(), sys: { type: "js-tcp" } },
  ],
} as const;

for (const [kind, address] of Object.entries(TRANSPORTS)) {
  describe(`nano client ↔ weft/nano App over ${kind}`, () => {
    const open = (port: number, options: ClientOptions = {}): Promise<Client> => {
      const [url, base] = address(port);
      return connect(url, { ...base, ...options });
    };

    test("request, notify → push, dictionary from the handshake", async () => {
      const { app, port } = await startApp();
      const client = await open(port);
      try {
        assert.deepEqual(client.handshake?.dict, { "echo.say": 1, "echo.shout": 2, "onShout": 3 });
        assert.deepEqual(await client.request("echo.say", { n: 1 }), {
          echo: { n: 1 },
          transport: kind,
        });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => client.request("echo.say", i)),
        );
        assert.deepEqual(results.map((r) => (r as { echo: number }).echo), [...Array(50).keys()]);
        const shouts: unknown[] = [];
        client.on("onShout", (body) => shouts.push(body));
        client.notify("echo.shout", { text: "hey" });
        await until(() => shouts.length === 1, "the onShout push");
        assert.deepEqual(shouts, [{ text: "HEY" }]);
      } finally {
        client.close();
        await app.close();
      }
    });

    test("an unknown route and a failing handler reject with ServerError", async () => {
      const { app, port } = await startApp();
      const client = await open(port);
      try {
        await assert.rejects(client.request("nope.nothing", {}), {
          name: "ServerError",
          code: 404,
        });
        await assert.rejects(client.request("echo.fail", {}), { name: "ServerError", code: 500 });
        assert.deepEqual(await client.request("echo.say", 2), { echo: 2, transport: kind });
      } finally {
        client.close();
        await app.close();
      }
    });

    test("kick: onKick gets the reason and the client closes without reconnecting", async () => {
      const { app, port } = await startApp();
      const client = await open(port, { reconnect: { initialDelayMs: 10 } });
      try {
        const reasons: string[] = [];
        client.onKick((r) => reasons.push(r));
        await client.request("echo.kickMe", { reason: "too chatty" });
        await client.closed;
        assert.deepEqual(reasons, ["too chatty"]);
        assert.equal((client.closeError as { code?: string }).code, "ECLOSED");
      } finally {
        client.close();
        await app.close();
      }
    });

    test("heartbeats keep an idle client open across many intervals", async () => {
      const { app, port } = await startApp({ heartbeatInterval: 100 });
      const client = await open(port);
      try {
        assert.equal(client.handshake?.heartbeatMs, 100);
        const t0 = Date.now();
        await until(() => Date.now() - t0 > 700, "seven intervals");
        assert.equal(client.state, "open");
        assert.equal(app.connectionCount, 1);
        assert.deepEqual(await client.request("echo.say", "still here"), {
          echo: "still here",
          transport: kind,
        });
      } finally {
        client.close();
        await app.close();
      }
    });

    test("reconnect after the server drops the connection: fresh handshake, new session", async () => {
      const { app, echo, port } = await startApp();
      const client = await open(port, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
      try {
        let reconnects = 0;
        client.onReconnect(() => reconnects++);
        await client.request("echo.say", "before");
        await client.request("echo.dropMe", {});
        await until(() => reconnects === 1, "the reconnect");
        assert.equal(client.state, "open");
        await client.request("echo.say", "after");
        assert.notEqual(echo.sessions[0]!.id, echo.sessions[1]!.id);
      } finally {
        client.close();
        await app.close();
      }
    });

    test("server shutdown kicks with a reason", async () => {
      const { app, port } = await startApp();
      const client = await open(port);
      const reasons: string[] = [];
      client.onKick((r) => reasons.push(r));
      await app.close({ reason: "maintenance" });
      await client.closed;
      assert.deepEqual(reasons, ["maintenance"]);
    });
  });
}

describe("nano client heartbeat timeout against a server that goes silent", () => {
  test("closes with ETIMEDOUT after twice the interval", async () => {
    const { createServer } = await import("node:net");
    const sockets: { destroy(): void }[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once("data", () => {
        // Answer the handshake with a 0.1 s heartbeat, then never send another byte.
        const body = new TextEncoder().encode(
          JSON.stringify({ code: 200, sys: { heartbeat: 0.1 } }),
        );
        socket.write(new Uint8Array([1, 0, 0, body.length, ...body]));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const client = await connect(`tcp://127.0.0.1:${port}`, { connector: tcpConnector() });
      const t0 = Date.now();
      await client.closed;
      assert.equal((client.closeError as { code?: string }).code, "ETIMEDOUT");
      assert.ok(Date.now() - t0 >= 150, `closed after ${Date.now() - t0} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
