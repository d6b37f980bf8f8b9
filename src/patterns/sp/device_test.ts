import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { device } from "./device.ts";
import { Pub0Socket, Pull0Socket, Push0Socket, Sub0Socket } from "./mod.ts";
import { createRegistry } from "../../transport/registry.ts";
import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
import { text } from "../../../tests/_helpers.ts";

describe("sp device over one-way protocols", () => {
  test("pull0 → push0 forwards and keeps running until a socket closes", async () => {
    const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
    const front = new Pull0Socket({ transports, raw: true });
    const back = new Push0Socket({ transports, raw: true });
    await front.listen("inproc://front");
    await back.listen("inproc://back");
    let settled = false;
    const running = device(front, back).finally(() => (settled = true));
    const producer = new Push0Socket({ transports });
    const consumer = new Pull0Socket({ transports });
    await producer.dial("inproc://front");
    await consumer.dial("inproc://back");
    await producer.send("one");
    await producer.send("two");
    assert.equal(text(await consumer.recv()), "one");
    assert.equal(text(await consumer.recv()), "two");
    assert.equal(settled, false, "the device is still running");
    front.close();
    await running;
    for (const s of [back, producer, consumer]) s.close();
  });

  test("sub0 → pub0 forwards publications", async () => {
    const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
    const front = new Sub0Socket({ transports, raw: true });
    const back = new Pub0Socket({ transports, raw: true });
    await front.listen("inproc://front");
    await back.listen("inproc://back");
    const running = device(front, back);
    // PUB drops for a peer it has not attached yet: wait for the device's side of both
    // handshakes (a dial resolves on the dialer's side).
    const attached = Promise.all([
      new Promise((r) => back.events.on("handshake", r)),
      new Promise((r) => front.events.on("handshake", r)),
    ]);
    const publisher = new Pub0Socket({ transports });
    const subscriber = new Sub0Socket({ transports });
    subscriber.subscribe("");
    await publisher.dial("inproc://front");
    await subscriber.dial("inproc://back");
    await attached;
    await publisher.send("news");
    assert.equal(text(await subscriber.recv()), "news");
    back.close();
    await running;
    for (const s of [front, publisher, subscriber]) s.close();
  });
});
