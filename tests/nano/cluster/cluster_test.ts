/**
 * weft/nano across processes on a real nats-server: gates and backends as child processes on
 * both runtimes (a gate on the runtime running the test, backends on the other, and the
 * reverse), weft's client in this process, the stock pomelo-client-websocket under Node, and
 * this process itself as a node for RPC. No mocks: every hop is a real socket.
 * @module
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { App, ResponseCode } from "../../../src/nano.ts";
import { type Client, connect } from "../../../src/nano_client.ts";
import { requirePeer } from "../../interop/_peers.ts";
import { NatsServer, requireNatsServer } from "./_nats_server.ts";
import { eventually, killAll, OTHER_RUNTIME, startNode, THIS_RUNTIME } from "./_cluster.ts";

const quiet = { error: () => {}, warn: () => {} };
let nats: NatsServer | undefined;
const clients: Client[] = [];

async function client(port: number): Promise<Client> {
  const c = await connect(`ws://127.0.0.1:${port}/`);
  clients.push(c);
  return c;
}

function pushes(c: Client, route: string): unknown[] {
  const seen: unknown[] = [];
  c.on(route, (body) => seen.push(body));
  return seen;
}

describe("nano cluster on nats-server", () => {
  before(async () => {
    if (natsPresent()) nats = await NatsServer.start();
  });
  after(async () => {
    for (const c of clients) c.close();
    await killAll();
    await nats?.dispose();
  });

  function natsPresent(): boolean {
    try {
      return requireNatsServer(undefined);
    } catch {
      return false; // CI=true: each test fails below
    }
  }
  function ready(t: { skip?(m?: string): void }): NatsServer | undefined {
    if (!requireNatsServer(t)) return undefined;
    assert.ok(nats, "nats-server did not start");
    return nats;
  }

  test(
    `a client's request, notify and push go through a ${THIS_RUNTIME} gate to a ${OTHER_RUNTIME} backend`,
    async (t) => {
      const n = ready(t);
      if (!n) return;
      const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-a1");
      const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-a1");
      try {
        const c = await client(gate.port);
        await eventually(
          async () => (await c.request<string[]>("entry.nodes")).includes("chat-a1"),
          "the gate to learn the chat node",
        );
        // component→serverType table: room.* → chat
        const joined = await c.request<Record<string, unknown>>("room.join", {
          uid: "ann",
          room: "r1",
        });
        assert.equal(joined.node, "chat-a1");
        assert.equal(joined.gate, "g-a1"); // the backend sees which gate holds the session
        // pitaya-style <serverType>.<component>.<method>; uid and state came back to the gate
        const who = await c.request<Record<string, unknown>>("chat.room.whoami");
        assert.deepEqual(who, {
          node: "chat-a1",
          uid: "ann",
          room: "r1",
          gate: "g-a1",
          id: joined.id,
        });
        // a notify reaches the backend, whose push comes back through the gate
        const notes = pushes(c, "onNote");
        c.notify("room.note", { n: 1 });
        await eventually(() => notes.length === 1, "the push from the backend");
        assert.deepEqual(notes[0], { got: { n: 1 }, node: "chat-a1" });
        // session.response() answers before the handler returns
        assert.deepEqual(await c.request("room.answerEarly"), { early: true });
        // a backend's error code reaches the client
        await assert.rejects(c.request("room.fail"), { code: 409 });
        // a hung backend: an error response after cluster.timeout, not a hang
        await assert.rejects(c.request("room.hang"), { code: ResponseCode.GATEWAY_TIMEOUT });
        // no node of that server type at all
        await assert.rejects(c.request("nobody.x.y"), { code: ResponseCode.BAD_GATEWAY });
        // the session still works after the errors (one handler at a time per session)
        assert.equal((await c.request<{ uid: string }>("room.whoami")).uid, "ann");
      } finally {
        await gate.stop();
        await chat.stop();
      }
    },
  );

  test("groups, push and kick by uid across two gates on both runtimes", async (t) => {
    const n = ready(t);
    if (!n) return;
    const g1 = await startNode(THIS_RUNTIME, "gate", n.url, "g-b1");
    const g2 = await startNode(OTHER_RUNTIME, "gate", n.url, "g-b2");
    const chat = await startNode(THIS_RUNTIME, "chat", n.url, "chat-b1");
    try {
      const a = await client(g1.port);
      const b = await client(g2.port);
      for (const c of [a, b]) {
        await eventually(
          async () => (await c.request<string[]>("entry.nodes")).includes("chat-b1"),
          "the gates to learn the chat node",
        );
      }
      const chatA = pushes(a, "onChat");
      const chatB = pushes(b, "onChat");
      await a.request("room.join", { uid: "ann", room: "lobby" });
      const jb = await b.request<{ members: number }>("room.join", { uid: "bob", room: "lobby" });
      assert.equal(jb.members, 2); // one group on the backend, members on two gates
      // one broadcast: one message to each gate, encoded there once
      assert.equal(await b.request("room.say", { text: "hi all" }), 2);
      await eventually(() => chatA.length === 1 && chatB.length === 1, "both members' pushes");
      assert.deepEqual(chatA[0], { from: "bob", text: "hi all", node: "chat-b1" });
      // push by uid from a gate that does not hold the user
      const directA = pushes(a, "onDirect");
      await b.request("entry.pushTo", { uids: ["ann", "nobody"], text: "psst" });
      await eventually(() => directA.length === 1, "the push to ann on the other gate");
      assert.deepEqual(directA[0], { text: "psst" });
      // kick by uid from the other gate; the backend's group loses ann when her session closes
      const kicked = new Promise((r) => a.onKick(r));
      await b.request("entry.kick", { uid: "ann" });
      assert.equal(await kicked, "kicked by entry.kick");
      await eventually(
        async () =>
          (await b.request<{ members: number }>("room.count", { room: "lobby" })).members === 1,
        "ann to leave the group on the backend",
      );
      const events = await b.request<{ kind: string; event: { uid?: string; gate: string } }[]>(
        "room.events",
      );
      assert.ok(
        events.some((e) => e.kind === "bound" && e.event.uid === "ann" && e.event.gate === "g-b1"),
      );
      assert.ok(
        events.some((e) => e.kind === "closed" && e.event.uid === "ann" && e.event.gate === "g-b1"),
        JSON.stringify(events),
      );
    } finally {
      await Promise.all([g1.stop(), g2.stop(), chat.stop()]);
    }
  });

  test("RPC between backends, and from this process as a node: answers and typed errors", async (t) => {
    const n = ready(t);
    if (!n) return;
    const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-c1");
    const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-c1");
    const store = await startNode(THIS_RUNTIME, "store", n.url, "store-c1");
    await using me = new App({
      logger: quiet,
      cluster: { nats: n.url, serverType: "tester", nodeId: "tester-c1", heartbeat: 200 },
    });
    try {
      await me.start();
      await eventually(
        () => me.cluster!.nodes("store").length === 1 && me.cluster!.nodes("chat").length === 1,
        "the tester to learn the backends",
      );
      // this process → store, by server type and by node id
      assert.deepEqual(await me.rpc("store", "store.get", { key: "k" }), {
        value: "k!",
        node: "store-c1",
      });
      assert.deepEqual(await me.rpc("store-c1", "store.get", { key: "j" }), {
        value: "j!",
        node: "store-c1",
      });
      // client → gate → chat (other runtime) → store (RPC between backends)
      const c = await client(gate.port);
      await eventually(
        async () => (await c.request<string[]>("entry.nodes")).includes("chat-c1"),
        "the gate to learn the chat node",
      );
      assert.deepEqual(await c.request("room.ask", { key: "q" }), {
        asked: "chat-c1",
        value: "q!",
        node: "store-c1",
      });
      // typed errors
      await assert.rejects(me.rpc("nobody", "x.y"), { name: "WeftError", code: "EHOSTUNREACH" });
      await assert.rejects(me.rpc("chat", "room.hang", {}, { timeout: 300 }), {
        name: "WeftError",
        code: "ETIMEDOUT",
      });
      await assert.rejects(me.rpc("chat", "room.fail"), { name: "HandlerError", code: 409 });
      await assert.rejects(me.rpc("chat", "room.nope"), { code: ResponseCode.NOT_FOUND });
      assert.throws(() => me.notifyServer("nobody", "x.y"), { code: "EHOSTUNREACH" });
      // a single-process app has no cluster to call
      const single = new App({ logger: quiet });
      await assert.rejects(single.rpc("store", "store.get"), { code: "ENOTSUP" });
      await single.close();
    } finally {
      await Promise.all([gate.stop(), chat.stop(), store.stop()]);
    }
  });

  test("unique sessions: a second login kicks the first on another gate, ids decide closes", async (t) => {
    const n = ready(t);
    if (!n) return;
    const g1 = await startNode(THIS_RUNTIME, "gate-unique", n.url, "g-d1");
    const g2 = await startNode(OTHER_RUNTIME, "gate-unique", n.url, "g-d2");
    try {
      const old = await client(g1.port);
      await eventually(
        async () => (await old.request<string[]>("entry.nodes")).includes("g-d2"),
        "the gates to see each other",
      );
      await old.request("entry.login", { uid: "zoe" });
      const kicked = new Promise((r) => old.onKick(r));
      const fresh = await client(g2.port);
      const direct = pushes(fresh, "onDirect");
      await fresh.request("entry.login", { uid: "zoe" });
      assert.equal(await kicked, "logged in elsewhere");
      // the old session's close (after the new bind) must not undo the new session
      await old.closed;
      await fresh.request("entry.pushTo", { uids: ["zoe"], text: "still here" });
      await eventually(() => direct.length === 1, "the push to the new session");
      // a quick reconnect on the same gate: the newer session wins there too
      const again = await client(g2.port);
      const kickedFresh = new Promise((r) => fresh.onKick(r));
      const directAgain = pushes(again, "onDirect");
      await again.request("entry.login", { uid: "zoe" });
      assert.equal(await kickedFresh, "logged in elsewhere");
      await fresh.closed;
      const probe = await client(g1.port);
      await probe.request("entry.pushTo", { uids: ["zoe"], text: "latest" });
      await eventually(() => directAgain.length === 1, "the push to the newest session");
    } finally {
      await Promise.all([g1.stop(), g2.stop()]);
    }
  });

  test("a SIGKILLed backend: clients get error responses, and it leaves the table", async (t) => {
    const n = ready(t);
    if (!n) return;
    const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-e1");
    const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-e1");
    const store = await startNode(THIS_RUNTIME, "store", n.url, "store-e1");
    try {
      const c = await client(gate.port);
      await eventually(
        async () => (await c.request<string[]>("entry.nodes")).includes("chat-e1"),
        "the gate to learn the chat node",
      );
      await c.request("room.join", { uid: "kim", room: "r" });
      // killed mid-request: an error response (no hang)
      const hung = c.request("room.hang");
      await new Promise((r) => setTimeout(r, 100));
      await chat.kill();
      await assert.rejects(
        hung,
        (e: { code?: unknown }) =>
          e.code === ResponseCode.GATEWAY_TIMEOUT || e.code === ResponseCode.BAD_GATEWAY,
      );
      // the next request: NATS has no responder, the gate answers at once and drops the node
      await assert.rejects(c.request("room.whoami"), { code: ResponseCode.BAD_GATEWAY });
      await eventually(
        async () => !(await c.request<string[]>("entry.nodes")).includes("chat-e1"),
        "the killed node to leave the gate's table",
      );
      // a node that never got a request leaves every table within nodeTimeout + heartbeat
      await store.kill();
      const since = Date.now();
      await eventually(
        async () => !(await c.request<string[]>("entry.nodes")).includes("store-e1"),
        "the killed store to leave the table",
      );
      const bound = 600 + 200 + 1000; // nodeTimeout + heartbeat, plus scheduling slack
      assert.ok(Date.now() - since < bound, `left after ${Date.now() - since} ms`);
    } finally {
      await Promise.all([gate.stop(), chat.stop(), store.stop()]);
    }
  });

  test("a SIGKILLed gate: backends hear session-closed for its sessions", async (t) => {
    const n = ready(t);
    if (!n) return;
    const g1 = await startNode(OTHER_RUNTIME, "gate", n.url, "g-f1");
    const g2 = await startNode(THIS_RUNTIME, "gate", n.url, "g-f2");
    const chat = await startNode(THIS_RUNTIME, "chat", n.url, "chat-f1");
    try {
      const a = await client(g1.port);
      const b = await client(g2.port);
      for (const c of [a, b]) {
        await eventually(
          async () => (await c.request<string[]>("entry.nodes")).includes("chat-f1"),
          "the gates to learn the chat node",
        );
      }
      await a.request("room.join", { uid: "doomed", room: "f" });
      await b.request("room.join", { uid: "watcher", room: "f" });
      await g1.kill();
      await eventually(async () => {
        const events = await b.request<{ kind: string; event: { uid?: string } }[]>(
          "room.events",
        );
        return events.some((e) => e.kind === "closed" && e.event.uid === "doomed");
      }, "the backend to hear that the dead gate's session closed");
      const count = await b.request<{ members: number }>("room.count", { room: "f" });
      assert.equal(count.members, 1);
    } finally {
      await Promise.all([g1.stop(), g2.stop(), chat.stop()]);
    }
  });

  test("stock pomelo-client-websocket under Node against a gate and a backend", async (t) => {
    const n = ready(t);
    if (!n) return;
    if (!requirePeer(t, "node")) return;
    const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-g1");
    const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-g1");
    try {
      const c = await client(gate.port);
      await eventually(
        async () => (await c.request<string[]>("entry.nodes")).includes("chat-g1"),
        "the gate to learn the chat node",
      );
      const script = fileURLToPath(new URL("./peers/pomelo_cluster_client.mjs", import.meta.url));
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn("node", [script, "127.0.0.1", String(gate.port)], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let text = "";
        child.stdout.on("data", (d) => (text += String(d)));
        child.stderr.on("data", (d) => (text += String(d)));
        child.once("exit", (code) => code === 0 ? resolve(text) : reject(new Error(text)));
      });
      const seen = JSON.parse(out.trim().split("\n").at(-1)!);
      assert.equal(seen.joined.node, "chat-g1");
      assert.deepEqual(seen.who, {
        node: "chat-g1",
        uid: "pom",
        room: "pr",
        gate: "g-g1",
        id: seen.joined.id,
      });
      assert.deepEqual(seen.chat, { from: "pom", text: "hello", node: "chat-g1" });
      assert.equal(seen.error.code, ResponseCode.BAD_GATEWAY);
    } finally {
      await Promise.all([gate.stop(), chat.stop()]);
    }
  });
});

// Keep `process` referenced for runtimes that tree-shake unused imports in tests.
void process;
