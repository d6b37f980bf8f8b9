/**
 * `reusePort`: two weft/nano App processes listen on one port and both serve clients (the kernel
 * spreads connections among SO_REUSEPORT listeners). Children run on the test's runtime — Bun:
 * Bun.listen; Deno: node:net, which weft/nano listens through — and, on Deno, also on
 * Deno.listen with `--unstable-net`; without that flag Deno.listen refuses `reusePort` with a
 * typed error. Connections are counted per process, never timed.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { App } from "../../src/nano.ts";
import { connect } from "../../src/nano_client.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { NodeNetTcpTransport } from "../../src/transport/node_net/tcp.ts";
import { DenoTcpTransport } from "../../src/transport/deno/tcp.ts";
import { freePort } from "../interop/_peers.ts";
import { until } from "../_helpers.ts";

const SERVER = fileURLToPath(new URL("./_reuse_port_app.ts", import.meta.url));
const isDeno = "Deno" in globalThis;
const linux = process.platform === "linux";
/** Connections tried at most; both processes must have had some well before (2⁻⁹⁹ odds). */
const MAX_CLIENTS = 100;

interface Child {
  readonly process: ChildProcess;
  output: string;
}

function start(port: number, mode: "app" | "deno-listen"): Child {
  const args = isDeno
    ? ["run", "-A", ...(mode === "deno-listen" ? ["--unstable-net"] : []), SERVER]
    : [SERVER];
  const child: Child = {
    process: spawn(process.execPath, [...args, String(port), mode], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    }),
    output: "",
  };
  child.process.stdout!.on("data", (b) => (child.output += String(b)));
  child.process.stderr!.on("data", (b) => (child.output += String(b)));
  return child;
}

async function bothServe(mode: "app" | "deno-listen"): Promise<void> {
  const port = await freePort();
  const children = [start(port, mode), start(port, mode)];
  try {
    for (const child of children) {
      await until(
        () => /ready \d+|error/.test(child.output) || child.process.exitCode !== null,
        "the App child",
        20_000,
      );
      assert.match(child.output, /ready \d+/, `a child did not listen: ${child.output}`);
    }
    const pids = children.map((c) => Number(/ready (\d+)/.exec(c.output)![1]));
    const served = new Map<number, number>();
    for (let i = 0; i < MAX_CLIENTS && served.size < 2; i++) {
      const client = await connect(`ws://127.0.0.1:${port}/`);
      try {
        const { pid } = await client.request<{ pid: number }>("who.ami", {});
        served.set(pid, (served.get(pid) ?? 0) + 1);
      } finally {
        client.close();
      }
    }
    assert.deepEqual([...served.keys()].sort(), [...pids].sort(), "both processes served");
  } finally {
    for (const child of children) child.process.kill("SIGKILL");
  }
}

describe("reusePort: several App processes on one port", { skip: !linux && "Linux only" }, () => {
  test("two App processes (weft/nano's listener) both serve clients", async () => {
    await bothServe("app");
  });

  // Deno's own listener exists on Deno only (registered there, never skipped elsewhere).
  if (isDeno) {
    test("two App processes on Deno.listen (--unstable-net) both serve clients", async () => {
      await bothServe("deno-listen");
    });
  }

  test("without reusePort a second App on the port fails with EADDRINUSE", async () => {
    await using first = new App({ host: "127.0.0.1", port: 0, reusePort: true });
    const { port } = await first.listen();
    await using second = new App({ host: "127.0.0.1", port });
    await assert.rejects(second.listen(), { code: "EADDRINUSE" });
  });

  test("reusePort in one process: two node:net listeners share the port", async () => {
    const tcp = new NodeNetTcpTransport();
    const a = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => s.close(), {
      reusePort: true,
    });
    const b = await tcp.listen(parseEndpoint(a.endpoint), (s) => s.close(), { reusePort: true });
    assert.equal(b.endpoint, a.endpoint);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
  });

  const denoStable = isDeno &&
    typeof (globalThis as { Deno?: { listenDatagram?: unknown } }).Deno?.listenDatagram !==
      "function";
  if (denoStable) {
    test("Deno.listen without --unstable-net refuses reusePort with ENOTSUP", async () => {
      await assert.rejects(
        new DenoTcpTransport().listen(parseEndpoint("tcp://127.0.0.1:0"), () => {}, {
          reusePort: true,
        }),
        { code: "ENOTSUP", message: /--unstable-net/ },
      );
    });
  }

  test("reusePort must be a boolean", () => {
    assert.throws(() => new App({ reusePort: "yes" as unknown as boolean }), { code: "EINVAL" });
  });
});
