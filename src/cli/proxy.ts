/**
 * `weft zmq proxy`: runs a {@link Proxy} between two sockets given on the command line, with an
 * optional capture socket and a control socket. Its `--help` text is the reference.
 * @module
 */

import { Proxy } from "../patterns/zmq/proxy.ts";
import type { ProxyStatistics } from "../patterns/zmq/proxy.ts";
import type { Socket, SocketOptions } from "../zmq.ts";
import { parseArgs, UsageError } from "./args.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import type { CliIo } from "./io.ts";
import { abilities, attach, createSocket, toSocketType } from "./sockets.ts";
import { SECURITY_HELP, securityFlags, securityOptions } from "./security_flags.ts";
import type { CliSocketType } from "./sockets.ts";

/** `weft zmq proxy --help`. */
const PROXY_HELP = `weft zmq proxy — a ZeroMQ proxy (queue, forwarder or streamer)

Usage:
  weft zmq proxy --frontend-type T (--frontend-bind URL | --frontend-connect URL)...
                 --backend-type T (--backend-bind URL | --backend-connect URL)...
                 [--capture URL] [--control URL]

Shapes (set both types at once):
  --queue                ROUTER frontend ⇄ DEALER backend: REQ clients → REP workers
  --forwarder            XSUB frontend ⇄ XPUB backend: PUB publishers → SUB subscribers
  --streamer             PULL frontend → PUSH backend: PUSH producers → PULL consumers

Sockets:
  --frontend-type T      frontend socket type (router, xsub, pull, dealer, pair, …)
  --frontend-bind URL    bind the frontend (repeatable)
  --frontend-connect URL connect the frontend (repeatable)
  --backend-type T       backend socket type (dealer, xpub, push, router, pair, …)
  --backend-bind URL     bind the backend (repeatable)
  --backend-connect URL  connect the backend (repeatable)
  --capture URL          bind a socket that gets a copy of every message
  --capture-type T       its type: pub (default), push, dealer or pair
  --control URL          bind a control socket taking PAUSE, RESUME, TERMINATE, STATISTICS
  --control-type T       its type: rep (default; replies to every command) or pair
  -h, --help             this help

${SECURITY_HELP}  (on a proxy the --curve-* and --plain-* flags set the frontend; the same flags
  with --backend- in front, e.g. --backend-curve-server-key or --backend-plain-user, the backend)

The bound endpoints are printed to stderr when the proxy starts; statistics (frames and bytes
received and sent per side) when it stops. Stop it with Ctrl-C or TERMINATE.

Examples:
  weft zmq proxy --queue --frontend-bind tcp://*:5559 --backend-bind tcp://*:5560
  weft zmq proxy --forwarder --frontend-bind tcp://*:5557 --backend-bind tcp://*:5558 \\
                 --capture tcp://127.0.0.1:5561
  weft zmq proxy --streamer --frontend-bind tcp://*:5562 --backend-bind tcp://*:5563 \\
                 --control tcp://127.0.0.1:5564
  weft zmq cat --req --connect tcp://127.0.0.1:5564 --format hex 53544154495354494353
      (STATISTICS, written in hex as --format hex reads input too; prints the counters)
  weft zmq cat --req --connect tcp://127.0.0.1:5564 TERMINATE
`;

const FLAGS: Record<string, FlagSpec> = {
  queue: { kind: "boolean" },
  forwarder: { kind: "boolean" },
  streamer: { kind: "boolean" },
  "frontend-type": { kind: "string" },
  "frontend-bind": { kind: "list" },
  "frontend-connect": { kind: "list" },
  "backend-type": { kind: "string" },
  "backend-bind": { kind: "list" },
  "backend-connect": { kind: "list" },
  capture: { kind: "string" },
  "capture-type": { kind: "string" },
  control: { kind: "string" },
  "control-type": { kind: "string" },
  help: { kind: "boolean", short: "h" },
  ...securityFlags(),
  ...securityFlags("backend-"),
};

const SHAPES = {
  queue: ["router", "dealer"],
  forwarder: ["xsub", "xpub"],
  streamer: ["pull", "push"],
} as const;

function typesOf(args: ParsedArgs): [CliSocketType, CliSocketType] {
  const shapes = (Object.keys(SHAPES) as (keyof typeof SHAPES)[]).filter((s) =>
    args.booleans.has(s)
  );
  if (shapes.length > 1) {
    throw new UsageError(`expected one shape, got ${shapes.map((s) => "--" + s).join(" ")}`);
  }
  const shape = shapes[0] ? SHAPES[shapes[0]] : undefined;
  const front = args.strings.get("frontend-type");
  const back = args.strings.get("backend-type");
  if (!shape && (front === undefined || back === undefined)) {
    throw new UsageError(
      "expected --frontend-type and --backend-type (or --queue, --forwarder or --streamer)",
    );
  }
  return [
    front !== undefined ? toSocketType(front, "--frontend-type") : shape![0],
    back !== undefined ? toSocketType(back, "--backend-type") : shape![1],
  ];
}

/**
 * Statistics as two lines for stderr.
 *
 * @example
 * ```ts
 * import { statisticsLines } from "./proxy.ts";
 * import assert from "node:assert/strict";
 * const side = { messagesReceived: 2, bytesReceived: 10, messagesSent: 0, bytesSent: 0 };
 * const [front] = statisticsLines({ frontend: side, backend: side });
 * assert.equal(front, "weft proxy: frontend: received 2 frames / 10 bytes, sent 0 frames / 0 bytes");
 * ```
 */
export function statisticsLines(stats: ProxyStatistics): string[] {
  return (["frontend", "backend"] as const).map((side) => {
    const s = stats[side];
    return `weft proxy: ${side}: received ${s.messagesReceived} frames / ${s.bytesReceived} bytes, ` +
      `sent ${s.messagesSent} frames / ${s.bytesSent} bytes`;
  });
}

/**
 * Runs `weft zmq proxy` with the arguments after `proxy`; returns the exit status.
 *
 * @example
 * ```ts
 * import { zmqProxy } from "./proxy.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async (b: Uint8Array) => void out.push(new TextDecoder().decode(b)),
 *   error: async () => {}, readFile: () => Promise.reject(new Error("no files")),
 *   onInterrupt: () => () => {},
 * };
 * assert.equal(await zmqProxy(["--help"], io), 0);
 * assert.match(out.join(""), /--forwarder/);
 * ```
 */
export async function zmqProxy(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.booleans.has("help")) {
    await io.write(new TextEncoder().encode(PROXY_HELP));
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  }
  const [frontType, backType] = typesOf(args);
  const forward = abilities(frontType).receives && abilities(backType).sends;
  const backward = abilities(backType).receives && abilities(frontType).sends;
  if (!forward && !backward) {
    throw new UsageError(
      `a ${frontType} frontend and ${backType} backend cannot pass messages either way; ` +
        `try --queue, --forwarder or --streamer`,
    );
  }
  const captureType = toSocketType(args.strings.get("capture-type") ?? "pub", "--capture-type");
  if (!["pub", "push", "dealer", "pair"].includes(captureType)) {
    throw new UsageError(`--capture-type expects pub, push, dealer or pair, got ${captureType}`);
  }
  const controlType = toSocketType(args.strings.get("control-type") ?? "rep", "--control-type");
  if (controlType !== "rep" && controlType !== "pair") {
    throw new UsageError(`--control-type expects rep or pair, got ${controlType}`);
  }

  const sockets: Socket[] = [];
  const frontSecurity = await securityOptions(args, io);
  const backSecurity = await securityOptions(args, io, "backend-");
  const open = (type: CliSocketType, options: SocketOptions = {}) => {
    const s = createSocket(type, options);
    sockets.push(s);
    return s;
  };
  let proxy: Proxy | undefined;
  let interrupted = false;
  const stopListening = io.onInterrupt(() => {
    interrupted = true;
    proxy?.terminate();
  });
  try {
    const front = open(frontType, frontSecurity);
    const back = open(backType, backSecurity);
    const describe = async (role: string, s: Socket, bound: string[]) => {
      for (const url of bound) await io.error(`weft proxy: ${role} ${s.socketType} bound ${url}`);
    };
    await describe(
      "frontend",
      front,
      await attach(front, {
        bind: args.lists.get("frontend-bind") ?? [],
        connect: args.lists.get("frontend-connect") ?? [],
      }, "--frontend-bind URL or --frontend-connect URL"),
    );
    await describe(
      "backend",
      back,
      await attach(back, {
        bind: args.lists.get("backend-bind") ?? [],
        connect: args.lists.get("backend-connect") ?? [],
      }, "--backend-bind URL or --backend-connect URL"),
    );
    let capture: Socket | undefined;
    let control: Socket | undefined;
    const captureUrl = args.strings.get("capture");
    if (captureUrl !== undefined) {
      capture = open(captureType);
      await describe(
        "capture",
        capture,
        await attach(capture, { bind: [captureUrl], connect: [] }, ""),
      );
    }
    const controlUrl = args.strings.get("control");
    if (controlUrl !== undefined) {
      control = open(controlType);
      await describe(
        "control",
        control,
        await attach(control, { bind: [controlUrl], connect: [] }, ""),
      );
    }
    proxy = new Proxy(front, back, {
      ...(capture ? { capture } : {}),
      ...(control ? { control } : {}),
    });
    if (interrupted) proxy.terminate();
    await io.error(`weft proxy: running (${forward && backward ? "both ways" : "one way"})`);
    await proxy.run();
    for (const line of statisticsLines(proxy.statistics())) await io.error(line);
    return interrupted ? 130 : 0;
  } finally {
    stopListening();
    for (const s of sockets) s.close();
  }
}
