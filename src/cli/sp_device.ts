/**
 * `weft sp device`: nng's `nng_device` from the command line — two raw sockets of peer
 * protocols forwarding to each other (a REQ/REP or survey broker, a pipeline or pub/sub
 * forwarder), or one raw BUS or PAIR socket reflecting what arrives. nngcat has no such
 * command. Its `--help` text is the reference.
 * @module
 */

import { device } from "../sp.ts";
import type { SpOptions, SpSocket } from "../sp.ts";
import { SP_SOCKETS } from "./sp_sockets.ts";
import { parseArgs, UsageError } from "./args.ts";
import { checkConnectUrl } from "./hints.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import type { CliIo } from "./io.ts";

/** `weft sp device --help`. */
const HELP = `weft sp device — forward between two raw SP sockets (nng_device)

Usage:
  weft sp device --front PROTO (--front-listen URL | --front-dial URL)...
                 --back PROTO (--back-listen URL | --back-dial URL)...
  weft sp device --front bus0|pair0|pair1 (--front-listen URL | --front-dial URL)...

Shapes (set both protocols at once):
  --reqrep               rep0 front (REQ clients dial it) ⇄ req0 back (REP servers)
  --survey               respondent0 front (SURVEYORs) ⇄ surveyor0 back (RESPONDENTs)
  --pipeline             pull0 front (PUSH producers) → push0 back (PULL consumers)
  --pubsub               sub0 front (PUB publishers) → pub0 back (SUB subscribers)
  --bus                  one bus0 socket: every message to every other peer

Sockets:
  --front PROTO          the front socket's protocol (rep0, respondent0, pull0, sub0, bus0,
                         pair0, pair1, …); the back one must be its peer
  --front-listen URL     listen (repeatable): tcp://host:port, ipc:///path, ws://host:port/path
  --front-dial URL       dial (repeatable; keeps re-dialing)
  --back PROTO           the back socket's protocol (req0, surveyor0, push0, pub0, …)
  --back-listen URL      listen (repeatable)
  --back-dial URL        dial (repeatable)
  --recv-maxsz N         largest message accepted, bytes (0 = no limit; default 0, as nng)
  -h, --help             this help

The listening endpoints are printed to stderr when the device starts. Stop it with Ctrl-C.

Examples:
  weft sp device --reqrep --front-listen tcp://127.0.0.1:5555 --back-listen tcp://127.0.0.1:5556
  weft sp cat --rep0 --dial tcp://127.0.0.1:5556 --data 42 &
  weft sp cat --req0 --dial tcp://127.0.0.1:5555 --data question --quoted
`;

const FLAGS: Record<string, FlagSpec> = {
  reqrep: { kind: "boolean" },
  survey: { kind: "boolean" },
  pipeline: { kind: "boolean" },
  pubsub: { kind: "boolean" },
  bus: { kind: "boolean" },
  front: { kind: "string" },
  "front-listen": { kind: "list" },
  "front-dial": { kind: "list" },
  back: { kind: "string" },
  "back-listen": { kind: "list" },
  "back-dial": { kind: "list" },
  "recv-maxsz": { kind: "string" },
  help: { kind: "boolean", short: "h" },
};

const SHAPES: Readonly<Record<string, readonly [string, string | undefined]>> = {
  reqrep: ["rep0", "req0"],
  survey: ["respondent0", "surveyor0"],
  pipeline: ["pull0", "push0"],
  pubsub: ["sub0", "pub0"],
  bus: ["bus0", undefined],
};

const MAKERS = SP_SOCKETS;

function protocols(args: ParsedArgs): [string, string | undefined] {
  const shapes = Object.keys(SHAPES).filter((s) => args.booleans.has(s));
  if (shapes.length > 1) {
    throw new UsageError(`expected one shape, got ${shapes.map((s) => "--" + s).join(" ")}`);
  }
  const shape = shapes[0] ? SHAPES[shapes[0]] : undefined;
  const front = args.strings.get("front") ?? shape?.[0];
  const back = args.strings.get("back") ?? shape?.[1];
  if (front === undefined) throw new UsageError("expected --front PROTO or a shape (--reqrep…)");
  for (const p of [front, back]) {
    if (p !== undefined && !MAKERS[p]) {
      throw new UsageError(
        `expected a protocol among ${Object.keys(MAKERS).join(", ")}, got "${p}"`,
      );
    }
  }
  return [front, back];
}

async function attach(
  sock: SpSocket,
  side: "front" | "back",
  args: ParsedArgs,
  io: CliIo,
): Promise<void> {
  const listens = args.lists.get(`${side}-listen`) ?? [];
  const dials = args.lists.get(`${side}-dial`) ?? [];
  if (listens.length + dials.length === 0) {
    throw new UsageError(`expected --${side}-listen URL or --${side}-dial URL`);
  }
  for (const url of dials) checkConnectUrl(url, `--${side}-dial`);
  for (const url of listens) {
    await sock.listen(url);
    await io.error(`weft sp device: ${side} ${sock.protocol} listening at ${sock.lastEndpoint}`);
  }
  for (const url of dials) await sock.dial(url, { nonBlocking: true });
}

/**
 * Runs `weft sp device` with the arguments after `device`; returns the exit status (0 when a
 * socket closed, 130 on Ctrl-C). Usage errors are thrown as `UsageError`s.
 *
 * @example
 * ```ts
 * import { spDevice } from "./sp_device.ts";
 * import assert from "node:assert/strict";
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async () => {}, error: async () => {},
 *   readFile: () => Promise.reject(new Error("no files")), onInterrupt: () => () => {},
 * };
 * await assert.rejects(spDevice(["--front", "rep0"], io), /--front-listen/);
 * ```
 */
export async function spDevice(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.booleans.has("help")) {
    await io.write(new TextEncoder().encode(HELP));
    return 0;
  }
  const [frontProto, backProto] = protocols(args);
  const maxsz = args.strings.get("recv-maxsz");
  if (maxsz !== undefined && !/^\d+$/.test(maxsz)) {
    throw new UsageError(`--recv-maxsz expects a whole number ≥ 0, got "${maxsz}"`);
  }
  const options: SpOptions = { raw: true, recvMaxSize: Number(maxsz ?? 0) };
  const front = new MAKERS[frontProto]!(options);
  const back = backProto === undefined ? undefined : new MAKERS[backProto]!(options);
  let interrupted = false;
  const stop = io.onInterrupt(() => {
    interrupted = true;
    front.close();
    back?.close();
  });
  try {
    await attach(front, "front", args, io);
    if (back) await attach(back, "back", args, io);
    await device(front, back);
    return interrupted ? 130 : 0;
  } finally {
    stop();
    front.close();
    back?.close();
  }
}
