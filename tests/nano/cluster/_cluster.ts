/**
 * Starting cluster nodes as child processes for the tests (Deno or Bun, either runtime
 * whatever runs the test), and waiting for what they report.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE = fileURLToPath(new URL("./_node.ts", import.meta.url));

/** The runtimes a node can run on. */
export type Runtime = "deno" | "bun";

/** The runtime running this test. */
export const THIS_RUNTIME: Runtime = "Deno" in globalThis ? "deno" : "bun";
/** The other one. */
export const OTHER_RUNTIME: Runtime = THIS_RUNTIME === "deno" ? "bun" : "deno";

function command(runtime: Runtime): [string, string[]] {
  if (runtime === THIS_RUNTIME) {
    return [process.execPath, runtime === "deno" ? ["run", "-A"] : []];
  }
  return runtime === "deno"
    ? [join(ROOT, "node_modules/deno/deno"), ["run", "-A"]]
    : [join(ROOT, "node_modules/bun/bin/bun.exe"), []];
}

/** A node running in a child process. */
export interface NodeProcess {
  readonly id: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM (a clean `app.close()`), waiting for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, waiting for the exit. */
  kill(): Promise<void>;
}

/** Every node started, so `after` hooks can kill what a failing test left. */
const running = new Set<NodeProcess>();

/**
 * Starts `_node.ts <role> <url> <id>` on `runtime` (with `env` added to this process's) and
 * waits for its `ready` line.
 */
export async function startNode(
  runtime: Runtime,
  role: "gate" | "gate-unique" | "chat" | "store",
  url: string,
  id: string,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const [cmd, pre] = command(runtime);
  const child = spawn(cmd, [...pre, NODE, role, url, id], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", ...env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const end = Date.now() + 30_000;
  while (!/ready \d+/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`node ${id} (${runtime} ${role}) did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(/ready (\d+)/.exec(out)![1]);
  const stopWith = async (signal: "SIGTERM" | "SIGKILL") => {
    running.delete(node);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const node: NodeProcess = {
    id,
    port,
    child,
    output: () => out,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
  };
  running.add(node);
  return node;
}

/** Kills every node still running (for `after` hooks). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((n) => n.kill()));
}

/** Polls `check` (which may be async) every 20 ms until it is true, at most `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
