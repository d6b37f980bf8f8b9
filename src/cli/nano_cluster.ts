/**
 * `weft nano cluster`: one weft/nano script as N gates and M backends on this machine, over a
 * `nats-server` it starts itself (see {@link launchCluster}). Its `--help` text is the reference.
 * @module
 */

import { intFlag, parseArgs, UsageError } from "./args.ts";
import type { FlagSpec } from "./args.ts";
import { type ClusterRuntime, launchCluster, type ProcessExit } from "./cluster_launcher.ts";
import type { CliIo, InterruptSignal } from "./io.ts";

/** `weft nano cluster --help`. */
const CLUSTER_HELP = `weft nano cluster — run a weft/nano app as gates and backends on this machine

Usage:
  weft nano cluster --gates N --backends M [--nats URL] [--port P] [--runtime deno|bun]
                    [--gate-type T] [--backend-type T] [--keep-going] <script.ts> [-- args...]

  --gates N            gate processes: hold client connections, all on --port (SO_REUSEPORT,
                       the kernel spreads clients among them); default 1
  --backends M         backend processes: no client port; default 0
  --nats URL           a running NATS server (nats://host:port); without it nats-server is
                       started on a free 127.0.0.1 port (JetStream on) and stopped at the end
  --nats-server PATH   the nats-server binary (default: PATH, /usr/sbin, /usr/local/bin)
  --port P             the gates' client port (default 3250)
  --runtime R          deno or bun (default: the one running weft)
  --gate-type T        the gates' server type (default gate)
  --backend-type T     the backends' server type (default backend)
  --keep-going         when a process exits, keep the others running (default: stop them all)
  -h, --help           this help

Each process runs the script with WEFT_NATS_URL, WEFT_SERVER_TYPE, WEFT_NODE_ID (unique),
WEFT_FRONTEND (1 gates, 0 backends), WEFT_REUSE_PORT (1 gates) and PORT (gates) set; the
script passes clusterEnv() from weft/nano's cluster module to its App. Every line a process
writes is printed prefixed with its name ([gate-1], [backend-1], [nats-server]). Nothing is
restarted: an exit is reported, then the cluster is stopped (unless --keep-going). Ctrl-C or
SIGTERM is forwarded to every node, then nats-server is stopped.

Needs nats-server unless --nats is given: apt-get install nats-server (Debian/Ubuntu).

Examples:
  weft nano cluster --gates 2 --backends 1 examples/chat/main.ts
  weft nano cluster --gates 4 --nats nats://127.0.0.1:4222 --runtime bun server.ts
`;

const FLAGS: Record<string, FlagSpec> = {
  gates: { kind: "string" },
  backends: { kind: "string" },
  nats: { kind: "string" },
  "nats-server": { kind: "string" },
  port: { kind: "string" },
  runtime: { kind: "string" },
  "gate-type": { kind: "string" },
  "backend-type": { kind: "string" },
  "keep-going": { kind: "boolean" },
  help: { kind: "boolean", short: "h" },
};

const SERVER_TYPE = /^[A-Za-z0-9_-]+$/;
const SIGNAL_STATUS: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

function serverType(value: string | undefined, flag: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (!SERVER_TYPE.test(value)) {
    throw new UsageError(`--${flag} expects a name of letters, digits, _ or -, got "${value}"`);
  }
  return value;
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `was ended by ${exit.signal}` : `exited with status ${exit.code}`;
}

/**
 * Runs `weft nano cluster` with `argv` (after `nano cluster`); returns the exit status: 2 usage
 * error, 1 when it could not start or a process exited on its own, 130/143 after SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * import { weft } from "./weft.ts";
 * import assert from "node:assert/strict";
 * const errors: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async () => {}, error: async (line: string) => void errors.push(line),
 *   readFile: () => Promise.reject(new Error("no files")), onInterrupt: () => () => {},
 * };
 * // --nats-server names a binary that is not there: it says what to install.
 * const argv = ["nano", "cluster", "--nats-server", "/nonexistent/nats-server", "app.ts"];
 * const status = await weft(argv, io);
 * assert.equal(status, 1);
 * assert.match(errors.join("\n"), /apt-get install nats-server/);
 * ```
 */
export async function nanoCluster(argv: readonly string[], io: CliIo): Promise<number> {
  const encoder = new TextEncoder();
  const args = parseArgs(argv, FLAGS);
  if (args.booleans.has("help")) {
    await io.write(encoder.encode(CLUSTER_HELP));
    return 0;
  }
  const [script, ...scriptArgs] = args.positionals;
  if (script === undefined) throw new UsageError("expected the script to run (e.g. main.ts)");
  const gates = intFlag(args, "gates", 1);
  const backends = intFlag(args, "backends", 0);
  if (gates + backends === 0) throw new UsageError("expected --gates or --backends ≥ 1");
  const port = intFlag(args, "port", 3250);
  if (port > 65535) throw new UsageError(`--port expects 0..65535, got ${port}`);
  const runtimeText = args.strings.get("runtime") ?? ("Bun" in globalThis ? "bun" : "deno");
  if (runtimeText !== "deno" && runtimeText !== "bun") {
    throw new UsageError(`--runtime expects deno or bun, got "${runtimeText}"`);
  }
  const runtime: ClusterRuntime = runtimeText;
  const nats = args.strings.get("nats");
  if (nats !== undefined && !/^(nats|tls|ws|wss):\/\/[^\s]+$/.test(nats)) {
    throw new UsageError(`--nats expects nats://host:port, got "${nats}"`);
  }
  const natsServer = args.strings.get("nats-server");
  const note = (line: string) => io.error(`[weft] ${line}`);

  // Lines go out in order, stdout and stderr each; a node's output never waits for another's.
  let writing = Promise.resolve();
  const onLine = (name: string, stream: "stdout" | "stderr", line: string) => {
    const text = `[${name}] ${line}`;
    writing = writing.then(() =>
      stream === "stdout" ? io.write(encoder.encode(text + "\n")) : io.error(text)
    );
  };

  let interrupted: InterruptSignal | undefined;
  let wake!: () => void;
  const woken = new Promise<void>((r) => (wake = r));
  const stopListening = io.onInterrupt((signal) => {
    interrupted ??= signal;
    wake();
  });
  try {
    const cluster = await launchCluster({
      script,
      scriptArgs,
      gates,
      backends,
      port,
      runtime,
      gateType: serverType(args.strings.get("gate-type"), "gate-type", "gate"),
      backendType: serverType(args.strings.get("backend-type"), "backend-type", "backend"),
      onLine,
      ...(nats !== undefined ? { nats } : {}),
      ...(natsServer !== undefined ? { natsServer } : {}),
    });
    for (const p of cluster.processes) {
      const what = p.role === "nats-server"
        ? `on ${cluster.natsUrl}`
        : `node ${p.nodeId}${p.role === "gate" ? `, port ${port}` : ""}`;
      await note(`${p.name} pid ${p.pid} ${what}`);
    }
    if (nats !== undefined) await note(`nodes use the NATS server at ${nats}`);
    const keepGoing = args.booleans.has("keep-going");
    let failed = false;
    let live = cluster.processes.length;
    for (const p of cluster.processes) {
      void p.exited.then(async (exit) => {
        live--;
        if (interrupted) return;
        await note(`${exit.name} ${describeExit(exit)}; nothing is restarted`);
        if (exit.code !== 0 || exit.signal) failed = true;
        if (!keepGoing || live === 0 || p.role === "nats-server") wake();
      });
    }
    await woken;
    await note(interrupted ? `${interrupted}: stopping the cluster` : "stopping the cluster");
    await cluster.stop(interrupted ?? "SIGTERM");
    await writing;
    await note("stopped");
    return interrupted ? SIGNAL_STATUS[interrupted] : failed ? 1 : 0;
  } finally {
    stopListening();
    await writing;
  }
}
