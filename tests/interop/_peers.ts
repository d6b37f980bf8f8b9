/**
 * Foreign peers for interop tests: a scriptable libzmq peer (pyzmq, tests/interop/peers/zmq_peer.py)
 * and nng's `nngcat`, plus the house rule for missing peers (skip loudly; under CI=true, fail).
 *
 * Uses only `node:` modules so the same file runs under `deno test` and `bun test`.
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { within } from "../_helpers.ts";

/** Names of the foreign peers a test can ask for. */
export const PEERS = {
  "python3-zmq": "apt-get install python3-zmq (pyzmq for /usr/bin/python3; or set WEFT_PYTHON)",
  "nngcat": "apt-get install nng-utils",
  "cc-libzmq": "apt-get install gcc libzmq3-dev",
  "cc-libnng": "apt-get install gcc libnng-dev",
  "node": "install Node.js (node on PATH; npm ci puts the test clients in node_modules)",
  "chromium": "apt-get install chromium (/usr/bin/chromium, or set WEFT_CHROMIUM)",
  "openssl": "apt-get install openssl (makes throwaway certificates for the TLS tests)",
  "python3": "apt-get install python3 (/usr/bin/python3: a listener that never accepts)",
} as const;

/** One of the keys of {@link PEERS}. */
export type PeerName = keyof typeof PEERS;

/** The bit of a `node:test` context that {@link requirePeer} uses (works for Deno and Bun). */
export interface SkippableContext {
  /** Marks the running test as skipped, when the runner supports it. */
  skip?(message?: string): void;
}

/** Path of the pyzmq peer script. */
export const ZMQ_PEER_SCRIPT: string = fileURLToPath(
  new URL("./peers/zmq_peer.py", import.meta.url),
);

function runs(cmd: string, args: string[], input?: string): boolean {
  try {
    const r = spawnSync(cmd, args, {
      stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
      timeout: 20_000,
      ...(input === undefined ? {} : { input }),
    });
    return r.status === 0;
  } catch {
    return false;
  }
}

/**
 * The first Python interpreter that can `import zmq`: `$WEFT_PYTHON`, then `/usr/bin/python3`
 * (Debian's python3-zmq), then `python3` from PATH.
 *
 * @example
 * ```ts
 * import { zmqPython } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * const py = zmqPython();
 * assert.ok(py === undefined || py.length > 0);
 * ```
 */
export function zmqPython(): string | undefined {
  const candidates = [process.env.WEFT_PYTHON, "/usr/bin/python3", "python3"];
  for (const py of candidates) {
    if (py && runs(py, ["-c", "import zmq"])) return py;
  }
  return undefined;
}

function compiles(lib: string, source: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), "weft-cc-"));
  try {
    const out = join(dir, "probe");
    return runs("cc", ["-x", "c", "-", "-o", out, `-l${lib}`], source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether a foreign peer is usable on this machine (checked afresh on every call).
 *
 * @example
 * ```ts
 * import { peerAvailable } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof peerAvailable("nngcat"), "boolean");
 * ```
 */
export function peerAvailable(name: PeerName): boolean {
  switch (name) {
    case "python3-zmq":
      return zmqPython() !== undefined;
    case "nngcat":
      return runs("nngcat", ["--version"]);
    case "cc-libzmq":
      return compiles(
        "zmq",
        "#include <zmq.h>\nint main(void){void*c=zmq_ctx_new();return c?zmq_ctx_term(c):1;}\n",
      );
    case "cc-libnng":
      return compiles(
        "nng",
        "#include <nng/nng.h>\nint main(void){return nng_version()?0:1;}\n",
      );
    case "node":
      return runs("node", ["--version"]);
    case "chromium":
      return runs(process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium", ["--version"]);
    case "openssl":
      return runs("openssl", ["version"]);
    case "python3":
      return runs("/usr/bin/python3", ["--version"]);
  }
}

/**
 * The house rule for a test that needs a foreign peer: returns true when the peer is there.
 * Otherwise it warns loudly (naming the package to install) and marks the test skipped, returning
 * false, except under `CI=true`, where it throws so the test fails.
 *
 * @example
 * ```ts
 * import { requirePeer } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * const ctx = { skip(_message?: string) {} };
 * let ok = false;
 * try {
 *   ok = requirePeer(ctx, "nngcat");
 * } catch (e) {
 *   assert.match(String(e), /nng-utils/); // CI=true and nngcat missing
 * }
 * assert.equal(typeof ok, "boolean");
 * ```
 */
export function requirePeer(t: SkippableContext | undefined, name: PeerName): boolean {
  if (peerAvailable(name)) return true;
  const message = `interop peer "${name}" is missing: ${PEERS[name]}`;
  if (process.env.CI === "true") {
    throw new Error(`${message} (CI=true: a missing peer fails the test)`);
  }
  console.warn(`\n!!!! SKIPPING: ${message}\n`);
  t?.skip?.(message);
  return false;
}

/**
 * A free TCP port on 127.0.0.1 (bound to 0, then released; another process may still take it).
 *
 * @example
 * ```ts
 * import { freePort } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * const port = await freePort();
 * assert.ok(port > 0 && port < 65536);
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      server.close(() => port > 0 ? resolve(port) : reject(new Error("no port from listen(0)")));
    });
  });
}

/**
 * A fresh path for an `ipc://` endpoint in the temp directory (the file itself is not created).
 *
 * @example
 * ```ts
 * import { tempIpcPath } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * assert.notEqual(tempIpcPath("a"), tempIpcPath("a"));
 * ```
 */
export function tempIpcPath(tag: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(tmpdir(), `weft-${tag}-${process.pid}-${rand}.sock`);
}

/** Options of {@link waitForListener}. */
export interface WaitForListenerOptions {
  /** Give up after this many ms (default 10000). */
  timeoutMs?: number;
}

/**
 * Linux: whether the kernel lists a listening socket for the endpoint (no connection is made).
 * undefined when /proc/net is not readable.
 */
function procListening(
  tcpPort: number | undefined,
  ipcPath: string | undefined,
): boolean | undefined {
  try {
    if (ipcPath !== undefined) {
      // Columns: Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = accepting.
      return readFileSync("/proc/net/unix", "utf8").split("\n").some((l) => {
        const f = l.trim().split(/\s+/);
        return f[7] === ipcPath && f[3] === "00010000";
      });
    }
    const port = tcpPort!.toString(16).toUpperCase().padStart(4, "0");
    return ["/proc/net/tcp", "/proc/net/tcp6"].some((file) =>
      existsSync(file) &&
      readFileSync(file, "utf8").split("\n").some((l) => {
        const f = l.trim().split(/\s+/);
        return f[1]?.endsWith(`:${port}`) === true && f[3] === "0A"; // 0A = LISTEN
      })
    );
  } catch {
    return undefined;
  }
}

function connects(
  tcp: [string, number] | undefined,
  ipcPath: string | undefined,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = tcp ? connect({ host: tcp[0], port: tcp[1] }) : connect({ path: ipcPath! });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/**
 * Resolves once something listens on a `tcp://host:port` or `ipc:///path` endpoint (for peers
 * such as nngcat whose dial fails if nobody listens yet). On Linux it reads /proc/net and makes no
 * connection: a probe connection that hangs up mid-handshake can stall nng 1.5.2's ipc listener.
 * Elsewhere it retries a plain connect.
 *
 * @example
 * ```ts
 * import { waitForListener } from "./_peers.ts";
 * import { createServer } from "node:net";
 * const server = createServer((s) => s.destroy());
 * await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
 * const addr = server.address();
 * const port = typeof addr === "object" && addr ? addr.port : 0;
 * await waitForListener(`tcp://127.0.0.1:${port}`);
 * await new Promise((r) => server.close(r));
 * ```
 */
export async function waitForListener(
  endpoint: string,
  options: WaitForListenerOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const m = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)$/.exec(endpoint);
  const tcp: [string, number] | undefined = m
    ? [m[1]!.replace(/^\[|\]$/g, ""), Number(m[2])]
    : undefined;
  const ipcPath = /^ipc:\/\/(.+)$/.exec(endpoint)?.[1];
  if (!tcp && ipcPath === undefined) {
    throw new Error(`expected tcp://host:port or ipc://path, got ${endpoint}`);
  }
  let delay = 5;
  for (;;) {
    const listed = procListening(tcp?.[1], ipcPath);
    if (listed ?? await connects(tcp, ipcPath)) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${endpoint} in time`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Splits a child's output into lines and lets callers await the next one. */
class LineQueue {
  #buffer = "";
  #lines: string[] = [];
  #waiters: Array<(line: string | undefined) => void> = [];
  #ended = false;

  push(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
      this.#buffer = this.#buffer.slice(nl + 1);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    }
  }

  end(): void {
    if (this.#buffer.length > 0) this.push("\n");
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  /** The next line, or undefined at end of stream. */
  next(): Promise<string | undefined> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** How a child process ended. */
export interface ExitStatus {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: string | null;
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
}

/** A reply line from zmq_peer.py. */
export interface PeerReply {
  /** true on success; otherwise `error` says why. */
  ok: boolean;
  /** Why the command failed. */
  error?: string;
  /** The op this answers. */
  op?: string;
  /** Other fields depend on the op (endpoint, frames, count, …). */
  [key: string]: unknown;
}

/** An asynchronous line from zmq_peer.py (monitor events: CONNECTED, ACCEPTED, …). */
export interface PeerEvent {
  /** Event name, e.g. "HANDSHAKE_SUCCEEDED". */
  event: string;
  /** Other fields: id, value, endpoint. */
  [key: string]: unknown;
}

/** A command for zmq_peer.py: `{ op: "bind", endpoint: "tcp://127.0.0.1:0" }` etc. */
export interface PeerCommand {
  /** socket, bind, connect, send, recv, echo, sendmany, recvmany, monitor, close, exit, … */
  op: string;
  /** Operands of the op. */
  [key: string]: unknown;
}

/** Options of {@link ZmqPeer.call}. */
export interface CallOptions {
  /** Fail the call (and kill the peer) after this many ms; default: 20 s + the command's timeout. */
  timeoutMs?: number;
}

/** Options of {@link ZmqPeer.nextEvent}. */
export interface NextEventOptions {
  /** Only events with one of these names (others stay queued). */
  name?: string | readonly string[];
  /** Give up after this many ms (default 10000). */
  timeoutMs?: number;
}

/**
 * A running zmq_peer.py: one libzmq socket scripted by JSON commands. Start with
 * {@link startZmqPeer}.
 */
export class ZmqPeer {
  #child: ChildProcess;
  #exited: Promise<ExitStatus>;
  #replies: Array<{ resolve: (r: PeerReply) => void; reject: (e: Error) => void }> = [];
  #events: PeerEvent[] = [];
  #eventWaiters: Array<{ match: (e: PeerEvent) => boolean; resolve: (e: PeerEvent) => void }> = [];
  #stderr = "";
  #dead = false;
  #closing: Promise<void> | undefined;

  /** @internal use {@link startZmqPeer}. */
  constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = exitOf(child);
    const lines = new LineQueue();
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => lines.push(chunk));
    child.stdout!.on("end", () => lines.end());
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-20_000);
    });
    child.stdin!.on("error", () => {}); // EPIPE after the peer died is reported via exit
    void this.#pump(lines);
    void this.#exited.then((status) => this.#fail(status));
  }

  async #pump(lines: LineQueue): Promise<void> {
    for (;;) {
      const line = await lines.next();
      if (line === undefined) return;
      if (line.trim() === "") continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.#stderr += `\n[non-JSON stdout] ${line}`;
        continue;
      }
      if (typeof obj.event === "string") this.#deliver(obj as PeerEvent);
      else this.#replies.shift()?.resolve(obj as PeerReply);
    }
  }

  #deliver(e: PeerEvent): void {
    const i = this.#eventWaiters.findIndex((w) => w.match(e));
    if (i >= 0) this.#eventWaiters.splice(i, 1)[0]!.resolve(e);
    else this.#events.push(e);
  }

  #fail(status: ExitStatus): void {
    this.#dead = true;
    const err = new Error(
      `zmq_peer.py exited (code ${status.code}, signal ${status.signal}); stderr: ${this.#stderr}`,
    );
    for (const r of this.#replies.splice(0)) r.reject(err);
  }

  /** The process id of the python peer. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** What the peer wrote to stderr so far (tail). */
  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves when the peer process has ended. */
  get exited(): Promise<ExitStatus> {
    return this.#exited;
  }

  /**
   * Sends one command and resolves with its reply (also when `ok` is false). Rejects if the peer
   * dies or does not answer in time; a timed-out peer is killed, since it is out of step.
   */
  call(cmd: PeerCommand, options: CallOptions = {}): Promise<PeerReply> {
    if (this.#dead) return Promise.reject(new Error("zmq_peer.py is not running"));
    const cmdTimeout = typeof cmd.timeout === "number" ? cmd.timeout : 5000;
    const ms = options.timeoutMs ?? 20_000 + cmdTimeout;
    const reply = new Promise<PeerReply>((resolve, reject) => {
      this.#replies.push({ resolve, reject });
    });
    this.#child.stdin!.write(JSON.stringify(cmd) + "\n");
    return within(reply, `reply to ${JSON.stringify(cmd).slice(0, 200)}`, ms).catch((e) => {
      if (!this.#dead) this.#child.kill("SIGKILL");
      throw e;
    });
  }

  /** Like {@link ZmqPeer.call} but rejects when the reply has `ok: false`. */
  async ok(cmd: PeerCommand, options: CallOptions = {}): Promise<PeerReply> {
    const reply = await this.call(cmd, options);
    if (!reply.ok) {
      throw new Error(`zmq_peer.py ${cmd.op} failed: ${reply.error ?? JSON.stringify(reply)}`);
    }
    return reply;
  }

  /** The next queued or future event (optionally only the named ones), within a deadline. */
  nextEvent(options: NextEventOptions = {}): Promise<PeerEvent> {
    const names = options.name === undefined
      ? undefined
      : typeof options.name === "string"
      ? [options.name]
      : options.name;
    const match = (e: PeerEvent) => names === undefined || names.includes(e.event);
    const i = this.#events.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#events.splice(i, 1)[0]!);
    let waiter: { match: (e: PeerEvent) => boolean; resolve: (e: PeerEvent) => void };
    const p = new Promise<PeerEvent>((resolve) => {
      waiter = { match, resolve };
      this.#eventWaiters.push(waiter);
    });
    const what = `event ${names ? names.join("|") : "(any)"}`;
    return within(p, what, options.timeoutMs ?? 10_000).catch((e) => {
      const j = this.#eventWaiters.indexOf(waiter);
      if (j >= 0) this.#eventWaiters.splice(j, 1);
      throw e;
    });
  }

  /** Events as they come; ends when no event arrives within `idleMs` (default 10 s) or on exit. */
  async *events(idleMs = 10_000): AsyncIterableIterator<PeerEvent> {
    while (!this.#dead || this.#events.length > 0) {
      try {
        yield await this.nextEvent({ timeoutMs: idleMs });
      } catch {
        return;
      }
    }
  }

  /** Asks the peer to exit (closing its socket), kills it if it does not; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#dead) {
        this.#child.stdin!.write(JSON.stringify({ op: "exit" }) + "\n");
        this.#child.stdin!.end();
        try {
          await within(this.#exited, "zmq_peer.py to exit", 5000);
        } catch {
          this.#child.kill("SIGKILL");
        }
      }
      await this.#exited;
    })();
    return this.#closing;
  }
}

/** Options of {@link startZmqPeer}. */
export interface StartZmqPeerOptions {
  /** Python interpreter with pyzmq (default: {@link zmqPython}). */
  python?: string;
  /** Deadline for the peer's ready line (default 15000 ms). */
  timeoutMs?: number;
  /** The peer script (default {@link ZMQ_PEER_SCRIPT}): one speaking zmq_peer.py's protocol, e.g. zmq_auth_peer.py. */
  script?: string;
}

/**
 * Starts tests/interop/peers/zmq_peer.py and waits for its ready line.
 *
 * @example
 * ```ts
 * import { peerAvailable, startZmqPeer } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * if (peerAvailable("python3-zmq")) {
 *   const peer = await startZmqPeer();
 *   assert.equal((await peer.call({ op: "socket", type: "PAIR" })).ok, true);
 *   await peer.close();
 * }
 * ```
 */
export async function startZmqPeer(options: StartZmqPeerOptions = {}): Promise<ZmqPeer> {
  const python = options.python ?? zmqPython();
  if (python === undefined) throw new Error(`no python with pyzmq: ${PEERS["python3-zmq"]}`);
  const child = spawn(python, ["-u", options.script ?? ZMQ_PEER_SCRIPT], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const peer = new ZmqPeer(child);
  try {
    const ready = await Promise.race([
      peer.nextEvent({ name: ["ready", "fatal"], timeoutMs: options.timeoutMs ?? 15_000 }),
      peer.exited.then((s) => {
        throw new Error(`zmq_peer.py exited at start (code ${s.code}): ${peer.stderr}`);
      }),
    ]);
    if (ready.event !== "ready") throw new Error(`zmq_peer.py: ${String(ready.error)}`);
  } catch (e) {
    await peer.close();
    throw e;
  }
  return peer;
}

/** A running `nngcat`, with its stdout split into lines. */
export interface NngcatProcess {
  /** The process id. */
  readonly pid: number | undefined;
  /** The next unread stdout line; rejects at end of output or after `timeoutMs` (default 10 s). */
  nextLine(timeoutMs?: number): Promise<string>;
  /** All stdout lines not yet read, after the process has ended. */
  rest(): Promise<string[]>;
  /** stderr so far. */
  readonly stderr: string;
  /** Resolves when the process has ended. */
  readonly exited: Promise<ExitStatus>;
  /** Terminates the process (SIGTERM, then SIGKILL after 3 s) and waits; idempotent. */
  close(): Promise<void>;
}

/**
 * Spawns `nngcat` with the given arguments (see sp-and-nng.md §3 for the flags).
 *
 * @example
 * ```ts
 * import { peerAvailable, startNngcat } from "./_peers.ts";
 * import assert from "node:assert/strict";
 * if (peerAvailable("nngcat")) {
 *   const cat = startNngcat(["--version"]);
 *   assert.match(await cat.nextLine(), /\d+\.\d+\.\d+/);
 *   await cat.close();
 * }
 * ```
 */
export function startNngcat(args: string[]): NngcatProcess {
  const child = spawn("nngcat", args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = exitOf(child);
  const lines = new LineQueue();
  let stderr = "";
  let spawnError = "";
  child.on("error", (e) => {
    spawnError = String(e);
  });
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => lines.push(chunk));
  child.stdout!.on("end", () => lines.end());
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let closing: Promise<void> | undefined;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    pid: child.pid,
    async nextLine(timeoutMs = 10_000) {
      const line = await within(lines.next(), `a line from nngcat ${args[0]}`, timeoutMs);
      if (line === undefined) {
        throw new Error(
          `nngcat ${args.join(" ")} ended without more output: ${stderr}${spawnError}`,
        );
      }
      return line;
    },
    async rest() {
      await exited;
      const out: string[] = [];
      for (let l = await lines.next(); l !== undefined; l = await lines.next()) out.push(l);
      return out;
    },
    get stderr() {
      return stderr + spawnError;
    },
    exited,
    close() {
      closing ??= (async () => {
        if (!done) {
          child.kill("SIGTERM");
          try {
            await within(exited, "nngcat to exit", 3000);
          } catch {
            child.kill("SIGKILL");
          }
        }
        await exited;
      })();
      return closing;
    },
  };
}

/**
 * Removes an ipc socket file if it is still there (test cleanup).
 *
 * @example
 * ```ts
 * import { removeIpcFile, tempIpcPath } from "./_peers.ts";
 * removeIpcFile(tempIpcPath("gone")); // no file: nothing to do
 * ```
 */
export function removeIpcFile(path: string): void {
  if (existsSync(path)) rmSync(path, { force: true });
}

/**
 * Runs `body` with a fresh scope from `make` when the pyzmq peer is installed (skips loudly
 * otherwise), and disposes the scope (its sockets and peers) whatever happens.
 */
export async function withPyzmqScope<S extends { dispose(): Promise<void> }>(
  t: SkippableContext,
  make: () => S,
  body: (scope: S) => Promise<void>,
): Promise<void> {
  if (!requirePeer(t, "python3-zmq")) return;
  const scope = make();
  try {
    await body(scope);
  } finally {
    await scope.dispose();
  }
}

/** Every event `socket` emits from now on, in order. */
export function recordEvents<E>(
  socket: { events: { on(type: "*", fn: (e: E) => void): unknown } },
): E[] {
  const seen: E[] = [];
  socket.events.on("*", (e) => seen.push(e));
  return seen;
}
