/**
 * Routing and options of the cluster, with every node in this process (gates and backends are
 * Apps on one real nats-server): round-robin, sticky sessions, a route function, and the
 * typed errors for misused options. Cheap enough to run without child processes.
 * @module
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { App, type Session } from "../../../src/nano.ts";
import { type Client, connect } from "../../../src/nano_client.ts";
import { unpack } from "../../../src/nano/cluster/envelope.ts";
import { NatsServer, requireNatsServer } from "./_nats_server.ts";
import { eventually } from "./_cluster.ts";

const quiet = { error: () => {}, warn: () => {} };
const timing = { heartbeat: 100, nodeTimeout: 400, timeout: 1000 };

describe("nano cluster routing", () => {
  let nats: NatsServer | undefined;
  const apps: App[] = [];
  const clients: Client[] = [];
  before(async () => {
    try {
      if (requireNatsServer(undefined)) nats = await NatsServer.start();
    } catch { /* CI=true: each test fails in ready() */ }
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const a of apps) await a.close({ timeout: 500 });
    await nats?.dispose();
  });
  function ready(t: { skip?(m?: string): void }): NatsServer | undefined {
    if (!requireNatsServer(t)) return undefined;
    assert.ok(nats, "nats-server did not start");
    return nats;
  }

  async function backend(url: string, nodeId: string): Promise<App> {
    const app = new App({
      logger: quiet,
      cluster: { nats: url, serverType: "work", nodeId, ...timing },
    });
    app.handle("job.where", (s: Session) => ({ node: nodeId, n: s.get("n") ?? 0 }));
    app.handle("job.count", (s: Session) => {
      s.set("n", (s.get<number>("n") ?? 0) + 1); // kept by the gate's session
      return s.get("n");
    });
    apps.push(app);
    await app.start();
    return app;
  }

  async function gate(url: string, nodeId: string, extra: object): Promise<number> {
    const app = new App({
      port: 0,
      host: "127.0.0.1",
      logger: quiet,
      cluster: {
        nats: url,
        serverType: "gate",
        nodeId,
        routes: { job: "work" },
        ...timing,
        ...extra,
      },
    });
    apps.push(app);
    const { port } = await app.listen();
    await eventually(
      () => app.cluster!.nodes("work").length === 2,
      "the gate to see both backends",
    );
    return port;
  }

  async function client(port: number): Promise<Client> {
    const c = await connect(`ws://127.0.0.1:${port}/`);
    clients.push(c);
    return c;
  }

  test("round-robin, sticky sessions and a route function pick the backend", async (t) => {
    const n = ready(t);
    if (!n) return;
    await backend(n.url, "w-1");
    await backend(n.url, "w-2");
    const where = async (c: Client) => (await c.request<{ node: string }>("job.where")).node;

    const rr = await client(await gate(n.url, "g-rr", {}));
    const plain = [await where(rr), await where(rr), await where(rr), await where(rr)];
    assert.deepEqual(plain, ["w-1", "w-2", "w-1", "w-2"]);

    const stickyPort = await gate(n.url, "g-st", { sticky: true });
    const a = await client(stickyPort);
    const b = await client(stickyPort);
    const first = await where(a);
    assert.equal(await where(b) !== first, true); // the first pick is round-robin…
    for (let i = 0; i < 3; i++) assert.equal(await where(a), first); // …then it sticks
    // state set on the backend comes back to the gate and travels with the next request
    assert.equal(await a.request("job.count"), 1);
    assert.equal(await a.request("job.count"), 2);
    assert.deepEqual(await a.request("job.where"), { node: first, n: 2 });

    const fn = await client(
      await gate(n.url, "g-fn", {
        route: (ctx: { nodes: { id: string }[]; route: string }) =>
          ctx.route === "job.where" ? ctx.nodes.at(-1)!.id : undefined,
      }),
    );
    assert.deepEqual([await where(fn), await where(fn)], ["w-2", "w-2"]);
  });

  test("start() resolves once discovery settled: the first request finds a backend", async (t) => {
    const n = ready(t);
    if (!n) return;
    // A heartbeat far longer than the test: only the hello round trip can tell the gate.
    const slow = { heartbeat: 60_000, nodeTimeout: 120_000, timeout: 1000 };
    const back = new App({
      logger: quiet,
      cluster: { nats: n.url, serverType: "late", nodeId: "l-1", ...slow },
    });
    back.handle("late.where", () => "l-1");
    apps.push(back);
    await back.start();
    const front = new App({
      port: 0,
      host: "127.0.0.1",
      logger: quiet,
      cluster: {
        nats: n.url,
        serverType: "gate",
        nodeId: "g-late",
        routes: { late: "late" },
        ...slow,
      },
    });
    apps.push(front);
    const { port } = await front.listen();
    assert.deepEqual(front.cluster!.nodes("late").map((x) => x.id), ["l-1"]);
    assert.equal(await (await client(port)).request("late.where"), "l-1"); // no 502
  });

  test("misused cluster options are typed errors naming what was expected", () => {
    assert.throws(
      () => new App({ cluster: { nats: "nats://x", serverType: "a", heartbaet: 1 } as never }),
      {
        code: "EINVAL",
        message: /`heartbaet` is not a nano cluster option; did you mean `heartbeat`\?/,
      },
    );
    assert.throws(() => new App({ cluster: { nats: "nats://x", serverType: "a.b" } }), {
      code: "EINVAL",
      message: /cluster.serverType: expected letters, digits/,
    });
    assert.throws(() => new App({ cluster: { serverType: "a" } as never }), {
      code: "EINVAL",
      message: /cluster.nats: required/,
    });
    assert.throws(() => new App({ cluster: { nats: [], serverType: "a" } }), { code: "EINVAL" });
    assert.throws(() => new App({ cluster: { nats: "nats://x", serverType: "a", timeout: -1 } }), {
      code: "EINVAL",
    });
    assert.throws(() => unpack(new Uint8Array([0, 0, 0, 9, 1])), { code: "EPROTO" });
  });

  test("no nats-server at the URL: start() rejects with ECONNREFUSED", async () => {
    const app = new App({
      logger: quiet,
      cluster: { nats: "nats://127.0.0.1:1", serverType: "lonely" },
    });
    await assert.rejects(app.start(), { code: "ECONNREFUSED" });
    await app.close();
  });
});
