// Tests the interop harness itself: zmq_peer.py against zmq_peer.py (libzmq on both ends) and
// nngcat against nngcat, so a failing weft interop test can be trusted to be weft's fault.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  freePort,
  removeIpcFile,
  requirePeer,
  startNngcat,
  startZmqPeer,
  tempIpcPath,
  waitForListener,
  type ZmqPeer,
} from "./_peers.ts";

const hex = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");
const text = (h: unknown) =>
  new TextDecoder().decode(Uint8Array.from(String(h).match(/../g) ?? [], (x) => parseInt(x, 16)));

async function pair(typeA: string, typeB: string): Promise<[ZmqPeer, ZmqPeer]> {
  const a = await startZmqPeer();
  try {
    const b = await startZmqPeer();
    await a.ok({ op: "socket", type: typeA, options: { LINGER: 0 } });
    await b.ok({ op: "socket", type: typeB, options: { LINGER: 0 } });
    return [a, b];
  } catch (e) {
    await a.close();
    throw e;
  }
}

async function reqRep(endpoint: string): Promise<void> {
  const [rep, req] = await pair("REP", "REQ");
  try {
    const bound = await rep.ok({ op: "bind", endpoint });
    const real = String(bound.endpoint);
    if (endpoint.startsWith("tcp://")) assert.match(real, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    else assert.equal(real, endpoint);
    await req.ok({ op: "connect", endpoint: real });
    const echo = rep.ok({ op: "echo", count: 3, timeout: 10_000 });
    for (let i = 0; i < 3; i++) {
      await req.ok({ op: "send", frames: [hex(`ping ${i}`), hex("second frame")] });
      const got = await req.ok({ op: "recv", timeout: 10_000 });
      assert.deepEqual((got.frames as string[]).map(text), [`ping ${i}`, "second frame"]);
    }
    const done = await echo;
    assert.equal(done.count, 3);
    // REP strips the envelope: what the echo saw is the bare body.
    assert.deepEqual((done.last as string[]).map(text), ["ping 2", "second frame"]);
    // A second send on REQ before recv is a state error that the peer reports, not a hang.
    await req.ok({ op: "send", frames: [hex("again")] });
    const bad = await req.call({ op: "send", frames: [hex("too soon")], timeout: 200 });
    assert.equal(bad.ok, false);
  } finally {
    await Promise.all([rep.close(), req.close()]);
  }
}

describe("zmq_peer.py (pyzmq/libzmq)", () => {
  test("REQ ↔ REP over tcp", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    await reqRep("tcp://127.0.0.1:0");
  });

  test("REQ ↔ REP over ipc", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const path = tempIpcPath("peers");
    try {
      await reqRep(`ipc://${path}`);
    } finally {
      removeIpcFile(path);
    }
  });

  test("DEALER → ROUTER echo keeps the routing id", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const [router, dealer] = await pair("ROUTER", "DEALER");
    try {
      const { endpoint } = await router.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      await dealer.ok({ op: "setsockopt", name: "ROUTING_ID", value: "d1" });
      await dealer.ok({ op: "connect", endpoint });
      const echo = router.ok({ op: "echo", count: 1, timeout: 10_000 });
      await dealer.ok({ op: "send", frames: [hex("hi")] });
      const got = await dealer.ok({ op: "recv", timeout: 10_000 });
      assert.deepEqual((got.frames as string[]).map(text), ["hi"]);
      assert.deepEqual(((await echo).last as string[]).map(text), ["d1", "hi"]);
    } finally {
      await Promise.all([router.close(), dealer.close()]);
    }
  });

  test("PUB → SUB delivers only the subscribed topic", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const [pub, sub] = await pair("PUB", "SUB");
    try {
      const { endpoint } = await pub.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      await sub.ok({ op: "subscribe", topic: hex("weather") });
      await sub.ok({ op: "connect", endpoint });
      // Slow joiner: publish sync messages until one arrives (the subscription has reached PUB).
      const deadline = Date.now() + 15_000;
      for (let i = 0;; i++) {
        assert.ok(Date.now() < deadline, "subscription never reached the publisher");
        await pub.ok({ op: "send", frames: [hex("weather"), hex(`sync ${i}`)] });
        if ((await sub.call({ op: "recv", timeout: 50 })).ok) break;
      }
      await pub.ok({ op: "send", frames: [hex("other"), hex("must not arrive")] });
      await pub.ok({ op: "sendmany", count: 5, size: 8, prefix: [hex("weather.final")] });
      const seen: string[][] = [];
      for (let n = 0; n < 5;) {
        const got = await sub.ok({ op: "recv", timeout: 10_000 });
        const frames = got.frames as string[];
        assert.notEqual(text(frames[0]), "other");
        if (text(frames[0]) === "weather.final") {
          seen.push(frames);
          n++;
        }
      }
      // sendmany payloads start with a uint32 BE sequence number.
      assert.deepEqual(seen.map((f) => parseInt(f[1]!.slice(0, 8), 16)), [0, 1, 2, 3, 4]);
      await sub.ok({ op: "unsubscribe", topic: hex("weather") });
    } finally {
      await Promise.all([pub.close(), sub.close()]);
    }
  });

  test("monitor reports listen, accept, connect, handshake and disconnect", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const [rep, req] = await pair("REP", "REQ");
    try {
      await rep.ok({ op: "monitor" });
      const { endpoint } = await rep.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      assert.equal((await rep.nextEvent({ name: "LISTENING" })).endpoint, endpoint);
      await req.ok({ op: "monitor" });
      await req.ok({ op: "connect", endpoint });
      await rep.nextEvent({ name: "ACCEPTED" });
      await rep.nextEvent({ name: "HANDSHAKE_SUCCEEDED" });
      await req.nextEvent({ name: "CONNECTED" });
      await req.nextEvent({ name: "HANDSHAKE_SUCCEEDED" });
      await req.ok({ op: "close" });
      assert.equal((await req.nextEvent({ name: "MONITOR_STOPPED" })).event, "MONITOR_STOPPED");
      await rep.nextEvent({ name: "DISCONNECTED" });
    } finally {
      await Promise.all([rep.close(), req.close()]);
    }
  });

  test("errors come back as {ok:false}, the peer keeps going", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const peer = await startZmqPeer();
    try {
      assert.match(String((await peer.call({ op: "nope" })).error), /unknown op/);
      assert.match(String((await peer.call({ op: "recv" })).error), /no socket/);
      assert.match(String((await peer.call({ op: "socket", type: "BOGUS" })).error), /type/);
      await peer.ok({ op: "socket", type: "PULL" });
      const r = await peer.call({ op: "recv", timeout: 20 });
      assert.equal(r.ok, false);
      assert.match(String(r.error), /timeout/);
      assert.equal((await peer.call({ op: "echo" })).ok, false); // PULL cannot echo
    } finally {
      await peer.close();
    }
  });
});

async function nngReqRep(listen: string): Promise<void> {
  const rep = startNngcat([
    "--rep0",
    "--listen",
    listen,
    "--data",
    "42",
    "--ascii",
    "--count",
    "1",
  ]);
  try {
    await waitForListener(listen);
    const req = startNngcat(["--req0", "--dial", listen, "--data", "what is it?", "--ascii"]);
    try {
      assert.equal(await req.nextLine(), "42");
      assert.equal((await req.exited).code, 0, req.stderr);
    } finally {
      await req.close();
    }
    assert.equal(await rep.nextLine(), "what is it?");
  } finally {
    await rep.close();
  }
}

describe("nngcat (nng 1.5.2)", () => {
  test("--req0 dials --rep0 --data over tcp", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    await nngReqRep(`tcp://127.0.0.1:${await freePort()}`);
  });

  test("--req0 dials --rep0 --data over ipc", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    const path = tempIpcPath("nngcat");
    try {
      await nngReqRep(`ipc://${path}`);
    } finally {
      removeIpcFile(path);
    }
  });
});
