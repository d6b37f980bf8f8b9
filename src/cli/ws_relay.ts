/**
 * `weft zmq ws-relay`: runs a {@link zwsRelay} so web pages can reach libzmq's `ws://`
 * transport with PLAIN or CURVE. Its `--help` text is the reference.
 * @module
 */

import { zwsRelay } from "../zmq.ts";
import type { WsRelay, WsRelayEvent } from "../zmq.ts";
import { parseArgs, UsageError } from "./args.ts";
import type { FlagSpec } from "./args.ts";
import type { CliIo } from "./io.ts";

/** `weft zmq ws-relay --help`. */
const WS_RELAY_HELP = `weft zmq ws-relay — let web pages reach libzmq's ws:// with CURVE or PLAIN

Usage:
  weft zmq ws-relay --bind ws://HOST:PORT/PATH --connect ws://HOST:PORT/PATH

  --bind URL             where pages connect (ws://; port 0 picks one, printed on stderr)
  --connect URL          the libzmq (or weft) ws:// endpoint each page's connection goes to
  --max-message-size N   largest message relayed, in bytes (default 67108864)
  -q, --quiet            print only the bound endpoint, not each connection
  -h, --help             this help

A browser cannot offer libzmq's subprotocol names (ZWS2.0/CURVE, ZWS2.0/PLAIN: "/" is not
allowed there), so weft/zmq/browser offers ZWS2.0-CURVE, ZWS2.0-PLAIN, ZWS2.0-NULL, and libzmq
refuses those. The relay offers libzmq its own name for each, answers the page with the page's,
and then forwards every WebSocket message unchanged both ways. It holds no keys: CURVE stays
between the page and libzmq, and the relay cannot read or forge the traffic. A target that
refuses the upgrade (mechanism mismatch) or cannot be reached: the page gets HTTP 502.
Runs until Ctrl-C.

Example:
  weft zmq ws-relay --bind ws://0.0.0.0:8080/zmq --connect ws://127.0.0.1:5555/zmq
`;

const FLAGS: Record<string, FlagSpec> = {
  bind: { kind: "string" },
  connect: { kind: "string" },
  "max-message-size": { kind: "string" },
  quiet: { kind: "boolean", short: "q" },
  help: { kind: "boolean", short: "h" },
};

/** One stderr line for a relay event. */
function eventLine(e: WsRelayEvent): string {
  const names = e.protocol ? ` [${e.protocol}]` : "";
  return `weft ws-relay: ${e.type} ${e.client}${names}${e.reason ? `: ${e.reason}` : ""}`;
}

/**
 * Runs `weft zmq ws-relay` with the arguments after `ws-relay`; returns the exit status.
 *
 * @example
 * ```ts
 * import { zmqWsRelay } from "./ws_relay.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async (b: Uint8Array) => void out.push(new TextDecoder().decode(b)),
 *   error: async () => {}, readFile: () => Promise.reject(new Error("no files")),
 *   onInterrupt: () => () => {},
 * };
 * assert.equal(await zmqWsRelay(["--help"], io), 0);
 * assert.match(out.join(""), /ZWS2.0-CURVE/);
 * ```
 */
export async function zmqWsRelay(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.booleans.has("help")) {
    await io.write(new TextEncoder().encode(WS_RELAY_HELP));
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  }
  const listen = args.strings.get("bind");
  const target = args.strings.get("connect");
  if (listen === undefined || target === undefined) {
    throw new UsageError("expected --bind ws://HOST:PORT/PATH and --connect ws://HOST:PORT/PATH");
  }
  for (const [flag, url] of [["--bind", listen], ["--connect", target]] as const) {
    if (!/^ws:\/\//.test(url)) throw new UsageError(`${flag} expects a ws:// URL, got "${url}"`);
  }
  const sizeText = args.strings.get("max-message-size");
  const size = sizeText === undefined ? undefined : Number(sizeText);
  if (size !== undefined && !(Number.isInteger(size) && size > 0)) {
    throw new UsageError(`--max-message-size expects a positive whole number, got "${sizeText}"`);
  }
  const quiet = args.booleans.has("quiet");
  const stopped = Promise.withResolvers<void>();
  let interrupted = false;
  const stopListening = io.onInterrupt(() => {
    interrupted = true;
    stopped.resolve();
  });
  let relay: WsRelay | undefined;
  try {
    relay = await zwsRelay({
      listen,
      target,
      ...(size !== undefined ? { maxMessageSize: size } : {}),
      ...(quiet ? {} : { onEvent: (e: WsRelayEvent) => void io.error(eventLine(e)) }),
    });
    await io.error(`weft ws-relay: bound ${relay.endpoint} → ${target}`);
    if (!interrupted) await stopped.promise;
    return 130;
  } finally {
    stopListening();
    relay?.close();
    await relay?.closed;
  }
}
