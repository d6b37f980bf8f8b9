// The fault proxy between weft and the real peers: libzmq (pyzmq) and nng (nngcat). Byte-by-byte
// delivery keeps every message intact and in order; a real peer killed and started again on the
// same port is reconnected to, order kept, one contiguous run lost.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Buffer } from "node:buffer";
import { Push } from "../../src/zmq.ts";
import { Push0 } from "../../src/sp.ts";
import { until, within } from "../_helpers.ts";
import {
  freePort,
  type NngcatProcess,
  requirePeer,
  startNngcat,
  startZmqPeer,
  waitForListener,
  type ZmqPeer,
} from "../interop/_peers.ts";
import { FaultProxy } from "./fault_proxy.ts";
import { assertOrderedWithGaps, numbered, sendThroughFault } from "./_sequence.ts";

const hexText = (hex: string) => new TextDecoder().decode(Uint8Array.from(Buffer.from(hex, "hex")));

async function pyzmqPull(port: number): Promise<ZmqPeer> {
  const peer = await startZmqPeer();
  await peer.ok({ op: "socket", type: "PULL" });
  await peer.ok({ op: "bind", endpoint: `tcp://127.0.0.1:${port}` });
  return peer;
}

/** Reads messages from a pyzmq PULL into `got` until the peer process is gone. */
async function drainPyzmq(peer: ZmqPeer, got: number[]): Promise<void> {
  for (;;) {
    const r = await peer.call({ op: "recv", timeout: 1000 }).catch(() => undefined);
    if (r === undefined) return; // the process ended
    if (!r.ok) continue; // quiet for a second
    if (!Array.isArray(r.frames)) return; // the reply to close's exit
    got.push(Number(hexText((r.frames as string[])[0]!)));
  }
}

describe("fault proxy between weft and libzmq (pyzmq)", () => {
  test("weft PUSH → 1-byte chunks → pyzmq PULL: intact and in order", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const port = await freePort();
    const peer = await pyzmqPull(port);
    const proxy = await FaultProxy.start({
      target: { host: "127.0.0.1", port },
      fault: { chunkSize: 1 },
    });
    const push = new Push({ linger: 1000 });
    try {
      push.connect(`tcp://127.0.0.1:${proxy.port}`);
      for (let i = 0; i < 200; i++) await push.send(numbered(i));
      for (let i = 0; i < 200; i++) {
        const r = await within(peer.ok({ op: "recv", timeout: 10_000 }));
        assert.equal(hexText((r.frames as string[])[0]!), numbered(i));
      }
      assert.ok(proxy.stats.writes >= 200 * 10, "byte by byte");
    } finally {
      push.close();
      await peer.close();
      await proxy.close();
    }
  });

  test("pyzmq PULL killed and started again on its port: weft PUSH reconnects", async (t) => {
    if (!requirePeer(t, "python3-zmq")) return;
    const port = await freePort();
    let peer = await pyzmqPull(port);
    const push = new Push({ linger: 0, reconnectInterval: 20 });
    const got: number[] = [];
    try {
      push.connect(`tcp://127.0.0.1:${port}`);
      let draining = drainPyzmq(peer, got);
      let restarted = false;
      const total = await sendThroughFault(
        async (m) => {
          await push.send(m);
          if (!restarted && got.length >= 100) {
            restarted = true;
            process.kill(peer.pid!, "SIGKILL"); // dies with what it had not handed out
            await peer.exited;
            await draining;
            peer = await pyzmqPull(port);
            draining = drainPyzmq(peer, got);
          }
        },
        () => restarted,
        () => got.at(-1) ?? -1,
        100,
      );
      await until(() => got.at(-1) === total - 1, "the tail at the restarted pyzmq");
      assertOrderedWithGaps(got, total, 1);
    } finally {
      push.close();
      await peer.close();
    }
  });
});

describe("fault proxy between weft and nng (nngcat)", () => {
  async function nngcatPull(port: number): Promise<NngcatProcess> {
    const cat = startNngcat(["--pull0", "--listen", `tcp://127.0.0.1:${port}`, "--quoted"]);
    await waitForListener(`tcp://127.0.0.1:${port}`);
    return cat;
  }

  test("weft Push0 → 1-byte chunks → nngcat --pull0: intact and in order", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    const port = await freePort();
    const cat = await nngcatPull(port);
    const proxy = await FaultProxy.start({
      target: { host: "127.0.0.1", port },
      fault: { chunkSize: 1 },
    });
    const push = new Push0({ reconnectTime: 20 });
    try {
      await within(push.dial(`tcp://127.0.0.1:${proxy.port}`));
      for (let i = 0; i < 100; i++) await push.send(numbered(i));
      for (let i = 0; i < 100; i++) assert.equal(await cat.nextLine(), `"${numbered(i)}"`);
      assert.ok(proxy.stats.writes >= 100 * 12, "byte by byte");
    } finally {
      push.close();
      await cat.close();
      await proxy.close();
    }
  });

  test("nngcat --pull0 killed and started again on its port: weft Push0 redials", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    const port = await freePort();
    let cat = await nngcatPull(port);
    const push = new Push0({ reconnectTime: 20 });
    const got: number[] = [];
    const read = async (c: NngcatProcess) => {
      for (;;) {
        const line = await c.nextLine(60_000).catch(() => undefined);
        if (line === undefined) return;
        got.push(Number(JSON.parse(line)));
      }
    };
    try {
      await within(push.dial(`tcp://127.0.0.1:${port}`));
      let reading = read(cat);
      let restarted = false;
      const total = await sendThroughFault(
        async (m) => {
          await push.send(m);
          if (!restarted && got.length >= 100) {
            restarted = true;
            await cat.close(); // SIGTERM: nngcat drops what it had not printed
            await reading;
            cat = await nngcatPull(port);
            reading = read(cat);
          }
        },
        () => restarted,
        () => got.at(-1) ?? -1,
        100,
      );
      await until(() => got.at(-1) === total - 1, "the tail at the restarted nngcat");
      assertOrderedWithGaps(got, total, 1);
    } finally {
      push.close();
      await cat.close();
    }
  });
});
