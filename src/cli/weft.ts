/**
 * The `weft` command's dispatcher, runtime-neutral: `weft zmq cat|proxy|monitor …`,
 * `weft sp cat|device …` and `weft nano cluster …`. It takes a
 * {@link CliIo} and returns the exit status, so tests can run it in-process.
 * @module
 */

import { UsageError } from "./args.ts";
import { zmqCat } from "./cat.ts";
import { failureLines } from "./hints.ts";
import { closestName } from "../core/suggest.ts";
import type { CliIo } from "./io.ts";
import { zmqKeygen } from "./keygen.ts";
import { zmqMonitor } from "./monitor.ts";
import { zmqProxy } from "./proxy.ts";
import { zmqWsRelay } from "./ws_relay.ts";
import { nanoCluster } from "./nano_cluster.ts";
import { spCat } from "./sp_cat.ts";
import { spDevice } from "./sp_device.ts";
import { VERSION } from "../version.ts";

/** `weft --help`. */
const MAIN_HELP =
  `weft ${VERSION} — ZeroMQ, nng (SP) and weft/nano from the command line (Deno and Bun)

Usage:
  weft zmq cat ...       send and receive messages with a socket of any type
  weft zmq proxy ...     run a queue, forwarder or streamer proxy
  weft zmq monitor ...   print a socket's connection events
  weft zmq keygen        make a CURVE key pair (Z85)
  weft zmq ws-relay ...  let web pages reach libzmq's ws:// with CURVE or PLAIN
  weft sp cat ...        nngcat: send and receive with an nng (SP) socket, nngcat's options
  weft sp device ...     forward between two raw SP sockets (nng_device)
  weft nano cluster ...  run a weft/nano app as gates and backends over NATS, on this machine
  weft --version         print the version

Examples:
  weft zmq cat --pull --bind tcp://127.0.0.1:5555              # print what is pushed
  weft zmq cat --push --connect tcp://127.0.0.1:5555 hello     # push one message
  weft zmq proxy --streamer --frontend-bind tcp://*:5562 --backend-bind tcp://*:5563
  weft zmq monitor --pull --bind tcp://127.0.0.1:5555          # accepts and handshakes
  weft sp cat --rep0 --listen tcp://127.0.0.1:5570 --data pong --ascii
  weft sp cat --req0 --dial tcp://127.0.0.1:5570 --data ping --ascii
  weft sp device --reqrep --front-listen tcp://127.0.0.1:5571 --back-listen tcp://127.0.0.1:5572
  weft nano cluster --gates 2 --backends 1 examples/chat/main.ts

Run "weft zmq <command> --help", "weft sp <command> --help" or "weft nano cluster --help" for a
command's options.
Endpoints are tcp://host:port, ipc:///path or inproc://name (inproc only reaches sockets in
the same process); weft sp also takes ws://host:port/path.
`;

const ZMQ_HELP = `weft zmq — ZeroMQ (ZMTP 3.1) tools

  weft zmq cat --help
  weft zmq proxy --help
  weft zmq monitor --help
  weft zmq keygen --help
  weft zmq ws-relay --help
`;

const SP_HELP = `weft sp — nanomsg/nng Scalability Protocol tools

  weft sp cat --help
  weft sp device --help
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  cat: zmqCat,
  proxy: zmqProxy,
  monitor: zmqMonitor,
  keygen: zmqKeygen,
  "ws-relay": zmqWsRelay,
};

const NANO_HELP = `weft nano — weft/nano tools

  weft nano cluster --help
`;

const FAMILIES: Record<string, { help: string; commands: Record<string, Command> }> = {
  zmq: { help: ZMQ_HELP, commands: COMMANDS },
  sp: { help: SP_HELP, commands: { cat: spCat, device: spDevice } },
  nano: { help: NANO_HELP, commands: { cluster: nanoCluster } },
};

/**
 * Runs the command line `argv` (without the program name); returns the exit status: 0 done,
 * 1 failed, 2 usage error, 130 interrupted.
 *
 * @example
 * ```ts
 * import { weft } from "./weft.ts";
 * import { VERSION } from "../version.ts";
 * import assert from "node:assert/strict";
 * const out: Uint8Array[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async (b: Uint8Array) => void out.push(b), error: async () => {},
 *   readFile: () => Promise.reject(new Error("no files")), onInterrupt: () => () => {},
 * };
 * assert.equal(await weft(["--version"], io), 0);
 * assert.equal(new TextDecoder().decode(out[0]), `weft ${VERSION}\n`);
 * assert.equal(await weft(["zmq", "nope"], io), 2);
 * ```
 */
export async function weft(argv: readonly string[], io: CliIo): Promise<number> {
  const encoder = new TextEncoder();
  const [family, command, ...rest] = argv;
  try {
    if (family === undefined || family === "--help" || family === "-h" || family === "help") {
      await io.write(encoder.encode(MAIN_HELP));
      return family === undefined ? 2 : 0;
    }
    if (family === "--version" || family === "-V") {
      await io.write(encoder.encode(`weft ${VERSION}\n`));
      return 0;
    }
    const fam = FAMILIES[family];
    if (!fam) {
      const near = closestName(family, Object.keys(FAMILIES), { nng: "sp", zeromq: "zmq" });
      throw new UsageError(
        `unknown command "${family}"; ${
          near ? `did you mean "weft ${near}"?` : 'expected "zmq", "sp" or "nano"'
        } (see weft --help)`,
      );
    }
    if (command === undefined || command === "--help" || command === "-h") {
      await io.write(encoder.encode(fam.help));
      return command === undefined ? 2 : 0;
    }
    const run = fam.commands[command];
    if (!run) {
      const near = closestName(command, Object.keys(fam.commands));
      throw new UsageError(
        `unknown command "${family} ${command}"; ${
          near
            ? `did you mean "weft ${family} ${near}"?`
            : `expected one of ${Object.keys(fam.commands).join(", ")}`
        }`,
      );
    }
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const known = FAMILIES[family ?? ""]?.commands[command ?? ""];
      const where = known ? `weft ${family} ${command}` : "weft";
      await io.error(`${where}: ${error.message}\nRun "${where} --help" for usage.`);
      return 2;
    }
    for (const line of failureLines(error)) await io.error(line);
    return 1;
  }
}
