/**
 * Running out of file descriptors costs a server some connections, never its listener: a server
 * in a child process under `ulimit -n 64` is sent more connections than it can hold, they close,
 * and a new client must be served — without the server spinning the CPU while it was out. The
 * nano App (on Deno: node:net, whose listener Deno 2.9 stops polling after EMFILE) and the
 * runtime's own tcp listener (Deno.listen / Bun.listen: what ZeroMQ and SP bind) on each runtime.
 *
 * And a server that runs out in its first second lives on: Deno 2.9 sets up its signal handling
 * 500 ms after startup and panics if no descriptor is free then; weft's listeners get that done
 * when they open (src/transport/deno/signal_setup.ts). The child takes every descriptor itself
 * right after listening and holds them past that moment (_fd_exhaustion_server.ts `now`).
 *
 * The child is a fresh process, and its output goes to a file so a failure shows what it said.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { TestClient } from "./_client.ts";
import { until, within } from "../_helpers.ts";

const LIMIT = 64;
const CONNECTIONS = 120;
const SERVER = fileURLToPath(new URL("./_fd_exhaustion_server.ts", import.meta.url));
const isDeno = "Deno" in globalThis;
const linux = process.platform === "linux";

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly errors: () => string[];
  readonly output: () => string;
}

async function startServer(kind: "nano" | "tcp", when = ""): Promise<Child> {
  const runtime = isDeno ? `'${process.execPath}' run -A` : `'${process.execPath}'`;
  // Output to a file, read back by the test and kept once the child is gone (it is removed
  // then), so a failing child's last words show in the assertion message.
  const dir = mkdtempSync(join(tmpdir(), "weft-fds-"));
  const log = join(dir, "server.log");
  const read = () => {
    try {
      return readFileSync(log, "utf8");
    } catch {
      return "";
    }
  };
  const child = spawn(
    "bash",
    ["-c", `ulimit -n ${LIMIT} && exec ${runtime} '${SERVER}' ${kind} ${when} > '${log}' 2>&1`],
    // No update check: it would open the CA file and reach out past loopback mid-test.
    { stdio: "ignore", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } },
  );
  let last: string | undefined;
  child.once("exit", (code, signal) => {
    last = `${read()}[exit ${code ?? signal}]`;
    rmSync(dir, { recursive: true, force: true });
  });
  const output = () => last ?? read();
  await until(() => /port:\d+/.test(output()) || child.exitCode !== null, "the server", 20_000);
  const port = Number(/port:(\d+)/.exec(output())?.[1]);
  assert.ok(port > 0, `the server did not start: ${output()}`);
  const errors = () => output().split("\n").filter((l) => l.startsWith("accept-error:"));
  return { process: child, port, errors, output };
}

/** CPU time (user + system, clock ticks) the process used so far. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/** Share of one CPU the process used over a quiet second (1 = busy all along). */
async function cpuShare(pid: number): Promise<number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const before = cpuTicks(pid);
  const start = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  const seconds = (performance.now() - start) / 1000;
  return (cpuTicks(pid) - before) / ticksPerSecond / seconds;
}

/** Opens `n` raw connections (some wait in the server's queue); resolves once all are up. */
async function flood(port: number, n: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  await Promise.all(Array.from({ length: n }, () =>
    new Promise<void>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => resolve());
      s.on("error", () => resolve());
      sockets.push(s);
    })));
  return sockets;
}

async function tcpEcho(port: number): Promise<string> {
  let s: net.Socket | undefined;
  return await within(
    new Promise<string>((resolve, reject) => {
      s = net.connect(port, "127.0.0.1", () => s!.write("hello"));
      s.once("data", (d) => {
        resolve(new TextDecoder().decode(d));
        s!.destroy();
      });
      s.once("error", reject);
    }),
    "an echo after the descriptors came back",
    15_000,
  ).finally(() => s?.destroy()); // a timed-out attempt must not hold a connection
}

/** Runs `body` against a fresh child server; a failure carries what the child printed. */
async function withServer(
  kind: "nano" | "tcp",
  when: string,
  body: (server: Child) => Promise<void>,
) {
  const server = await startServer(kind, when);
  try {
    await body(server);
  } catch (e) {
    // What the child printed (a panic, say) is what explains most failures here.
    throw new Error(`${(e as Error).message}\nthe server said: ${server.output()}`, { cause: e });
  } finally {
    server.process.kill("SIGKILL");
  }
}

async function exhaustAndRecover(kind: "nano" | "tcp", served: (port: number) => Promise<void>) {
  await withServer(kind, "", async (server) => {
    const sockets = await flood(server.port, CONNECTIONS);
    // The listener's owner hears that accepting failed (it happens: 120 > 64 descriptors).
    await until(() => server.errors().length > 0, "an accept error reported", 15_000);
    // Out of descriptors with connections waiting: no busy loop (a generous bound: < 50 %).
    const share = await cpuShare(server.process.pid!);
    assert.ok(share < 0.5, `the server used ${Math.round(share * 100)} % CPU while out of fds`);
    for (const s of sockets) s.destroy();
    await served(server.port);
    assert.ok(await cpuShare(server.process.pid!) < 0.5, "the server spins after recovering");
  });
}

describe("running out of file descriptors", { skip: !linux }, () => {
  test("weft/nano serves a new pomelo tcp client and a WebSocket client after", async () => {
    await exhaustAndRecover("nano", async (port) => {
      const tcp = await within(
        (async () => {
          for (;;) {
            // Connections refused or dropped while descriptors come back are retried.
            const c = await TestClient.tcp(port).catch(() => undefined);
            const answer = await c?.handshake().catch(() => undefined);
            if (c && answer?.code === 200) return c;
            c?.close();
            await new Promise((r) => setTimeout(r, 100));
          }
        })(),
        "a pomelo handshake after the descriptors came back",
        15_000,
      );
      const reply = await tcp.request("echo.ping", { n: 1 });
      assert.deepEqual(reply.body, { pong: { n: 1 } });
      tcp.close();
      const ws = await TestClient.ws(port);
      assert.equal((await ws.handshake()).code, 200);
      ws.close();
    });
  });

  test("the runtime's tcp listener (ZeroMQ, SP) serves a new connection after", async () => {
    await exhaustAndRecover("tcp", async (port) => {
      // Bounded: a listener that never recovers fails here with what the child printed.
      const deadline = Date.now() + 60_000;
      let last: unknown;
      while (Date.now() < deadline) {
        const echoed = await tcpEcho(port).catch((e) => void (last = e));
        if (echoed === "hello") return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no echo within 60 s after the descriptors came back (last: ${last})`);
    });
  });
});

/** A server that took every descriptor in its first half second lives on and serves after. */
async function exhaustedAtStart(kind: "nano" | "tcp", served: (port: number) => Promise<void>) {
  await withServer(kind, "now", async (server) => {
    await until(
      () => server.output().includes("released") || server.process.exitCode !== null,
      "the server giving its descriptors back",
      20_000,
    );
    assert.match(server.output(), /exhausted:\d+ at:\d+/);
    assert.ok(server.output().includes("released"), "the server died while out of descriptors");
    const at = Number(/exhausted:\d+ at:(\d+)/.exec(server.output())![1]);
    // On a slow start the 500 ms mark may pass first; the run then proves less: say so.
    if (isDeno && at >= 500) console.warn(`(the child ran out at ${at} ms, after Deno's setup)`);
    await served(server.port);
  });
}

describe("out of file descriptors in the first second", { skip: !linux }, () => {
  test("weft/nano lives on and serves", async () => {
    await exhaustedAtStart("nano", async (port) => {
      const tcp = await TestClient.tcp(port);
      assert.equal((await tcp.handshake()).code, 200);
      assert.deepEqual((await tcp.request("echo.ping", { n: 2 })).body, { pong: { n: 2 } });
      tcp.close();
    });
  });

  test("the runtime's tcp listener (ZeroMQ, SP) lives on and serves", async () => {
    await exhaustedAtStart("tcp", async (port) => assert.equal(await tcpEcho(port), "hello"));
  });
});
