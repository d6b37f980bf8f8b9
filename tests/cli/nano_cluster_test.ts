/**
 * `weft nano cluster`, run as a real process on the test's runtime: it starts a real nats-server
 * on a free port, two gates and one backend (tests/cli/_cluster_node.ts, which connects to that
 * nats-server and prints a ready line); both gates serve clients on the one port; SIGTERM (or
 * SIGINT) reaches every node and leaves no process behind, and so does a SIGKILL of the launcher
 * (its watchdog stops what it started). Plus its usage errors, in-process.
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { connect } from "../../src/nano_client.ts";
import { findNatsServer } from "../../src/cli/cluster_launcher.ts";
import { weft } from "../../src/cli/weft.ts";
import { freePort, type SkippableContext } from "../interop/_peers.ts";
import { until } from "../_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const NODE = join(ROOT, "tests/cli/_cluster_node.ts");
const isDeno = "Deno" in globalThis;
/** Clients tried at most until both gates have served one (odds of failing: 2⁻⁹⁹). */
const MAX_CLIENTS = 100;

const running = new Set<ChildProcess>();
after(() => Promise.all([...running].map(stopGracefully)));

/**
 * Stops a launcher the way a user does (SIGTERM: it stops its nodes, then its nats-server),
 * SIGKILL only if it is still there 20 s later (its watchdog then stops what it started).
 */
async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 20_000)));
  if (await Promise.race([closed, late]) === "late") child.kill("SIGKILL");
  clearTimeout(timer);
}

/** The house rule for a missing peer: fail under CI=true, else skip loudly. */
function requireNatsServer(t: SkippableContext): boolean {
  if (findNatsServer()) return true;
  const message = 'peer "nats-server" is missing: apt-get install nats-server';
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: a missing peer fails)`);
  console.warn(`\n!!!! SKIPPING: ${message}\n`);
  t.skip?.(message);
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function launch(args: string[]) {
  const argv = isDeno ? ["run", "-A", MAIN, ...args] : [MAIN, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  running.add(child);
  const self = {
    child,
    out: "",
    err: "",
    exited: new Promise<number | string>((resolve) =>
      child.on("close", (code, signal) => {
        running.delete(child);
        resolve(code ?? signal ?? -1);
      })
    ),
  };
  child.stdout!.on("data", (b) => (self.out += String(b)));
  child.stderr!.on("data", (b) => (self.err += String(b)));
  return self;
}

async function clusterComesUpAndDown(signal: "SIGTERM" | "SIGINT", t: SkippableContext) {
  if (!requireNatsServer(t)) return;
  const port = await freePort();
  const runtime = isDeno ? "deno" : "bun";
  const cli = launch([
    "nano",
    "cluster",
    "--gates",
    "2",
    "--backends",
    "1",
    "--port",
    String(port),
    "--runtime",
    runtime,
    NODE,
  ]);
  try {
    const ready =
      () => [...cli.out.matchAll(/^\[(\S+)\] ready (\S+) (\S+) pid=(\d+) frontend=(\d)$/gm)];
    await until(
      () => ready().length === 3 || cli.child.exitCode !== null,
      "three ready lines",
      30_000,
    );
    assert.equal(ready().length, 3, `stdout:\n${cli.out}\nstderr:\n${cli.err}`);
    const nodes = ready().map((m) => ({
      name: m[1]!,
      nodeId: m[2]!,
      type: m[3]!,
      pid: +m[4]!,
      frontend: m[5]!,
    }));
    assert.deepEqual(nodes.map((n) => `${n.name} ${n.type} ${n.frontend}`).sort(), [
      "backend-1 backend 0",
      "gate-1 gate 1",
      "gate-2 gate 1",
    ]);
    assert.equal(new Set(nodes.map((n) => n.nodeId)).size, 3, "node ids are unique");
    const natsPid = Number(
      /\[weft\] nats-server pid (\d+) on nats:\/\/127\.0\.0\.1:\d+/.exec(cli.err)?.[1],
    );
    assert.ok(natsPid > 0 && alive(natsPid), `nats-server announced: ${cli.err}`);

    // Both gates listen on the one port (WEFT_REUSE_PORT=1) and both get clients.
    const served = new Set<string>();
    for (let i = 0; i < MAX_CLIENTS && served.size < 2; i++) {
      const client = await connect(`ws://127.0.0.1:${port}/`);
      try {
        served.add((await client.request<{ nodeId: string }>("who.ami", {})).nodeId);
      } finally {
        client.close();
      }
    }
    const gates = nodes.filter((n) => n.type === "gate").map((n) => n.nodeId).sort();
    assert.deepEqual([...served].sort(), gates);

    cli.child.kill(signal);
    // Status 128 + the signal's number; Deno's node:child_process reports such an exit status
    // as the signal's name, so either is the launcher's own exit.
    const status = signal === "SIGTERM" ? 143 : 130;
    assert.ok([status, signal].includes(await cli.exited as never), cli.err);
    for (const n of nodes) {
      assert.match(cli.out, new RegExp(`^\\[${n.name}\\] stopping ${n.nodeId} ${signal}$`, "m"));
    }
    for (const pid of [natsPid, ...nodes.map((n) => n.pid)]) {
      await until(() => !alive(pid), `process ${pid} to be gone`, 10_000);
    }
  } finally {
    await stopGracefully(cli.child);
  }
}

/** Starts a cluster of one gate and one backend; resolves with the pids it printed. */
async function smallCluster(t: SkippableContext) {
  if (!requireNatsServer(t)) return undefined;
  const port = await freePort();
  const runtime = isDeno ? "deno" : "bun";
  const args = ["--gates", "1", "--backends", "1", "--port", String(port), "--runtime", runtime];
  const cli = launch(["nano", "cluster", ...args, NODE]);
  const ready = () => [...cli.out.matchAll(/^\[\S+\] ready \S+ \S+ pid=(\d+) frontend=\d$/gm)];
  await until(() => ready().length === 2 || cli.child.exitCode !== null, "two ready lines", 30_000);
  assert.equal(ready().length, 2, `stdout:\n${cli.out}\nstderr:\n${cli.err}`);
  const natsPid = Number(/\[weft\] nats-server pid (\d+)/.exec(cli.err)?.[1]);
  return { cli, natsPid, nodePids: ready().map((m) => Number(m[1])) };
}

describe("weft nano cluster", () => {
  test("nats-server + 2 gates + 1 backend come up; SIGTERM stops them all", async (t) => {
    await clusterComesUpAndDown("SIGTERM", t);
  });

  test("SIGINT (Ctrl-C) is forwarded as SIGINT", async (t) => {
    await clusterComesUpAndDown("SIGINT", t);
  });

  test("a node that exits is reported, nothing is restarted, the rest is stopped", async (t) => {
    if (!requireNatsServer(t)) return;
    // A node that fails at once: its script is missing.
    const cli = launch([
      "nano",
      "cluster",
      "--gates",
      "1",
      "--port",
      "0",
      join(ROOT, "tests/cli/_no_such_node.ts"),
    ]);
    assert.equal(await cli.exited, 1, cli.err);
    assert.match(cli.err, /\[weft\] gate-1 exited with status \d+; nothing is restarted/);
    const natsPid = Number(/\[weft\] nats-server pid (\d+)/.exec(cli.err)?.[1]);
    await until(() => !alive(natsPid), "nats-server to be gone", 10_000);
  });

  test("the launcher SIGKILLed: its watchdog stops the nodes and nats-server, removes the store", async (t) => {
    const cluster = await smallCluster(t);
    if (!cluster) return;
    const { cli, natsPid, nodePids } = cluster;
    try {
      // nats-server's store directory, from its command line (Linux /proc).
      const args = readFileSync(`/proc/${natsPid}/cmdline`, "utf8").split("\0");
      const store = args[args.indexOf("-sd") + 1]!;
      assert.match(store, /weft-cluster-nats-/);
      assert.ok(existsSync(store));
      cli.child.kill("SIGKILL"); // no chance to stop anything itself
      await cli.exited;
      for (const pid of [natsPid, ...nodePids]) {
        await until(() => !alive(pid), `process ${pid} to be gone`, 15_000);
      }
      await until(() => !existsSync(store), `${store} to be removed`, 5_000);
    } finally {
      await stopGracefully(cli.child);
    }
  });

  const io = (errors: string[], out: string[] = []) => ({
    args: [],
    stdin: async function* () {},
    stdinIsTerminal: () => true,
    write: (b: Uint8Array) => Promise.resolve(void out.push(new TextDecoder().decode(b))),
    error: (line: string) => Promise.resolve(void errors.push(line)),
    readFile: () => Promise.reject(new Error("no files")),
    onInterrupt: () => () => {},
  });

  test("usage errors say what was expected (status 2)", async () => {
    const cases: [string[], RegExp][] = [
      [["--gates", "2"], /expected the script/],
      [["--gates", "two", "app.ts"], /--gates expects a whole number/],
      [["--gates", "0", "app.ts"], /--gates or --backends ≥ 1/],
      [["--runtime", "node", "app.ts"], /--runtime expects deno or bun/],
      [["--nats", "localhost:4222", "app.ts"], /--nats expects nats:\/\/host:port/],
      [["--gate-type", "a.b", "app.ts"], /--gate-type expects a name/],
      [["--port", "70000", "app.ts"], /--port expects 0\.\.65535/],
      [["--gate", "2", "app.ts"], /did you mean --gates/],
    ];
    for (const [args, message] of cases) {
      const errors: string[] = [];
      assert.equal(await weft(["nano", "cluster", ...args], io(errors)), 2, args.join(" "));
      assert.match(errors.join("\n"), message);
    }
  });

  test("without nats-server it says what to install (status 1)", async () => {
    const errors: string[] = [];
    const argv = ["nano", "cluster", "--nats-server", "/nonexistent/nats-server", "app.ts"];
    assert.equal(await weft(argv, io(errors)), 1);
    assert.match(errors.join("\n"), /apt-get install nats-server/);
  });

  test("--help documents the environment contract", async () => {
    const out: string[] = [];
    assert.equal(await weft(["nano", "cluster", "--help"], io([], out)), 0);
    for (
      const name of [
        "WEFT_NATS_URL",
        "WEFT_SERVER_TYPE",
        "WEFT_NODE_ID",
        "WEFT_FRONTEND",
        "WEFT_REUSE_PORT",
        "PORT",
      ]
    ) {
      assert.match(out.join(""), new RegExp(name));
    }
  });
});
