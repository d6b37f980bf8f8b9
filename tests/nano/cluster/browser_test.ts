/**
 * pomelo's stock browser client (pomelo-jsclient-websocket) in headless Chromium against a
 * weft cluster: two pages on two gates (one per runtime) in one room on a backend; what one
 * page says reaches the other through the backend's group and the other gate.
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { requirePeer } from "../../interop/_peers.ts";
import { NatsServer, requireNatsServer } from "./_nats_server.ts";
import { eventually, killAll, OTHER_RUNTIME, startNode, THIS_RUNTIME } from "./_cluster.ts";
import { connect } from "../../../src/nano_client.ts";

const SCRIPT = fileURLToPath(new URL("./peers/pomelo_browser_cluster.mjs", import.meta.url));
let nats: NatsServer | undefined;

/** Runs the browser script with node; resolves with its last stdout line as JSON. */
function browse(port1: number, port2: number): Promise<Record<string, unknown>> {
  const chromium = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
  return new Promise((resolve, reject) => {
    const child = spawn("node", [SCRIPT, String(port1), String(port2), chromium], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`browser script failed (${code}): ${err}\n${out}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!));
    });
  });
}

describe("pomelo-jsclient-websocket in Chromium against a cluster", () => {
  after(async () => {
    await killAll();
    await nats?.dispose();
  });

  test("two pages on two gates chat in one room on a backend", async (t) => {
    if (!requireNatsServer(t) || !requirePeer(t, "node") || !requirePeer(t, "chromium")) return;
    nats = await NatsServer.start();
    const g1 = await startNode(THIS_RUNTIME, "gate", nats.url, "g-w1");
    const g2 = await startNode(OTHER_RUNTIME, "gate", nats.url, "g-w2");
    const chat = await startNode(THIS_RUNTIME, "chat", nats.url, "chat-w1");
    try {
      for (const g of [g1, g2]) {
        const probe = await connect(`ws://127.0.0.1:${g.port}/`);
        await eventually(
          async () => (await probe.request<string[]>("entry.nodes")).includes("chat-w1"),
          `gate ${g.id} to learn the chat node`,
        );
        probe.close();
      }
      const seen = await browse(g1.port, g2.port) as {
        alice: { joined: { gate: string; members: number }; chats: unknown[]; sent: number };
        bob: { joined: { gate: string; members: number }; chats: unknown[]; sent: number };
        errors: string[];
      };
      assert.deepEqual(seen.errors, []);
      assert.equal(seen.alice.joined.gate, "g-w1");
      assert.equal(seen.bob.joined.gate, "g-w2");
      assert.equal(seen.bob.joined.members, 2); // one group on the backend, members on two gates
      assert.equal(seen.alice.sent, 2);
      const hello = { from: "alice", text: "hello from gate 1", node: "chat-w1" };
      const hi = { from: "bob", text: "hi from gate 2", node: "chat-w1" };
      assert.deepEqual(seen.bob.chats, [hello, hi]);
      assert.deepEqual(seen.alice.chats, [hello, hi]);
    } finally {
      await Promise.all([g1.stop(), g2.stop(), chat.stop()]);
    }
  });
});
