/**
 * `weft zmq cat`: one socket of any type, bound or connected, that sends what it is given and
 * prints what it receives. Its `--help` text is the reference.
 * @module
 */

import { concat } from "../core/bytes.ts";
import type { Message, Socket } from "../zmq.ts";
import { Sub, WeftError } from "../zmq.ts";
import { intFlag, parseArgs, UsageError } from "./args.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import { Format, formatMessage, lines, parseMessage, toFormat } from "./format.ts";
import type { CliIo } from "./io.ts";
import {
  abilities,
  attach,
  createSocket,
  SOCKET_FLAGS,
  SOCKET_TYPES,
  toSocketType,
} from "./sockets.ts";
import type { CliSocketType } from "./sockets.ts";
import { SECURITY_HELP, securityFlags, securityOptions } from "./security_flags.ts";

/** `weft zmq cat --help`. */
const CAT_HELP = `weft zmq cat — send and receive ZeroMQ messages from the command line

Usage:
  weft zmq cat --TYPE (--bind URL | --connect URL)... [options] [MESSAGE...]

Socket type (exactly one):
  --push --pull --pub --sub --xpub --xsub --req --rep --dealer --router --pair
  -t, --type TYPE        the same, by name (e.g. --type router)

Endpoints (repeatable, at least one):
  -b, --bind URL         bind, e.g. tcp://127.0.0.1:5555, tcp://*:0, ipc:///tmp/x, inproc://x
  -c, --connect URL      connect (reconnects by itself)

What to send (types that send):
  MESSAGE...             each argument is one message
  -d, --data TEXT        one message (repeatable)
  -f, --file PATH        messages from a file, one per line (- for stdin)
  (otherwise)            messages from stdin, one per line; two-way types (dealer, router,
                         pair, xpub, xsub) read stdin only when it is not a terminal
  --raw                  the whole input (file or stdin) is one message
  -n, --count N          send N messages, repeating the data (push, pub); receive N (pull,
                         sub, two-way types); N round trips (req, rep)
  --interval MS          wait MS between sends
  --delay MS             wait MS before the first send (lets subscribers connect)

Formats (-F, --format; default text):
  text                   UTF-8; input: a line is one single-frame message;
                         output: a line per message, frames separated by a tab
  hex                    a line per message, frames in hex separated by single spaces
  json                   a line per message: ["frame", {"hex": "00ff"}, ...]; input lines may
                         also be a single string — use json (or hex) for multipart input
  raw                    bytes as they are, nothing added (input: whole input, one message)

${SECURITY_HELP}
Other options:
  -s, --subscribe PREFIX sub/xsub: subscribe to PREFIX (repeatable; default: everything)
  --identity ID          routing id announced to ROUTER peers
  --timeout MS           stop when nothing arrives for MS (req: fail when no reply comes)
  --linger MS            how long to flush unsent messages at exit (default 1000)
  -v, --verbose          print bound endpoints and connection events to stderr
  -h, --help             this help

Behaviour by type:
  push, pub              send every message, then exit
  pull, sub              print messages until --count or --timeout (or Ctrl-C)
  req                    for each message: send it, print the reply
  rep                    print each request; reply with the next --data/argument (cycling),
                         or echo the request back when none is given
  dealer, router, pair,  send the input (if any) and print what arrives, until --count,
  xpub, xsub             --timeout or Ctrl-C (router output starts with the peer's id frame;
                         to send from a router give json/hex input whose first frame is the id)

Exit status: 0 done, 1 error or nothing received before --timeout, 2 usage error, 130 Ctrl-C.

Examples:
  weft zmq cat --pull --bind tcp://127.0.0.1:5555
  weft zmq cat --push --connect tcp://127.0.0.1:5555 hello world
  seq 5 | weft zmq cat --req --connect tcp://127.0.0.1:5556
  weft zmq cat --rep --bind tcp://127.0.0.1:5556 --data pong
  weft zmq cat --sub --connect tcp://127.0.0.1:5557 -s weather. --format json
  weft zmq cat --router --bind tcp://127.0.0.1:5558 --format json '["me","hi"]'
  weft zmq cat --dealer --identity me --connect tcp://127.0.0.1:5558 --count 1 hello
      (the router says hi to the dealer named "me" and prints ["me","hello"]; the dealer
      prints hi and exits)
`;

const CAT_FLAGS: Record<string, FlagSpec> = {
  ...SOCKET_FLAGS,
  ...securityFlags(),
  data: { kind: "list", short: "d" },
  file: { kind: "string", short: "f" },
  raw: { kind: "boolean" },
  format: { kind: "string", short: "F" },
  count: { kind: "string", short: "n" },
  interval: { kind: "string" },
  delay: { kind: "string" },
  subscribe: { kind: "list", short: "s" },
  identity: { kind: "string" },
  timeout: { kind: "string" },
  linger: { kind: "string" },
  verbose: { kind: "boolean", short: "v" },
  help: { kind: "boolean", short: "h" },
};

/**
 * The socket type from `--push`… or `--type`; exactly one.
 *
 * @example
 * ```ts
 * import { socketTypeOf } from "./cat.ts";
 * import { parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 * const args = parseArgs(["--type", "DEALER"], { type: { kind: "string" } });
 * assert.equal(socketTypeOf(args, "--dealer"), "dealer");
 * ```
 */
export function socketTypeOf(args: ParsedArgs, usage: string): CliSocketType {
  const picked = SOCKET_TYPES.filter((t) => args.booleans.has(t));
  const named = args.strings.get("type");
  if (named !== undefined) picked.push(toSocketType(named, "--type"));
  const unique = [...new Set(picked)];
  if (unique.length === 0) throw new UsageError(`expected a socket type, e.g. ${usage}`);
  if (unique.length > 1) {
    throw new UsageError(`expected one socket type, got ${unique.map((t) => "--" + t).join(" ")}`);
  }
  return unique[0]!;
}

/** Where the messages to send come from. */
interface Input {
  /** A fixed list (from --data, arguments or --file): may be repeated for --count. */
  readonly list?: Message[];
  /** A stream (stdin): read once. */
  readonly stream?: AsyncIterable<Message>;
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function* parseLines(
  source: AsyncIterable<Uint8Array>,
  format: Format,
): AsyncGenerator<Message> {
  for await (const line of lines(source)) yield parseMessage(line, format);
}

async function* wholeInput(source: AsyncIterable<Uint8Array>): AsyncGenerator<Message> {
  yield [await readAll(source)];
}

async function inputOf(
  args: ParsedArgs,
  io: CliIo,
  options: { format: Format; useStdin: boolean },
): Promise<Input | undefined> {
  const { format } = options;
  const whole = args.booleans.has("raw") || format === Format.RAW;
  const items = [...(args.lists.get("data") ?? []), ...args.positionals];
  if (items.length > 0) return { list: items.map((item) => parseMessage(item, format)) };
  const file = args.strings.get("file");
  if (file !== undefined && file !== "-") {
    let bytes: Uint8Array;
    try {
      bytes = await io.readFile(file);
    } catch (error) {
      throw new UsageError(`--file ${file}: cannot read it (${(error as Error).message})`);
    }
    if (whole) return { list: [[bytes]] };
    const list: Message[] = [];
    for await (const m of parseLines(once(bytes), format)) list.push(m);
    return { list };
  }
  if (file === undefined && !options.useStdin) return undefined;
  const stdin = io.stdin();
  return { stream: whole ? wholeInput(stdin) : parseLines(stdin, format) };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The messages to send, honouring --count (repeating a list, truncating a stream). */
async function* outgoing(input: Input, count: number | undefined): AsyncGenerator<Message> {
  if (input.list) {
    if (input.list.length === 0) return;
    const n = count ?? input.list.length;
    for (let i = 0; i < n; i++) yield input.list[i % input.list.length]!;
    return;
  }
  if (count === 0) return;
  let sent = 0;
  for await (const m of input.stream!) {
    yield m;
    if (++sent === count) return;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isCode(error: unknown, code: string): boolean {
  return error instanceof WeftError && error.code === code;
}

/**
 * Runs `weft zmq cat` with the arguments after `cat`; returns the exit status. Usage errors
 * are thrown as `UsageError`s (the dispatcher prints them).
 *
 * @example
 * ```ts
 * import { zmqCat } from "./cat.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async (b: Uint8Array) => void out.push(new TextDecoder().decode(b)),
 *   error: async () => {}, readFile: () => Promise.reject(new Error("no files")),
 *   onInterrupt: () => () => {},
 * };
 * assert.equal(await zmqCat(["--help"], io), 0);
 * assert.match(out.join(""), /--subscribe PREFIX/);
 * ```
 */
export async function zmqCat(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, CAT_FLAGS);
  if (args.booleans.has("help")) {
    await io.write(new TextEncoder().encode(CAT_HELP));
    return 0;
  }
  const type = socketTypeOf(args, "--pull or --type pull");
  const format = toFormat(args.strings.get("format") ?? "text");
  const countFlag = args.strings.has("count") ? intFlag(args, "count", 0) : undefined;
  const interval = intFlag(args, "interval", 0);
  const delay = intFlag(args, "delay", 0);
  const timeout = args.strings.has("timeout") ? intFlag(args, "timeout", 0) : undefined;
  const linger = intFlag(args, "linger", 1000);
  const verbose = args.booleans.has("verbose");
  const { sends, receives } = abilities(type);
  const subscriptions = args.lists.get("subscribe") ?? [];
  if (subscriptions.length > 0 && type !== "sub" && type !== "xsub") {
    throw new UsageError(`--subscribe is for --sub and --xsub sockets, not --${type}`);
  }
  const twoWay = sends && receives && type !== "req" && type !== "rep";
  const hasData = (args.lists.get("data") ?? []).length > 0 || args.positionals.length > 0 ||
    args.strings.has("file");
  if (hasData && !sends) {
    throw new UsageError(`--${type} sockets cannot send; drop the data or pick a type that sends`);
  }
  const input = sends
    ? await inputOf(args, io, {
      format,
      useStdin: type === "rep" ? false : twoWay ? !io.stdinIsTerminal() : true,
    })
    : undefined;

  const identity = args.strings.get("identity");
  const security = await securityOptions(args, io);
  const socket = createSocket(type, {
    ...security,
    linger,
    ...(timeout !== undefined ? { receiveTimeout: timeout } : {}),
    ...(identity !== undefined ? { routingId: identity } : {}),
  });
  let interrupted = false;
  const stopListening = io.onInterrupt(() => {
    interrupted = true;
    socket.close();
  });
  if (verbose) {
    socket.events.on("*", (e) => {
      const extra = [e.remoteAddress, e.peer, e.reason].filter((x) => x).join(" ");
      void io.error(`weft: ${e.type} ${e.endpoint}${extra ? " " + extra : ""}`);
    });
  }
  // Messages wait until a peer has completed its handshake: queued earlier, they could be
  // lost when the socket closes before the connection is made.
  const peer = new Promise<void>((resolve) => {
    const off = socket.events.on("handshake", () => (off(), resolve()));
  });
  try {
    const connects = args.lists.get("connect") ?? [];
    const bound = await attach(socket, {
      bind: args.lists.get("bind") ?? [],
      connect: connects,
    }, "--bind URL or --connect URL");
    if (socket instanceof Sub) {
      socket.subscribe(...(subscriptions.length ? subscriptions : [""]));
    } else if (type === "xsub") {
      for (const prefix of subscriptions.length ? subscriptions : [""]) {
        const topic = new TextEncoder().encode(prefix);
        const frame = new Uint8Array(topic.length + 1);
        frame[0] = 1;
        frame.set(topic, 1);
        await socket.send(frame);
      }
    }
    const print = (batch: Message[]) =>
      io.write(concat(batch.map((m) => formatMessage(m, format))));
    const where = [
      ...bound.map((u) => `bound at ${u}`),
      ...connects.map((u) => `connecting to ${u}`),
    ];
    const notice = verbose || io.stderrIsTerminal?.()
      ? () =>
        io.error(
          `weft: waiting for a peer (${where.join(", ")}); nothing is sent until one connects ` +
            `— start the other side, or Ctrl-C to stop`,
        )
      : undefined;
    const pace: Pace = {
      delay,
      interval,
      peer: () => waitForPeer(peer, timeout, socket, notice),
    };
    let status: number;
    if (type === "req") {
      status = await requester(socket, input, { count: countFlag, pace, print, io, timeout });
    } else if (type === "rep") {
      status = await replier(socket, input, { count: countFlag, print, io, timeout });
    } else if (!receives) status = await sender(socket, input!, countFlag, pace);
    else if (!sends || !input) {
      status = await receiver(socket, { count: countFlag, print, io, timeout });
    } else {
      const sending = sender(socket, input, undefined, pace);
      status = await receiver(socket, { count: countFlag, print, io, timeout });
      // A reply can arrive before our own messages are queued (the peer may speak first, in
      // the very chunk that completes the handshake): a finite list is sent before closing.
      if (input.list && status === 0) await sending.catch(() => 0);
      if (!socket.isClosed) socket.close();
      await sending.catch(() => 0);
    }
    return interrupted ? 130 : status;
  } catch (error) {
    if (interrupted && isCode(error, "ECLOSED")) return 130;
    throw error;
  } finally {
    stopListening();
    socket.close();
  }
}

interface Pace {
  delay: number;
  interval: number;
  /** Resolves once a peer is connected (rejects after --timeout). */
  peer: () => Promise<void>;
}

/** How long a sender waits for its peer before saying so (on a terminal or with -v). */
const NOTICE_AFTER_MS = 500;

async function waitForPeer(
  peer: Promise<void>,
  timeout: number | undefined,
  socket: Socket,
  notice: (() => Promise<void>) | undefined,
) {
  const noticeTimer = notice ? setTimeout(notice, NOTICE_AFTER_MS) : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = timeout === undefined
    ? new Promise<never>(() => {})
    : new Promise<"late">((r) => (timer = setTimeout(() => r("late"), timeout)));
  const got = await Promise.race([peer, late, socket.closed]);
  clearTimeout(timer);
  clearTimeout(noticeTimer);
  if (got === "late") {
    throw new WeftError(
      "ETIMEDOUT",
      `no peer connected within ${timeout} ms (start the other side first, or raise --timeout)`,
    );
  }
}

async function sender(
  socket: Socket,
  input: Input,
  count: number | undefined,
  pace: Pace,
): Promise<number> {
  await pace.peer();
  if (pace.delay > 0) await sleep(pace.delay);
  let first = true;
  for await (const message of outgoing(input, count)) {
    if (!first && pace.interval > 0) await sleep(pace.interval);
    first = false;
    await socket.send(message);
  }
  return 0;
}

interface ReceiveOptions {
  count: number | undefined;
  print: (batch: Message[]) => Promise<void>;
  io: CliIo;
  timeout: number | undefined;
}

async function receiver(socket: Socket, options: ReceiveOptions): Promise<number> {
  const { count, print, io, timeout } = options;
  let received = 0;
  while (count === undefined || received < count) {
    let batch: Message[];
    try {
      batch = await socket.receiveBatch(count === undefined ? 1024 : count - received);
    } catch (error) {
      return await receiveEnded(error, received > 0, io, `no message arrived within ${timeout} ms`);
    }
    received += batch.length;
    await print(batch);
  }
  return 0;
}

/**
 * The exit status when a receive loop's receive fails: a timeout after some traffic and a
 * close are a quiet end (0); a timeout before any is reported (1); anything else is thrown.
 */
async function receiveEnded(
  error: unknown,
  anyYet: boolean,
  io: CliIo,
  nothing: string,
): Promise<number> {
  if (isCode(error, "EAGAIN")) {
    if (anyYet) return 0;
    await io.error(`weft: ${nothing}`);
    return 1;
  }
  if (isCode(error, "ECLOSED")) return 0;
  throw error;
}

async function requester(
  socket: Socket,
  input: Input | undefined,
  options: ReceiveOptions & { pace: Pace },
): Promise<number> {
  const { pace, print, io, timeout } = options;
  if (!input) return 0;
  await pace.peer();
  if (pace.delay > 0) await sleep(pace.delay);
  let first = true;
  for await (const message of outgoing(input, options.count)) {
    if (!first && pace.interval > 0) await sleep(pace.interval);
    first = false;
    await socket.send(message);
    try {
      await print([await socket.receive()]);
    } catch (error) {
      if (!isCode(error, "EAGAIN")) throw error;
      await io.error(`weft: no reply within ${timeout} ms (is a REP or ROUTER peer running?)`);
      return 1;
    }
  }
  return 0;
}

async function replier(
  socket: Socket,
  input: Input | undefined,
  options: ReceiveOptions,
): Promise<number> {
  const { count, print, io, timeout } = options;
  const replies = input?.list ?? [];
  let served = 0;
  while (count === undefined || served < count) {
    let request: Message;
    try {
      request = await socket.receive();
    } catch (error) {
      return await receiveEnded(error, served > 0, io, `no request arrived within ${timeout} ms`);
    }
    await print([request]);
    await socket.send(replies.length > 0 ? replies[served % replies.length]! : request);
    served++;
  }
  return 0;
}
