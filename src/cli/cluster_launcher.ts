/**
 * The launcher behind `weft nano cluster`: starts Debian's `nats-server` on a free loopback port
 * (unless given a NATS URL), then N gate and M backend processes running one script, each told
 * its place through the environment `clusterEnv()` reads (src/nano/cluster/env.ts). It restarts
 * nothing: a process that exits is reported, and {@link LaunchedCluster.stop} ends them all.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import type { Readable } from "node:stream";
import { ClusterWatchdog } from "./cluster_watchdog.ts";

/** What to install when `nats-server` is missing. */
export const NATS_SERVER_HINT =
  "nats-server is not installed: apt-get install nats-server (Debian/Ubuntu; or put a nats-server " +
  "binary on PATH), or pass --nats nats://host:port of a running one";

/** The runtimes a cluster process can run on. */
export type ClusterRuntime = "deno" | "bun";

/** Options of {@link launchCluster}. */
export interface LaunchOptions {
  /** The script every node runs (gates and backends alike). */
  readonly script: string;
  /** Arguments after the script. */
  readonly scriptArgs?: readonly string[];
  /** Gate (frontend) processes: hold client connections, all on `port` with SO_REUSEPORT. */
  readonly gates: number;
  /** Backend processes: no client port. */
  readonly backends: number;
  /** A running NATS server's URL; without it a `nats-server` is started on a free port. */
  readonly nats?: string;
  /** The `nats-server` binary (default: found on PATH, /usr/sbin, /usr/local/bin…). */
  readonly natsServer?: string;
  /** The gates' client port. */
  readonly port: number;
  /** The runtime the nodes run on. */
  readonly runtime: ClusterRuntime;
  /** The gates' server type (`WEFT_SERVER_TYPE`). */
  readonly gateType: string;
  /** The backends' server type. */
  readonly backendType: string;
  /** Each line a process writes, with the process's name (`gate-1`, `nats-server`…). */
  readonly onLine: (name: string, stream: "stdout" | "stderr", line: string) => void;
  /** The environment the nodes inherit (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One process the launcher started. */
export interface ClusterProcess {
  /** `gate-1`, `backend-2`, `nats-server`. */
  readonly name: string;
  /** Its role. */
  readonly role: "gate" | "backend" | "nats-server";
  /** Its `WEFT_NODE_ID` (nodes only). */
  readonly nodeId?: string;
  /** Its process id. */
  readonly pid: number;
  /** Settles when it has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<ProcessExit>;
}

/** How a process ended. */
export interface ProcessExit {
  /** The process's name. */
  readonly name: string;
  /** Its exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: string | null;
}

/** What {@link launchCluster} returns. */
export interface LaunchedCluster {
  /** The NATS URL the nodes were given. */
  readonly natsUrl: string;
  /** The nats-server started (when no URL was given), then the gates, then the backends. */
  readonly processes: readonly ClusterProcess[];
  /** Stops every node with `signal` (SIGKILL after `graceMs`), then the nats-server it started. */
  stop(signal?: "SIGINT" | "SIGTERM", graceMs?: number): Promise<void>;
}

/** Where Debian and others put `nats-server` when PATH (e.g. a user's) does not have it. */
const NATS_SERVER_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"];

/**
 * The `nats-server` binary: `explicit` when given and present, else the first on PATH or in the
 * usual system directories; undefined when there is none.
 *
 * @example
 * ```ts
 * import { findNatsServer } from "./cluster_launcher.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findNatsServer("/nonexistent/nats-server"), undefined);
 * const found = findNatsServer(); // e.g. /usr/sbin/nats-server on Debian
 * assert.ok(found === undefined || found.endsWith("nats-server"));
 * ```
 */
export function findNatsServer(explicit?: string): string | undefined {
  if (explicit !== undefined) return existsSync(explicit) ? explicit : undefined;
  const path = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...path, ...NATS_SERVER_DIRS]) {
    const candidate = join(dir, "nats-server");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (bound to 0 then released). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` on 127.0.0.1 accepts a connection; rejects if `gone()` first. */
async function untilAccepting(port: number, gone: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) throw new Error("nats-server exited before it listened (see its lines above)");
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** The executable for `runtime`: this one's when it is the same, else a local or PATH copy. */
function runtimeExecutable(runtime: ClusterRuntime): string {
  const current: ClusterRuntime = "Bun" in globalThis ? "bun" : "deno";
  if (runtime === current) return process.execPath;
  const local = runtime === "deno" ? "node_modules/deno/deno" : "node_modules/bun/bin/bun.exe";
  return existsSync(local) ? local : runtime;
}

function runArgs(runtime: ClusterRuntime, script: string, args: readonly string[]): string[] {
  return runtime === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
}

/** Calls `onLine` for each line of `stream` (the last one too, without its newline). */
function eachLine(stream: Readable | null, onLine: (line: string) => void) {
  if (!stream) return;
  const decoder = new TextDecoder();
  let pending = "";
  stream.on("data", (chunk: Uint8Array) => {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  stream.on("end", () => {
    if (pending !== "") onLine(pending);
    pending = "";
  });
}

interface Started extends ClusterProcess {
  readonly child: ChildProcess;
  done: boolean;
}

function startProcess(
  name: string,
  role: ClusterProcess["role"],
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  onLine: LaunchOptions["onLine"],
  watchdog: ClusterWatchdog,
  nodeId?: string,
): Started {
  // Its own process group: Ctrl-C in a terminal reaches the launcher only, which forwards it
  // to the nodes and stops nats-server last (else nats-server would quit under the nodes).
  // The watchdog stops the group if the launcher dies without doing so.
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env, detached: true });
  if (child.pid) watchdog.guard(child.pid, role === "nats-server" ? "last" : "node");
  eachLine(child.stdout, (line) => onLine(name, "stdout", line));
  eachLine(child.stderr, (line) => onLine(name, "stderr", line));
  const started: Started = {
    name,
    role,
    ...(nodeId ? { nodeId } : {}),
    pid: child.pid ?? -1,
    child,
    done: false,
    exited: new Promise<ProcessExit>((resolve) => {
      child.once("error", (error) => {
        started.done = true;
        onLine(name, "stderr", `cannot start ${command}: ${error.message}`);
        resolve({ name, code: 127, signal: null });
      });
      child.once("exit", (code, signal) => {
        started.done = true;
        if (child.pid) watchdog.forget(child.pid);
        resolve({ name, code, signal });
      });
    }),
  };
  return started;
}

/** Sends `signal`, then SIGKILL to whatever is still running after `graceMs`. */
async function stopAll(processes: readonly Started[], signal: string, graceMs: number) {
  const live = processes.filter((p) => !p.done);
  for (const p of live) p.child.kill(signal as NodeJS.Signals);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
  await Promise.race([Promise.all(live.map((p) => p.exited)), grace]);
  clearTimeout(timer);
  const stuck = live.filter((p) => !p.done);
  for (const p of stuck) p.child.kill("SIGKILL");
  await Promise.all(stuck.map((p) => p.exited));
}

/** A short random suffix that keeps node ids unique across launches. */
function launchTag(): string {
  return Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0");
}

/**
 * Starts a cluster: a `nats-server` on a free loopback port (JetStream on, store in a temp
 * directory) unless `nats` is given, then `gates` gate and `backends` backend processes running
 * `script` on `runtime`, each with `WEFT_NATS_URL`, `WEFT_SERVER_TYPE`, `WEFT_NODE_ID`,
 * `WEFT_FRONTEND`, `WEFT_REUSE_PORT` and (gates) `PORT` set. Rejects, with the package to
 * install, when no `nats` is given and `nats-server` is not installed. If this process dies
 * without {@link LaunchedCluster.stop} (SIGKILL, a crash), a watchdog stops every process it
 * started, nats-server last, and removes nats-server's store (see cluster_watchdog.ts).
 *
 * @example
 * ```ts ignore
 * import { launchCluster } from "./cluster_launcher.ts";
 * const cluster = await launchCluster({
 *   script: "examples/chat/main.ts", gates: 2, backends: 1, port: 3250, runtime: "deno",
 *   gateType: "gate", backendType: "chat",
 *   onLine: (name, _stream, line) => console.log(`[${name}] ${line}`),
 * });
 * await cluster.stop("SIGTERM");
 * ```
 */
export async function launchCluster(options: LaunchOptions): Promise<LaunchedCluster> {
  const baseEnv = options.env ?? process.env;
  const started: Started[] = [];
  let natsServer: Started | undefined;
  let storeDir: string | undefined;
  let natsUrl = options.nats;
  const binary = natsUrl === undefined ? findNatsServer(options.natsServer) : undefined;
  if (natsUrl === undefined && !binary) throw new Error(NATS_SERVER_HINT);
  const watchdog = new ClusterWatchdog();
  if (natsUrl === undefined) {
    const port = await freeLoopbackPort();
    storeDir = mkdtempSync(join(tmpdir(), "weft-cluster-nats-"));
    watchdog.removeOnDeath(storeDir);
    natsServer = startProcess(
      "nats-server",
      "nats-server",
      binary!,
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
      baseEnv,
      options.onLine,
      watchdog,
    );
    try {
      await untilAccepting(port, () => natsServer!.done, 10_000);
    } catch (error) {
      await stopAll([natsServer], "SIGTERM", 2000);
      rmSync(storeDir, { recursive: true, force: true });
      await watchdog.release();
      throw error;
    }
    natsUrl = `nats://127.0.0.1:${port}`;
  }
  const command = runtimeExecutable(options.runtime);
  const args = runArgs(options.runtime, options.script, options.scriptArgs ?? []);
  const tag = launchTag();
  const node = (role: "gate" | "backend", i: number) => {
    const name = `${role}-${i}`;
    const nodeId = `${name}-${tag}`;
    const env: Record<string, string | undefined> = {
      ...baseEnv,
      WEFT_NATS_URL: natsUrl,
      WEFT_SERVER_TYPE: role === "gate" ? options.gateType : options.backendType,
      WEFT_NODE_ID: nodeId,
      WEFT_FRONTEND: role === "gate" ? "1" : "0",
      WEFT_REUSE_PORT: role === "gate" ? "1" : "0",
      PORT: role === "gate" ? String(options.port) : undefined,
      DENO_NO_UPDATE_CHECK: baseEnv.DENO_NO_UPDATE_CHECK ?? "1",
    };
    if (role !== "gate") delete env.PORT;
    started.push(startProcess(name, role, command, args, env, options.onLine, watchdog, nodeId));
  };
  for (let i = 1; i <= options.gates; i++) node("gate", i);
  for (let i = 1; i <= options.backends; i++) node("backend", i);
  let stopping: Promise<void> | undefined;
  return {
    natsUrl,
    processes: natsServer ? [natsServer, ...started] : [...started],
    stop(signal = "SIGTERM", graceMs = 5000) {
      stopping ??= (async () => {
        await stopAll(started, signal, graceMs);
        if (natsServer) await stopAll([natsServer], "SIGTERM", graceMs);
        if (storeDir) rmSync(storeDir, { recursive: true, force: true });
        await watchdog.release();
      })();
      return stopping;
    },
  };
}
