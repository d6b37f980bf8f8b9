/**
 * The `mergePushes` app option: a session's pushes within one interval go out as one write —
 * for WebSocket one message of several pomelo packets, decoded by pomelo's own protocol
 * library (pomelo-protocol's `Package.decode`, what pomelo-jsclient-websocket runs; Chromium
 * in browser_test.ts), by weft's client over WebSocket and raw TCP. Order with responses is
 * kept. Counted, not timed: the pushes are made in one handler, inside one interval.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { App, type Session } from "../../../src/nano.ts";
import { connect } from "../../../src/nano_client.ts";
import { tcpConnector } from "../../../src/nano/client/runtime_connectors.ts";
import { eventually } from "./_cluster.ts";

const require = createRequire(import.meta.url);
// deno-lint-ignore no-explicit-any -- pomelo-protocol is untyped CommonJS
const Protocol = require("pomelo-protocol") as any;
const { Package, Message } = Protocol;

const quiet = { error: () => {}, warn: () => {} };

async function app(mergePushes: number): Promise<{ app: App; port: number }> {
  const a = new App({
    port: 0,
    host: "127.0.0.1",
    heartbeatInterval: 0,
    logger: quiet,
    mergePushes,
  });
  a.handle("t.burst", (session: Session, p: { n: number }) => {
    for (let i = 0; i < p.n; i++) session.push("onBurst", { i });
  });
  a.handle("t.burstThenAnswer", (session: Session, p: { n: number }) => {
    for (let i = 0; i < p.n; i++) session.push("onBurst", { i });
    return { answered: true };
  });
  a.handle("t.join", (session: Session) => void a.group("g").add(session));
  a.handle("t.broadcast", (_s: Session, p: { n: number }) => {
    for (let i = 0; i < p.n; i++) a.group("g").broadcast("onBurst", { i });
  });
  return { app: a, port: (await a.listen()).port };
}

/**
 * A bare WebSocket speaking pomelo through pomelo-protocol (Node build): counts WebSocket
 * messages and the DATA packets they carry.
 */
async function pomeloSocket(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.binaryType = "arraybuffer";
  const seen = { messages: 0, pushes: [] as unknown[] };
  let handshaken: () => void;
  const ready = new Promise<void>((r) => (handshaken = r));
  ws.onmessage = (ev) => {
    const decoded = Package.decode(Buffer.from(ev.data as ArrayBuffer));
    const packages = Array.isArray(decoded) ? decoded : [decoded];
    if (packages[0].type === Package.TYPE_HANDSHAKE) {
      ws.send(Package.encode(Package.TYPE_HANDSHAKE_ACK));
      handshaken();
      return;
    }
    seen.messages++;
    for (const pkg of packages) {
      assert.equal(pkg.type, Package.TYPE_DATA);
      const m = Message.decode(pkg.body);
      seen.pushes.push(JSON.parse(Protocol.strdecode(m.body)));
    }
  };
  await new Promise((r) => (ws.onopen = r));
  const hello = { sys: { type: "pomelo-protocol", version: "0.1.6" }, user: {} };
  ws.send(Package.encode(Package.TYPE_HANDSHAKE, Protocol.strencode(JSON.stringify(hello))));
  await ready;
  const notify = (route: string, body: unknown) =>
    ws.send(Package.encode(
      Package.TYPE_DATA,
      Message.encode(0, Message.TYPE_NOTIFY, 0, route, Protocol.strencode(JSON.stringify(body))),
    ));
  return { ws, seen, notify };
}

describe("mergePushes", () => {
  test("five pushes in one interval: one WebSocket message that pomelo-protocol decodes; unmerged: five", async () => {
    for (const [merge, messages] of [[50, 1], [0, 5]] as const) {
      const { app: a, port } = await app(merge);
      const s = await pomeloSocket(port);
      try {
        s.notify("t.burst", { n: 5 });
        await eventually(() => s.seen.pushes.length === 5, "five pushes");
        assert.deepEqual(s.seen.pushes, [0, 1, 2, 3, 4].map((i) => ({ i })));
        assert.equal(s.seen.messages, messages, `mergePushes ${merge}`);
      } finally {
        s.ws.close();
        await a.close({ timeout: 1000 });
      }
    }
  });

  test("a group broadcast merges per member; weft's client over WebSocket and raw TCP decode it", async () => {
    const { app: a, port } = await app(50);
    const bare = await pomeloSocket(port);
    const ws = await connect(`ws://127.0.0.1:${port}/`);
    const tcp = await connect(`tcp://127.0.0.1:${port}`, { connector: tcpConnector() });
    try {
      const got = [ws, tcp].map((c) => {
        const seen: unknown[] = [];
        c.on("onBurst", (b) => seen.push(b));
        return seen;
      });
      bare.notify("t.join", {});
      await ws.request("t.join");
      await tcp.request("t.join");
      assert.equal(a.group("g").count(), 3);
      await ws.request("t.broadcast", { n: 4 });
      const all = [0, 1, 2, 3].map((i) => ({ i }));
      await eventually(
        () => got.every((g) => g.length === 4) && bare.seen.pushes.length === 4,
        "every member's pushes",
      );
      for (const g of got) assert.deepEqual(g, all);
      assert.deepEqual(bare.seen.pushes, all);
      assert.equal(bare.seen.messages, 1); // four broadcasts, one message
    } finally {
      bare.ws.close();
      ws.close();
      tcp.close();
      await a.close({ timeout: 1000 });
    }
  });

  test("a response releases the pushes held before it: they arrive first, nothing waits for the tick", async () => {
    // A long interval: only the response can have released the pushes.
    const { app: a, port } = await app(60_000);
    const c = await connect(`ws://127.0.0.1:${port}/`);
    try {
      const seen: unknown[] = [];
      c.on("onBurst", (b) => seen.push(b));
      assert.deepEqual(await c.request("t.burstThenAnswer", { n: 3 }), { answered: true });
      assert.deepEqual(seen, [0, 1, 2].map((i) => ({ i })));
    } finally {
      c.close();
      await a.close({ timeout: 1000 });
    }
  });

  test("a misspelt or negative option is refused with a typed error", () => {
    assert.throws(() => new App({ mergePushes: -1 }), { name: "WeftError", code: "EINVAL" });
    assert.throws(
      () => new App({ mergePush: 10 } as unknown as ConstructorParameters<typeof App>[0]),
      /mergePushes/,
    );
  });
});
