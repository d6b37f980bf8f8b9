import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { App, type AppOptions, HandlerError, type Session } from "../../src/nano.ts";
import { until, within } from "../_helpers.ts";
import { quietLogger, TestClient } from "./_client.ts";

type Kind = "tcp" | "ws";

async function serve(options: AppOptions = {}, setup?: (app: App) => void) {
  const logger = quietLogger();
  const app = new App({ port: 0, host: "127.0.0.1", logger, ...options });
  setup?.(app);
  const { port } = await app.listen();
  const clients: TestClient[] = [];
  const connect = async (kind: Kind = "tcp", handshake = true) => {
    const c = kind === "tcp" ? await TestClient.tcp(port) : await TestClient.ws(port);
    clients.push(c);
    if (handshake) {
      const answer = await c.handshake();
      assert.equal(answer.code, 200);
    }
    return c;
  };
  return {
    app,
    port,
    logger,
    connect,
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.close();
      await app.close({ timeout: 1000 });
    },
  };
}

class Room {
  log: string[] = [];
  members = 0;
  join(session: Session, payload: { name: string }) {
    session.bind(payload.name);
    session.set("room", "lobby");
    return { welcome: payload.name, id: session.id };
  }
  whoami(session: Session) {
    return { uid: session.uid, room: session.get("room"), transport: session.transport };
  }
  async slowEcho(_session: Session, payload: { n: number; delay: number }) {
    await new Promise((r) => setTimeout(r, payload.delay));
    return { n: payload.n };
  }
  note(_session: Session, payload: { text: string }) {
    this.log.push(payload.text);
  }
  boom() {
    throw new Error("kaboom");
  }
  teapot() {
    throw new HandlerError(418, "short and stout", { spout: true });
  }
  never() {
    return new Promise(() => {});
  }
  pushMe(session: Session, payload: { times: number }) {
    for (let i = 0; i < payload.times; i++) session.push("onPing", { i });
    return { pushed: payload.times };
  }
  viaResponse(session: Session) {
    session.response({ early: true });
    return { ignored: true };
  }
  kickMe(session: Session, payload: { reason: string }) {
    session.kick(payload.reason);
  }
}

for (const kind of ["tcp", "ws"] as const) {
  describe(`nano app over ${kind}`, () => {
    test("request, response, notify, push; state and uid; transport name", async () => {
      const room = new Room();
      await using s = await serve({}, (app) => app.register(room, { name: "room" }));
      const c = await s.connect(kind);
      const joined = await c.request("room.join", { name: "ann" });
      assert.equal(joined.error, false);
      assert.equal((joined.body as { welcome: string }).welcome, "ann");
      const me = await c.request("room.whoami", {});
      assert.deepEqual(me.body, { uid: "ann", room: "lobby", transport: kind });
      assert.equal(s.app.sessionByUid("ann")?.uid, "ann");
      c.notify("room.note", { text: "hello" });
      const pushed = await c.request("room.pushMe", { times: 3 });
      assert.deepEqual(pushed.body, { pushed: 3 });
      // the notify was handled before the later request (arrival order)
      assert.deepEqual(room.log, ["hello"]);
      for (let i = 0; i < 3; i++) assert.deepEqual(await c.push("onPing"), { i });
      const early = await c.request("room.viaResponse", {});
      assert.deepEqual(early.body, { early: true });
    });

    test("errors: thrown, HandlerError, unknown route — connection kept", async () => {
      await using s = await serve({}, (app) => app.register(new Room(), { name: "room" }));
      const c = await s.connect(kind);
      const boom = await c.request("room.boom", {});
      assert.equal(boom.error, true);
      assert.deepEqual(boom.body, { code: 500, message: "kaboom" });
      assert.ok(s.logger.lines.some((l) => l.includes("room.boom") && l.includes("kaboom")));
      const tea = await c.request("room.teapot", {});
      assert.deepEqual(tea.body, { code: 418, message: "short and stout", data: { spout: true } });
      const missing = await c.request("room.nope", {});
      assert.equal(missing.error, true);
      assert.equal((missing.body as { code: number }).code, 404);
      const bad = await c.request("room.join", undefined, new TextEncoder().encode("{not json"));
      assert.equal((bad.body as { code: number }).code, 400);
      const ok = await c.request("room.join", { name: "still-here" });
      assert.equal(ok.error, false);
    });

    test("a handler that never resolves times out with 408 and the queue moves on", async () => {
      await using s = await serve(
        { handlerTimeout: 100 },
        (app) => app.register(new Room(), { name: "room" }),
      );
      const c = await s.connect(kind);
      const stuck = c.request("room.never", {});
      const after = c.request("room.join", { name: "bob" });
      const r = await stuck;
      assert.equal(r.error, true);
      assert.equal((r.body as { code: number }).code, 408);
      assert.equal((await after).error, false);
    });

    test("kick reaches the client with its reason, then the connection closes", async () => {
      await using s = await serve({}, (app) => app.register(new Room(), { name: "room" }));
      const c = await s.connect(kind);
      c.notify("room.kickMe", { reason: "cheating" });
      assert.deepEqual(await c.kicked(), { reason: "cheating" });
      await within(c.closed, "close after kick");
      await until(() => s.app.connectionCount === 0, "server forgets the session");
    });
  });
}

describe("nano app: sessions", () => {
  test("handlers of one session run one at a time in arrival order; sessions run concurrently", async () => {
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await using s = await serve(
      {},
      (app) =>
        app.handle("t.work", async (session: Session, p: { n: number; delay: number }) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          order.push(`${session.id}:start:${p.n}`);
          await new Promise((r) => setTimeout(r, p.delay));
          order.push(`${session.id}:end:${p.n}`);
          running--;
          return p.n;
        }),
    );
    const a = await s.connect();
    const b = await s.connect();
    const ra = [a.request("t.work", { n: 1, delay: 60 }), a.request("t.work", { n: 2, delay: 1 })];
    const rb = [b.request("t.work", { n: 1, delay: 30 })];
    const got = await Promise.all([...ra, ...rb]);
    assert.deepEqual(got.map((r) => r.body), [1, 2, 1]);
    const aOrder = order.filter((e) => e.startsWith("1:"));
    assert.deepEqual(aOrder, ["1:start:1", "1:end:1", "1:start:2", "1:end:2"]);
    assert.equal(maxRunning, 2); // b ran while a's first request waited
  });

  test("onClosed runs when the client leaves; state()/restore()", async () => {
    let closedWith = "";
    await using s = await serve({}, (app) =>
      app.handle("t.hook", (session: Session) => {
        session.set("k", 1);
        const saved = session.state();
        session.clear();
        session.restore(saved);
        session.onClosed((reason) => (closedWith = reason));
        return session.get("k");
      }));
    const c = await s.connect();
    assert.equal((await c.request("t.hook", {})).body, 1);
    c.close();
    await until(() => closedWith !== "", "onClosed");
    assert.match(closedWith, /closed by the peer/);
  });

  test("onSession sees sessions after the handshake; remoteAddress", async () => {
    const seen: string[] = [];
    await using s = await serve(
      {},
      (app) => app.onSession((sess) => seen.push(sess.remoteAddress)),
    );
    await s.connect();
    await until(() => seen.length === 1, "onSession");
    assert.match(seen[0]!, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.app.sessions().length, 1);
  });

  test("heartbeat timeout closes a silent client; heartbeats are sent", async () => {
    await using s = await serve({ heartbeatInterval: 50 });
    const c = await s.connect();
    await c.next((p) => p.packet === 3, "a heartbeat");
    // This client never answers: the server closes it after 2 intervals of silence.
    await within(c.closed, "heartbeat timeout close", 3000);
    assert.ok(s.logger.lines.some((l) => l.includes("heartbeat timeout")));
  });

  test("a client that answers heartbeats stays", async () => {
    await using s = await serve({ heartbeatInterval: 40 });
    const c = await s.connect();
    for (let i = 0; i < 6; i++) {
      await c.next((p) => p.packet === 3, "a heartbeat");
      c.sendPacket(3, new Uint8Array(0));
    }
    assert.equal(c.isClosed, false);
  });
});
