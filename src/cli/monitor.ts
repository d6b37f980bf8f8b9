/**
 * `weft zmq monitor`: opens a socket of a type, binds or connects it, and prints its monitor
 * events (bind, accept, connect, handshake, disconnect, …) as lines. Its `--help` text is the reference.
 * @module
 */

import type { SocketEvent } from "../zmq.ts";
import { intFlag, parseArgs, UsageError } from "./args.ts";
import type { FlagSpec } from "./args.ts";
import { socketTypeOf } from "./cat.ts";
import type { CliIo } from "./io.ts";
import { abilities, attach, createSocket, SOCKET_FLAGS } from "./sockets.ts";
import { SECURITY_HELP, securityFlags, securityOptions } from "./security_flags.ts";

/** `weft zmq monitor --help`. */
const MONITOR_HELP = `weft zmq monitor — print a socket's connection events

Usage:
  weft zmq monitor --TYPE (--bind URL | --connect URL)... [options]

  --push --pull --pub --sub --xpub --xsub --req --rep --dealer --router --pair
  -t, --type TYPE        the socket type (any case)
  -b, --bind URL         bind (repeatable)
  -c, --connect URL      connect (repeatable)
  -F, --format text|json text (default): "TYPE ENDPOINT key=value…"; json: one object per line
  -n, --count N          exit after N events
  --timeout MS           exit when no event comes for MS
  --drain                also receive and discard messages (so peers never block on us)
  -h, --help             this help

${SECURITY_HELP}
Events: bind, bind:error, accept, connect, connect:delay, connect:retry, disconnect,
handshake (peer=TYPE), handshake:error, close.

Example:
  weft zmq monitor --router --bind tcp://127.0.0.1:5555
`;

const FLAGS: Record<string, FlagSpec> = {
  ...SOCKET_FLAGS,
  ...securityFlags(),
  format: { kind: "string", short: "F" },
  count: { kind: "string", short: "n" },
  timeout: { kind: "string" },
  drain: { kind: "boolean" },
  help: { kind: "boolean", short: "h" },
};

/**
 * One event as a text line: the type, the endpoint, then `key=value` for what else it carries.
 *
 * @example
 * ```ts
 * import { eventLine } from "./monitor.ts";
 * import assert from "node:assert/strict";
 * const line = eventLine({ type: "handshake", endpoint: "tcp://127.0.0.1:5555", peer: "DEALER" });
 * assert.equal(line, "handshake tcp://127.0.0.1:5555 peer=DEALER");
 * ```
 */
export function eventLine(event: SocketEvent): string {
  const parts: string[] = [event.type, event.endpoint || "-"];
  if (event.remoteAddress) parts.push(`remote=${event.remoteAddress}`);
  if (event.peer) parts.push(`peer=${event.peer}`);
  if (event.interval !== undefined) parts.push(`interval=${event.interval}`);
  if (event.code) parts.push(`code=${event.code}`);
  if (event.reason) parts.push(`reason=${JSON.stringify(event.reason)}`);
  return parts.join(" ");
}

/**
 * Runs `weft zmq monitor` with the arguments after `monitor`; returns the exit status.
 *
 * @example
 * ```ts
 * import { zmqMonitor } from "./monitor.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async (b: Uint8Array) => void out.push(new TextDecoder().decode(b)),
 *   error: async () => {}, readFile: () => Promise.reject(new Error("no files")),
 *   onInterrupt: () => () => {},
 * };
 * assert.equal(await zmqMonitor(["--help"], io), 0);
 * assert.match(out.join(""), /handshake/);
 * ```
 */
export async function zmqMonitor(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const encoder = new TextEncoder();
  if (args.booleans.has("help")) {
    await io.write(encoder.encode(MONITOR_HELP));
    return 0;
  }
  const type = socketTypeOf(args, "--router or --type router");
  const format = args.strings.get("format") ?? "text";
  if (format !== "text" && format !== "json") {
    throw new UsageError(`--format expects text or json, got "${format}"`);
  }
  const count = args.strings.has("count") ? intFlag(args, "count", 0) : undefined;
  const timeout = args.strings.has("timeout") ? intFlag(args, "timeout", 0) : undefined;
  const socket = createSocket(type, await securityOptions(args, io));
  let interrupted = false;
  const stopListening = io.onInterrupt(() => {
    interrupted = true;
    socket.close();
  });
  try {
    const events = socket.events[Symbol.asyncIterator]();
    await attach(socket, {
      bind: args.lists.get("bind") ?? [],
      connect: args.lists.get("connect") ?? [],
    }, "--bind URL or --connect URL");
    if (args.booleans.has("drain") && abilities(type).receives) {
      void (async () => {
        for await (const _ of socket) { /* discard */ }
      })().catch(() => {});
    }
    let seen = 0;
    while (count === undefined || seen < count) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = timeout === undefined
        ? undefined
        : new Promise<"idle">((r) => (timer = setTimeout(() => r("idle"), timeout)));
      const next = await (idle ? Promise.race([events.next(), idle]) : events.next());
      clearTimeout(timer);
      if (next === "idle" || next.done) break;
      const e = next.value;
      if (e.type === "close" && interrupted) break;
      const line = format === "json" ? JSON.stringify({ time: Date.now(), ...e }) : eventLine(e);
      await io.write(encoder.encode(line + "\n"));
      seen++;
    }
    return interrupted ? 130 : 0;
  } finally {
    stopListening();
    socket.close();
  }
}
