// The client's bytes checked both ways with NetEase's own codec (npm pomelo-protocol 0.1.6):
// what weft's client sends decodes there, and what pomelo-protocol encodes decodes here.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../src/nano_client.ts";
import type { ConnectionEvents, Connector } from "../../src/nano_client.ts";
import {
  pomelo,
  type PomeloPackage as Pkg,
} from "../../src/protocol/pomelo/_pomelo_protocol_test.ts";

const { Package, Message } = pomelo;

/** A connector whose far end is the test: captures what the client sends. */
function wire() {
  const sent: Uint8Array[] = [];
  let events: ConnectionEvents | undefined;
  let wake: (() => void) | undefined;
  const connector: Connector = (_url, ev) => {
    events = ev;
    return Promise.resolve({
      send: (b) => {
        sent.push(b.slice());
        wake?.();
      },
      close: () => {},
    });
  };
  return {
    connector,
    /** Sends bytes to the client. */
    toClient: (b: Uint8Array) => events!.data(new Uint8Array(b)),
    /** The next chunk the client sent, decoded by pomelo-protocol as one package. */
    async next(): Promise<Pkg> {
      const deadline = Date.now() + 5000;
      while (sent.length === 0) {
        if (Date.now() > deadline) throw new Error("timed out waiting for client bytes");
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const p = Package.decode(sent.shift()!);
      assert.ok(!Array.isArray(p), "one package per send");
      return p as Pkg;
    },
  };
}

const json = (b: Uint8Array | null) => JSON.parse(pomelo.strdecode(b!));

async function handshaken(dict: Record<string, number>) {
  const w = wire();
  const connecting = connect("ws://pomelo-protocol/", { connector: w.connector });
  const hello = await w.next();
  assert.equal(hello.type, 1);
  const sys = json(hello.body).sys;
  assert.equal(sys.type, "js-websocket");
  const answer = { code: 200, sys: { heartbeat: 30, dict } };
  w.toClient(Package.encode(1, pomelo.strencode(JSON.stringify(answer))));
  const ack = await w.next();
  assert.deepEqual([ack.type, ack.body], [2, null]);
  return { w, client: await connecting };
}

describe("nano client bytes against npm pomelo-protocol", () => {
  test("requests and notifies decode there: ids, plain and compressed routes, bodies", async () => {
    const { w, client } = await handshaken({ "chat.say": 1, "onChat": 2 });
    const pending = [client.request("chat.say", { t: "héllo ☃" })];
    const m1 = Message.decode((await w.next()).body!);
    assert.deepEqual([m1.id, m1.type, m1.compressRoute, m1.route], [1, 0, 1, 1]);
    assert.deepEqual(json(m1.body), { t: "héllo ☃" });
    client.notify("chat.other", { n: 1 });
    const m2 = Message.decode((await w.next()).body!);
    assert.deepEqual([m2.id, m2.type, m2.compressRoute, m2.route], [0, 1, 0, "chat.other"]);
    for (let i = 2; i <= 300; i++) pending.push(client.request("chat.more", i));
    let last;
    for (let i = 2; i <= 300; i++) last = Message.decode((await w.next()).body!);
    assert.deepEqual([last!.id, last!.route, json(last!.body)], [300, "chat.more", 300]);
    client.close();
    await Promise.allSettled(pending);
  });

  test("responses, compressed pushes, batches and kick from there decode here", async () => {
    const { w, client } = await handshaken({ "chat.say": 1, "onChat": 2 });
    const chats: unknown[] = [];
    const others: unknown[] = [];
    client.on("onChat", (b) => chats.push(b));
    client.on("onOther", (b) => others.push(b));
    const reply = client.request("chat.say", {});
    const id = Message.decode((await w.next()).body!).id;
    const body = (v: unknown) => pomelo.strencode(JSON.stringify(v));
    w.toClient(Package.encode(4, Message.encode(id, 2, 0, null, body({ ok: "ü" }))));
    assert.deepEqual(await reply, { ok: "ü" });
    // Two packets in one chunk, as pomelo's hybrid connector batches them.
    const push1 = Package.encode(4, Message.encode(0, 3, 1, 2, body({ a: 1 })));
    const push2 = Package.encode(4, Message.encode(0, 3, 0, "onOther", body({ b: 2 })));
    w.toClient(new Uint8Array([...push1, ...push2]));
    assert.deepEqual(chats, [{ a: 1 }]);
    assert.deepEqual(others, [{ b: 2 }]);
    const reasons: string[] = [];
    client.onKick((r) => reasons.push(r));
    w.toClient(Package.encode(5, pomelo.strencode(JSON.stringify({ reason: "kicked by test" }))));
    await client.closed;
    assert.deepEqual(reasons, ["kicked by test"]);
  });
});
