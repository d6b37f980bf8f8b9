/**
 * connectWs(): a NATS connection over WebSocket to a real nats-server's websocket listener
 * (started here on free loopback ports with a temp config): request/reply works, and it comes
 * back after nats-server is restarted on the same ports.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectWs } from "../../src/nano/cluster/nats_ws.ts";
import { findNatsServer } from "../../src/cli/cluster_launcher.ts";
import { freePort, type SkippableContext, waitForListener } from "../interop/_peers.ts";

function requireNatsServer(t: SkippableContext): string | undefined {
  const binary = findNatsServer();
  if (binary) return binary;
  const message = 'peer "nats-server" is missing: apt-get install nats-server';
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: a missing peer fails)`);
  console.warn(`\n!!!! SKIPPING: ${message}\n`);
  t.skip?.(message);
  return undefined;
}

describe("connectWs: NATS over WebSocket", () => {
  test("request/reply through nats-server's websocket listener, and after a restart", async (t) => {
    const binary = requireNatsServer(t);
    if (!binary) return;
    const dir = mkdtempSync(join(tmpdir(), "weft-nats-ws-"));
    const [port, wsPort] = [await freePort(), await freePort()];
    const conf = join(dir, "nats.conf");
    writeFileSync(
      conf,
      `listen: "127.0.0.1:${port}"\nwebsocket { listen: "127.0.0.1:${wsPort}", no_tls: true }\n`,
    );
    let server: ChildProcess | undefined;
    const start = async () => {
      server = spawn(binary, ["-c", conf], { stdio: "ignore" });
      await waitForListener(`tcp://127.0.0.1:${wsPort}`);
    };
    const stop = async () => {
      const s = server!;
      if (s.exitCode !== null || s.signalCode !== null) return;
      const gone = new Promise((r) => s.once("exit", r));
      s.kill("SIGTERM");
      await gone;
    };
    try {
      await start();
      const nc = await connectWs(`ws://127.0.0.1:${wsPort}`);
      const responder = await connectWs([`ws://127.0.0.1:${wsPort}`]);
      try {
        responder.subscribe("weft.echo", { callback: (_e, m) => void m.respond(m.data) });
        await responder.flush();
        assert.equal((await nc.request("weft.echo", "hello", { timeout: 5000 })).string(), "hello");

        await stop();
        await start();
        // Retried until the client has reconnected (bounded: 100 tries of ≤ 500 ms).
        let answer = "";
        for (let i = 0; i < 100 && answer === ""; i++) {
          answer = await nc.request("weft.echo", "again", { timeout: 500 }).then(
            (m) => m.string(),
            () => new Promise<string>((r) => setTimeout(() => r(""), 100)),
          );
        }
        assert.equal(answer, "again");
      } finally {
        await nc.close();
        await responder.close();
      }
    } finally {
      if (server) await stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
