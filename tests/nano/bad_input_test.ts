/**
 * Bad input at a weft/nano server (issue 5 point 7): each case hits one session; the server
 * and a well-behaved session on it carry on.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { App, type Session } from "../../src/nano.ts";
import { within } from "../_helpers.ts";
import { quietLogger, TestClient } from "./_client.ts";

const te = new TextEncoder();

function packet(type: number, body: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const b = typeof body === "string" ? te.encode(body) : body;
  return new Uint8Array([type, b.length >> 16, (b.length >> 8) & 255, b.length & 255, ...b]);
}

async function setup() {
  const logger = quietLogger();
  const app = new App({
    port: 0,
    host: "127.0.0.1",
    logger,
    handlerTimeout: 150,
    maxBody: 1024,
    dictionary: { "svc.echo": 1 },
  });
  app.handle("svc.echo", (_s: Session, p: unknown) => p);
  app.handle("svc.throw", () => {
    throw new Error("handler bug");
  });
  app.handle("svc.hang", () => new Promise(() => {}));
  const { port } = await app.listen();
  const good = await TestClient.tcp(port);
  assert.equal((await good.handshake()).code, 200);
  const clients = [good];
  return {
    app,
    logger,
    /** A raw client (handshaken unless told otherwise). */
    async client(handshake = true) {
      const c = await TestClient.tcp(port);
      clients.push(c);
      if (handshake) assert.equal((await c.handshake()).code, 200);
      return c;
    },
    /** The well-behaved session still works and the server still accepts. */
    async stillFine() {
      assert.deepEqual((await good.request("svc.echo", { ok: 1 })).body, { ok: 1 });
      const fresh = await TestClient.tcp(port);
      clients.push(fresh);
      assert.equal((await fresh.handshake()).code, 200);
      assert.deepEqual((await fresh.request("svc.echo", [2])).body, [2]);
    },
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.close();
      await app.close({ timeout: 500 });
    },
  };
}

describe("nano bad input: each affects only its session", () => {
  test("garbage bytes", async () => {
    await using s = await setup();
    const c = await s.client(false);
    c.sendRaw(te.encode("\x00\x17\xffgarbage garbage"));
    await within(c.closed, "close on garbage");
    await s.stillFine();
  });

  test("a packet length over the limit", async () => {
    await using s = await setup();
    const c = await s.client();
    c.sendRaw(new Uint8Array([4, 0, 0x04, 0x01])); // 1025 > maxBody 1024
    await within(c.closed, "close on oversize");
    const why = "expected a packet body of at most 1024 octets (maxBody), got 1025";
    assert.ok(s.logger.lines.some((l) => l.includes(why)), s.logger.lines.join("\n"));
    await s.stillFine();
  });

  test("a data packet before the handshake", async () => {
    await using s = await setup();
    const c = await s.client(false);
    c.sendRaw(packet(4, new Uint8Array([0x02, 0x08, ...te.encode("svc.echo"), 0x7b, 0x7d])));
    await within(c.closed, "close on early data");
    await s.stillFine();
  });

  test("a handshake without sys gets {code:500}", async () => {
    await using s = await setup();
    const c = await s.client(false);
    c.sendRaw(packet(1, '{"user":{"name":"x"}}'));
    const answer = await c.next((p) => p.packet === 1, "handshake answer");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(answer.body)), { code: 500 });
    await within(c.closed, "close after 500");
    await s.stillFine();
  });

  test("an unknown packet type", async () => {
    await using s = await setup();
    const c = await s.client();
    c.sendRaw(new Uint8Array([0x07, 0, 0, 0]));
    await within(c.closed, "close on unknown type");
    await s.stillFine();
  });

  test("an unknown route: error response, connection kept", async () => {
    await using s = await setup();
    const c = await s.client();
    const r = await c.request("svc.nope", {});
    assert.equal(r.error, true);
    assert.deepEqual(r.body, { code: 404, message: "no handler at route svc.nope" });
    assert.deepEqual((await c.request("svc.echo", "same")).body, "same");
    await s.stillFine();
  });

  test("an unknown route code", async () => {
    await using s = await setup();
    const c = await s.client();
    c.sendRaw(packet(4, new Uint8Array([0x01, 0x01, 0x00, 0x63, 0x7b, 0x7d]))); // code 99
    await within(c.closed, "close on unknown route code");
    assert.ok(s.logger.lines.some((l) => l.includes("unknown route code")));
    await s.stillFine();
  });

  test("a truncated varint", async () => {
    await using s = await setup();
    const c = await s.client();
    c.sendRaw(packet(4, new Uint8Array([0x00, 0xff, 0xff])));
    await within(c.closed, "close on truncated varint");
    await s.stillFine();
  });

  test("a handler that throws: 500 error response, connection kept", async () => {
    await using s = await setup();
    const c = await s.client();
    const r = await c.request("svc.throw", {});
    assert.deepEqual(r.body, { code: 500, message: "handler bug" });
    assert.deepEqual((await c.request("svc.echo", 1)).body, 1);
    await s.stillFine();
  });

  test("a handler that never resolves: 408 after handlerTimeout, the queue moves on", async () => {
    await using s = await setup();
    const c = await s.client();
    const hung = c.request("svc.hang", {});
    const next = c.request("svc.echo", "after");
    assert.equal(((await hung).body as { code: number }).code, 408);
    assert.equal((await next).body, "after");
    await s.stillFine();
  });

  test("a client that sends nothing is closed by the handshake timeout", async () => {
    const logger = quietLogger();
    const app = new App({ port: 0, host: "127.0.0.1", logger, handshakeTimeout: 100 });
    const { port } = await app.listen();
    const c = await TestClient.tcp(port);
    await within(c.closed, "handshake timeout");
    await app.close();
    assert.ok(
      logger.lines.some((l) => /handshake timeout: .* within 100 ms \(handshakeTimeout\)/.test(l)),
      logger.lines.join("\n"),
    );
  });

  test("refused connections cannot flood the log: the first lines, then one count", async () => {
    const logger = quietLogger();
    const app = new App({
      port: 0,
      host: "127.0.0.1",
      logger,
      maxConnections: 1,
      logLimit: { lines: 2, interval: 60_000 },
    });
    app.handle("svc.echo", (_s: Session, p: unknown) => p);
    const { port } = await app.listen();
    const good = await TestClient.tcp(port);
    assert.equal((await good.handshake()).code, 200);
    for (let i = 0; i < 12; i++) {
      const extra = await TestClient.tcp(port);
      await within(extra.closed, `extra connection ${i} refused`);
    }
    const refused = () => logger.lines.filter((l) => l.includes("maxConnections (1) reached"));
    assert.equal(refused().length, 2, logger.lines.join("\n"));
    // The one good session carries on.
    assert.deepEqual((await good.request("svc.echo", "still here")).body, "still here");
    good.close();
    await app.close({ timeout: 500 });
    assert.equal(refused().length, 2);
    assert.ok(
      logger.lines.includes("…and 10 more refused connections in the last 60 s"),
      logger.lines.join("\n"),
    );
  });

  test("closed-by-protocol-error lines are limited per kind too", async () => {
    const logger = quietLogger();
    const app = new App({ port: 0, host: "127.0.0.1", logger, logLimit: { lines: 1 } });
    const { port } = await app.listen();
    for (let i = 0; i < 5; i++) {
      const c = await TestClient.tcp(port);
      c.sendRaw(new Uint8Array([0x07, 0, 0, 0])); // an unknown packet type
      await within(c.closed, `bad client ${i} closed`);
    }
    await app.close({ timeout: 500 });
    const closed = logger.lines.filter((l) => l.includes(": closed: bad packet"));
    assert.equal(closed.length, 1, logger.lines.join("\n"));
    assert.ok(
      logger.lines.includes("…and 4 more connections closed (EPROTO) in the last 10 s"),
      logger.lines.join("\n"),
    );
  });
});
