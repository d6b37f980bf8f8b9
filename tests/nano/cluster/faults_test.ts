/**
 * Faults of issue 12 point 7 with real processes on a real nats-server: nats-server restarted
 * under a running cluster (requests during the outage get error responses; afterwards the same
 * nodes and the same client sessions serve again), and a stuck backend handler that holds one
 * session while every other session, route and backend is answered. A SIGKILLed backend
 * mid-request and a SIGKILLed gate are in cluster_test.ts.
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ResponseCode } from "../../../src/nano.ts";
import { type Client, connect } from "../../../src/nano_client.ts";
import { NatsServer, requireNatsServer } from "./_nats_server.ts";
import { eventually, killAll, OTHER_RUNTIME, startNode, THIS_RUNTIME } from "./_cluster.ts";

const clients: Client[] = [];
const servers: NatsServer[] = [];

async function client(port: number): Promise<Client> {
  const c = await connect(`ws://127.0.0.1:${port}/`);
  clients.push(c);
  return c;
}

async function natsServer(t: { skip?(m?: string): void }): Promise<NatsServer | undefined> {
  if (!requireNatsServer(t)) return undefined;
  const n = await NatsServer.start();
  servers.push(n);
  return n;
}

async function learns(c: Client, nodeId: string): Promise<void> {
  await eventually(
    async () => (await c.request<string[]>("entry.nodes")).includes(nodeId),
    `the gate to learn ${nodeId}`,
  );
}

/** 502 or 504: what a forwarded request gets when its answer cannot come. */
const gatewayError = (e: { code?: unknown }) =>
  e.code === ResponseCode.GATEWAY_TIMEOUT || e.code === ResponseCode.BAD_GATEWAY;

describe("nano cluster faults", () => {
  after(async () => {
    for (const c of clients) c.close();
    await killAll();
    for (const n of servers) await n.dispose();
  });

  test(
    `nats-server restarted: error responses during the outage, then the same nodes and sessions serve again (${THIS_RUNTIME} gate, ${OTHER_RUNTIME} backend)`,
    async (t) => {
      const n = await natsServer(t);
      if (!n) return;
      const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-r1");
      const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-r1");
      try {
        const c = await client(gate.port);
        await learns(c, "chat-r1");
        await c.request("room.join", { uid: "ria", room: "x" });
        const chats: unknown[] = [];
        c.on("onChat", (b) => chats.push(b));
        // In flight when the server goes: the gate answers it with an error, never a hang.
        const inFlight = c.request("room.hang");
        let nodesDuringOutage: string[] = [];
        await n.restart(async () => {
          await assert.rejects(inFlight, gatewayError);
          // Sent while NATS is down: an error response too (the session is not stuck).
          await assert.rejects(c.request("room.whoami"), gatewayError);
          // The gate's own routes keep serving, and its table is not emptied by the outage.
          nodesDuringOutage = await c.request<string[]>("entry.nodes");
        });
        assert.ok(nodesDuringOutage.includes("chat-r1"), JSON.stringify(nodesDuringOutage));
        // Same processes, same client session: the nodes reconnect and announce again.
        await eventually(async () => {
          try {
            const who = await c.request<{ uid?: string }>("room.whoami");
            return who.uid === "ria";
          } catch {
            return false; // 502 until the backend's subscription is back
          }
        }, "a request through gate → backend after the restart");
        assert.deepEqual(await c.request("chat.room.whoami"), {
          node: "chat-r1",
          uid: "ria",
          room: "x",
          gate: "g-r1",
          id: (await c.request<{ id: number }>("room.whoami")).id,
        });
        // The backend did not take the outage for a dead gate: the member is still in its group
        // and no session-closed event was made up.
        assert.deepEqual(await c.request("room.count", { room: "x" }), { members: 1 });
        const events = await c.request<{ kind: string }[]>("room.events");
        assert.equal(events.filter((e) => e.kind === "closed").length, 0, JSON.stringify(events));
        assert.equal(await c.request("room.say", { text: "back" }), 1);
        await eventually(() => chats.length === 1, "the group push after the restart");
        // A client arriving after the restart is served too.
        const late = await client(gate.port);
        assert.equal(
          (await late.request<{ members: number }>("room.join", { uid: "lou", room: "x" }))
            .members,
          2,
        );
      } finally {
        await Promise.all([gate.stop(), chat.stop()]);
      }
    },
  );

  test(
    "a stuck backend handler holds its own session only: other sessions, routes and backends are answered",
    async (t) => {
      const n = await natsServer(t);
      if (!n) return;
      // A long forward timeout: the stuck request stays stuck until released (no timing).
      const long = { WEFT_TEST_FORWARD_TIMEOUT: "60000" };
      const gate = await startNode(THIS_RUNTIME, "gate", n.url, "g-s1", long);
      const chat = await startNode(OTHER_RUNTIME, "chat", n.url, "chat-s1", long);
      const store = await startNode(THIS_RUNTIME, "store", n.url, "store-s1", long);
      try {
        const stuck = await client(gate.port);
        const others = [await client(gate.port), await client(gate.port)];
        await learns(stuck, "chat-s1");
        await learns(stuck, "store-s1");
        await stuck.request("room.join", { uid: "sam", room: "s" });
        const order: string[] = [];
        stuck.on("onNote", () => order.push("note pushed"));
        const held = stuck.request("room.wait").then((v) => {
          order.push("answer");
          return v;
        });
        stuck.notify("room.note", { after: "wait" }); // queued behind the stuck request
        // Every other session is served meanwhile: the same stuck backend, another backend
        // type, and the gate's own routes.
        let answered = 0;
        const ROUNDS = 10;
        await Promise.all(others.map(async (c, i) => {
          await c.request("room.join", { uid: `other${i}`, room: "s" });
          for (let r = 0; r < ROUNDS; r++) {
            const [who, got, nodes] = await Promise.all([
              c.request<{ node: string }>("room.whoami"),
              c.request<{ value: string }>("store.store.get", { key: `k${r}` }),
              c.request<string[]>("entry.nodes"),
            ]);
            assert.equal(who.node, "chat-s1");
            assert.equal(got.value, `k${r}!`);
            assert.ok(nodes.includes("chat-s1"));
            answered += 3;
          }
        }));
        assert.equal(answered, others.length * ROUNDS * 3);
        // The stuck session's request and its next message are still waiting, in order.
        assert.deepEqual(order, []);
        // Another session lets the handler go: the answer comes, then the queued notify runs.
        assert.deepEqual(await others[0]!.request("room.release"), { released: 1 });
        assert.deepEqual(await held, { waited: true });
        await eventually(() => order.length === 2, "the queued notify's push");
        assert.deepEqual(order, ["answer", "note pushed"]);
      } finally {
        await Promise.all([gate.stop(), chat.stop(), store.stop()]);
      }
    },
  );
});
