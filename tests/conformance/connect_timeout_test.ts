// connectTimeoutMs on every tcp-based dial: a connect that never completes (a listener whose
// accept queue is full, on loopback, from tests/conformance/peers/full_backlog.py) rejects with
// ETIMEDOUT once the timeout has passed, and the transport keeps working afterwards; a ZeroMQ
// socket's `connectTimeout` option reaches the dial and the socket retries.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { WeftError } from "../../src/core/errors.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { NodeNetTcpTransport } from "../../src/transport/node_net/tcp.ts";
import type { Transport } from "../../src/transport/types.ts";
import { Dealer } from "../../src/zmq.ts";
import { peerAvailable, requirePeer } from "../interop/_peers.ts";

const SCRIPT = fileURLToPath(new URL("./peers/full_backlog.py", import.meta.url));
const runtime = "Bun" in globalThis ? "Bun" : "Deno";
const registry = defaultTransports(new InprocNamespace());

/** Starts the never-accepting listener; resolves with its port and a stop function. */
function fullBacklog(): Promise<{ port: number; stop: () => void }> {
  const child = spawn("/usr/bin/python3", [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const port = Number.parseInt(out, 10);
      if (out.includes("\n") && port > 0) {
        resolve({ port, stop: () => (child.stdin!.end(), child.kill()) });
      }
    });
    child.on("exit", (code) => reject(new Error(`full_backlog.py exited with ${code}`)));
  });
}

const cases: [string, () => Transport | undefined, string][] = [
  [`tcp (${runtime})`, () => registry.get("tcp"), "tcp"],
  [`tcp via node:net (${runtime})`, () => new NodeNetTcpTransport(), "tcp"],
  [`ws over tcp (${runtime})`, () => registry.get("ws"), "ws"],
];

describe("connectTimeoutMs: a connect that never completes", () => {
  let peer: { port: number; stop: () => void } | undefined;
  before(async () => {
    if (peerAvailable("python3")) peer = await fullBacklog();
  });
  after(() => peer?.stop());

  for (const [name, make, scheme] of cases) {
    test(`${name}: rejects with ETIMEDOUT, and the transport still dials`, async (t) => {
      if (!requirePeer(t, "python3")) return;
      const transport = make();
      assert.ok(transport, `no ${scheme} transport on ${runtime}`);
      const url = `${scheme}://127.0.0.1:${peer!.port}${scheme === "ws" ? "/" : ""}`;
      const started = Date.now();
      await assert.rejects(
        transport.dial(parseEndpoint(url), { connectTimeoutMs: 300 }),
        (e: unknown) =>
          e instanceof WeftError && e.code === "ETIMEDOUT" && /300 ms/.test(e.message),
      );
      assert.ok(Date.now() - started >= 250, "not before the timeout");
      // A listener that does accept is still reachable through the same transport.
      const listener = await transport.listen(
        parseEndpoint(`${scheme}://127.0.0.1:0${scheme === "ws" ? "/" : ""}`),
        (s) => s.close(),
      );
      const stream = await transport.dial(parseEndpoint(listener.endpoint), {
        connectTimeoutMs: 5_000,
      });
      stream.close();
      listener.close();
      await Promise.all([stream.closed, listener.closed]);
    });
  }

  test(`a ZeroMQ socket's connectTimeout (${runtime}): connect:delay with ETIMEDOUT, then a retry`, async (t) => {
    if (!requirePeer(t, "python3")) return;
    const dealer = new Dealer({ connectTimeout: 300, reconnectInterval: 100 });
    try {
      const delayed = new Promise<{ code?: string }>((resolve) =>
        dealer.events.on("connect:delay", (e) => resolve(e as { code?: string }))
      );
      const retried = new Promise<void>((resolve) =>
        dealer.events.on("connect:retry", () => resolve())
      );
      dealer.connect(`tcp://127.0.0.1:${peer!.port}`);
      assert.equal((await delayed).code, "ETIMEDOUT");
      await retried;
    } finally {
      dealer.close();
    }
  });
});
