/**
 * A real nats-server (Debian's `/usr/sbin/nats-server`, or `$WEFT_NATS_SERVER`) for the cluster
 * tests: started per test file on a free loopback port, stopped in `after`. When it is missing
 * the tests skip loudly; under CI=true a missing server fails them.
 *
 * Uses only `node:` modules so the same file runs under `deno test` and `bun test`.
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePort } from "../../interop/_peers.ts";

const CANDIDATES = [process.env.WEFT_NATS_SERVER, "/usr/sbin/nats-server", "/usr/bin/nats-server"];

/** The nats-server binary, or undefined when none is installed. */
export function natsServerPath(): string | undefined {
  for (const path of CANDIDATES) {
    if (!path || !existsSync(path)) continue;
    const r = spawnSync(path, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    if (r.status === 0) return path;
  }
  return undefined;
}

/**
 * Whether a test may run: true when nats-server is installed; otherwise it marks the test
 * skipped with what to install, or throws under CI=true.
 */
export function requireNatsServer(t: { skip?(message?: string): void } | undefined): boolean {
  if (natsServerPath()) return true;
  const message = "nats-server is missing: apt-get install nats-server (or set WEFT_NATS_SERVER)";
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: a missing peer fails)`);
  console.warn(`SKIPPED: ${message}`);
  t?.skip?.(message);
  return false;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** One running nats-server. */
export class NatsServer {
  /** Its client port. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  #path: string;
  #jetstream: boolean;
  #dir: string | undefined;
  #child: ChildProcess | undefined;
  #log = "";

  private constructor(path: string, port: number, jetstream: boolean) {
    this.#path = path;
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.#jetstream = jetstream;
  }

  /** Starts a server on a free port (JetStream in a temporary directory when asked). */
  static async start(options: { jetstream?: boolean } = {}): Promise<NatsServer> {
    const path = natsServerPath();
    if (!path) throw new Error("nats-server is missing (call requireNatsServer first)");
    const server = new NatsServer(path, await freePort(), options.jetstream ?? false);
    await server.#run();
    return server;
  }

  async #run(): Promise<void> {
    const args = ["-a", "127.0.0.1", "-p", String(this.port)];
    if (this.#jetstream) {
      this.#dir ??= mkdtempSync(join(tmpdir(), "weft-nats-"));
      args.push("-js", "-sd", this.#dir);
    }
    const child = spawn(this.#path, args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    child.stderr!.on("data", (d) => (this.#log = (this.#log + String(d)).slice(-4000)));
    const end = Date.now() + 10_000;
    while (child.exitCode === null && !(await accepts(this.port))) {
      if (Date.now() > end) throw new Error(`nats-server not accepting after 10 s: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${this.#log}`);
  }

  /** What the server logged last (for failure messages). */
  get log(): string {
    return this.#log;
  }

  /** Stops the server (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  }

  /**
   * Stops and starts it again on the same port (clients reconnect); `whileDown` runs between
   * the two (what nodes do during the outage).
   */
  async restart(whileDown?: () => Promise<void>): Promise<void> {
    await this.stop();
    try {
      await whileDown?.();
    } finally {
      await this.#run();
    }
  }

  /** Stops it and removes its storage. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
