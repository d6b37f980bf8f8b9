/**
 * Server-only handlers (`App.registerRemote`): reached by `rpc`/`notifyServer` from other
 * nodes, never by clients — neither through a gate's route table, nor by a
 * `<serverType>.<component>.<method>` route, nor directly on the node. Nodes in this process
 * on a real nats-server.
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { App, ResponseCode, type Session } from "../../../src/nano.ts";
import { connect } from "../../../src/nano_client.ts";
import { NatsServer, requireNatsServer } from "./_nats_server.ts";
import { eventually } from "./_cluster.ts";

const quiet = { error: () => {}, warn: () => {} };
const timing = { heartbeat: 100, nodeTimeout: 400, timeout: 1000 };

class Wallet {
  credits = 0;
  debit(_s: Session, p: { amount: number }) {
    return { ok: true, amount: p.amount };
  }
  credit(_s: Session, p: { amount: number }) {
    this.credits += p.amount;
  }
}

describe("registerRemote: RPC-only handlers", () => {
  let nats: NatsServer | undefined;
  const apps: App[] = [];
  after(async () => {
    for (const a of apps) await a.close({ timeout: 500 });
    await nats?.dispose();
  });

  test("clients get 404 through a gate and on the node itself; rpc and notifyServer reach them", async (t) => {
    if (!requireNatsServer(t)) return;
    nats = await NatsServer.start();
    const wallet = new Wallet();
    const store = new App({
      port: 0,
      host: "127.0.0.1",
      logger: quiet,
      cluster: { nats: nats.url, serverType: "store", nodeId: "store-1", ...timing },
    }).registerRemote(wallet, { name: "wallet" });
    store.handle("shop.price", () => ({ price: 3 }));
    const gate = new App({
      port: 0,
      host: "127.0.0.1",
      logger: quiet,
      cluster: {
        nats: nats.url,
        serverType: "gate",
        nodeId: "gate-1",
        routes: { wallet: "store", shop: "store" },
        ...timing,
      },
    });
    apps.push(store, gate);
    const storePort = (await store.listen()).port;
    const gatePort = (await gate.listen()).port;
    assert.deepEqual(store.remoteRoutes(), ["wallet.credit", "wallet.debit"]);
    assert.deepEqual(store.routes(), ["shop.price"]);
    await eventually(() => gate.cluster!.nodes("store").length === 1, "the gate to see store-1");

    const c = await connect(`ws://127.0.0.1:${gatePort}/`);
    const direct = await connect(`ws://127.0.0.1:${storePort}/`);
    try {
      assert.deepEqual(await c.request("shop.price"), { price: 3 }); // a client route: served
      for (const route of ["wallet.debit", "store.wallet.debit"]) {
        await assert.rejects(c.request(route, { amount: 1 }), { code: ResponseCode.NOT_FOUND });
      }
      await assert.rejects(direct.request("wallet.debit", { amount: 1 }), {
        code: ResponseCode.NOT_FOUND,
      });
      // Servers reach them.
      assert.deepEqual(await gate.rpc("store", "wallet.debit", { amount: 5 }), {
        ok: true,
        amount: 5,
      });
      gate.notifyServer("store-1", "wallet.credit", { amount: 7 });
      await eventually(() => wallet.credits === 7, "the notify to reach the remote handler");
      // One route, one kind.
      assert.throws(() => store.handle("wallet.debit", () => 0), { code: "EINVAL" });
      assert.throws(() => store.registerRemote({ price: () => 0 }, { name: "shop" }), {
        code: "EINVAL",
      });
    } finally {
      c.close();
      direct.close();
    }
  });
});
