/**
 * One cluster node for the multi-process tests, run as a child (Deno or Bun):
 *
 *     <runtime> _node.ts <role> <nats-url> <node-id>
 *
 * Roles: `gate` (listens on a free port; `room.*` goes to "chat"), `gate-unique` (the same,
 * uniqueSession on), `chat` (a backend: rooms, state, push, session events, RPC to "store"),
 * `store` (a backend answering RPCs). `WEFT_TEST_FORWARD_TIMEOUT` sets `cluster.timeout`
 * (default 1500 ms). Prints `ready <port>` when announced (port 0 for
 * backends); exits on SIGTERM after `app.close()`.
 * @module
 */

import process from "node:process";
import { App, type Session, type SessionEvent } from "../../../src/nano.ts";

const [role = "gate", nats = "", nodeId = role] = process.argv.slice(2);
// WEFT_TEST_FORWARD_TIMEOUT: a longer forward/RPC timeout for tests that hold a request open.
const timeout = Number(process.env.WEFT_TEST_FORWARD_TIMEOUT ?? 1500);
const timing = { heartbeat: 200, nodeTimeout: 600, timeout };
const events: { kind: string; event: SessionEvent }[] = [];
const logger = { error: () => {}, warn: () => {} }; // expected failures stay quiet

function gate(unique: boolean): App {
  const app = new App({
    port: 0,
    host: "127.0.0.1",
    logger,
    heartbeatInterval: 0,
    cluster: {
      nats,
      serverType: "gate",
      nodeId,
      routes: { room: "chat" },
      sticky: ["chat"],
      uniqueSession: unique,
      ...timing,
    },
  });
  app.handle("entry.login", (session, p: { uid: string }) => {
    session.bind(p.uid);
    return { gate: app.cluster?.nodeId, id: session.id };
  });
  app.handle("entry.pushTo", (_s, p: { uids: string[]; text: string }) => {
    app.pushTo(p.uids, "onDirect", { text: p.text });
    return { ok: true };
  });
  app.handle("entry.kick", (_s, p: { uid: string }) => {
    app.kickUser(p.uid, "kicked by entry.kick");
    return { ok: true };
  });
  app.handle("entry.nodes", () => app.cluster?.nodes().map((n) => n.id));
  return app;
}

function chat(): App {
  const app = new App({ logger, cluster: { nats, serverType: "chat", nodeId, ...timing } });
  app.handle("room.join", (session: Session, p: { uid: string; room: string }) => {
    session.bind(p.uid);
    session.set("room", p.room);
    app.group(p.room).add(session);
    return { node: nodeId, gate: session.gate, id: session.id, members: app.group(p.room).count() };
  });
  app.handle("room.say", (session: Session, p: { text: string }) => {
    const room = session.get<string>("room") ?? "";
    return app.group(room).broadcast("onChat", { from: session.uid, text: p.text, node: nodeId });
  });
  app.handle("room.whoami", (session: Session) => ({
    node: nodeId,
    uid: session.uid,
    room: session.get("room"),
    gate: session.gate,
    id: session.id,
  }));
  app.handle("room.note", (session: Session, p: unknown) => {
    session.push("onNote", { got: p, node: nodeId });
  });
  app.handle("room.answerEarly", (session: Session) => {
    session.response({ early: true });
    return { late: true };
  });
  app.handle("room.fail", () => {
    throw Object.assign(new Error("no such room"), { code: 409 });
  });
  app.handle("room.hang", () => new Promise(() => {}));
  // A stuck handler that a later request lets go (count-based fault tests, no timing).
  const waiting: (() => void)[] = [];
  app.handle(
    "room.wait",
    () => new Promise<{ waited: true }>((r) => waiting.push(() => r({ waited: true }))),
  );
  app.handle("room.release", () => {
    const n = waiting.length;
    for (const go of waiting.splice(0)) go();
    return { released: n };
  });
  app.handle("room.count", (_s, p: { room: string }) => ({ members: app.group(p.room).count() }));
  app.handle("room.events", () => events);
  app.handle("room.ask", async (_s, p: { key: string }) => {
    const answer = await app.rpc<{ value: string; node: string }>("store", "store.get", p);
    return { asked: nodeId, ...answer };
  });
  app.handle("room.kickMe", (session: Session) => {
    session.kick("bye from chat");
  });
  return app;
}

function store(): App {
  const app = new App({ logger, cluster: { nats, serverType: "store", nodeId, ...timing } });
  app.handle("store.get", (_s, p: { key: string }) => ({ value: `${p.key}!`, node: nodeId }));
  return app;
}

const app = role === "chat" ? chat() : role === "store" ? store() : gate(role === "gate-unique");
let port = 0;
if (role.startsWith("gate")) port = (await app.listen()).port;
else await app.start();
app.cluster!.onSessionBound((event) => events.push({ kind: "bound", event }));
app.cluster!.onSessionClosed((event) => events.push({ kind: "closed", event }));
console.log(`ready ${port}`);
process.on("SIGTERM", async () => {
  await app.close({ timeout: 1000 });
  process.exit(0);
});
