/**
 * `weft sp cat`: nngcat (nng 1.5.2) for Deno and Bun. It takes nngcat's options as nngcat
 * spells and parses them (see {@link parseNngOpts}), behaves as nngcat does for each protocol,
 * prints received messages byte for byte as nngcat (see {@link formatNng}) and fails with
 * nngcat's messages and exit status 1, so a script written for nngcat runs with
 * `weft sp cat` in its place. Its `--help` text is the reference.
 * @module
 */

import { defaultTransports, InprocNamespace, Sub0, WeftError } from "../sp.ts";
import type { SpOptions, SpSocket, TlsTransportOptions } from "../sp.ts";
import { SP_SOCKETS } from "./sp_sockets.ts";
import type { CliIo } from "./io.ts";
import { NngOptError, parseNngOpts } from "./nng_opts.ts";
import type { NngOpt, NngOptSpec } from "./nng_opts.ts";
import { formatNng, NngFormat } from "./nng_format.ts";
import { messageHint, optionHint, parserHint } from "./sp_cat_hints.ts";
import { isWildcardUrl } from "./hints.ts";

/** `weft sp cat --help`: nngcat's help, with what weft adds or leaves out. */
const HELP = `Usage: weft sp cat <proto> <addr>... [<fmt>] [<opts>...] [<src>]
(nngcat 1.5.2's options and behaviour; long options may be abbreviated)

<proto> must be one of:
  --req0                 (or alias --req)
  --rep0                 (or alias --rep)
  --pub0                 (or alias --pub)
  --sub0                 (or alias --sub)
  --push0                (or alias --push)
  --pull0                (or alias --pull)
  --surveyor0            (or alias --surveyor)
  --respondent0          (or alias --respondent)
  --bus0                 (or alias --bus)
  --pair0
  --pair1
  --pair                 (pair1, or pair0 with --compat)

<addr> must be one or more of:
  --dial <url>           (or alias --connect <url>)
  --listen <url>         (or alias --bind <url>)
  --bind-local <port>    (or alias -L <port>: tcp://127.0.0.1:<port>)
  --connect-local <port> (or alias -l <port>)
  --bind-ipc <path>      (or alias -X <path>: ipc:///<path>)
  --connect-ipc <path>   (or alias -x <path>)
  urls: tcp://host:port, ipc:///path, ws://host:port/path, inproc://name

<fmt> may be one or none of (default: print nothing):
  --format <no|ascii|hex|msgpack|quoted|raw>
  --ascii                (or alias -A)
  --quoted               (or alias -Q)
  --hex
  --msgpack
  --raw

<opts> may be any of:
  --subscribe <topic>    (only with --sub protocol; default: everything)
  --silent               (or alias -q)
  --verbose              (or alias -v)
  --count <num>          (or alias -C <num>)
  --delay <secs>         (or alias -d <secs>)
  --interval <secs>      (or alias -i <secs>)
  --recv-timeout <secs>
  --send-timeout <secs>
  --recv-maxsz <size>    (or alias -Z <size>; 0 = no limit; default: no limit)
  --compat
  --async
  (seconds may have a fraction in weft, e.g. 0.5; nngcat takes whole seconds)

<src> may be one of:
  --file <file>          (or alias -F <file>). Use - for standard input.
  --data <data>          (or alias -D <data>)

TLS (tls+tcp:// and wss://):
  --cacert <file>        trust this CA when dialing (nngcat's mbedTLS cannot check
                         IP addresses in certificates; weft can)
  --cert <file>          (or alias -E <file>) the certificate a listener presents
  --key <file>           its private key (default: read from the --cert file)
  --insecure             (or alias -k) dial without checking the certificate
                         (Bun; Deno cannot, and says so: use --cacert there)

Not in weft: ZeroTier (--zt-home).
`;

const PROTOCOLS = [
  "req0",
  "rep0",
  "pub0",
  "sub0",
  "push0",
  "pull0",
  "surveyor0",
  "respondent0",
  "bus0",
  "pair0",
  "pair1",
  "pair",
] as const;
type Proto = typeof PROTOCOLS[number];

const SPECS: readonly NngOptSpec[] = [
  { name: "help", short: "h", key: "help" },
  { name: "verbose", short: "v", key: "verbose" },
  { name: "silent", short: "q", key: "silent" },
  ...PROTOCOLS.map((p) => ({ name: p, key: p })),
  { name: "sub", key: "sub0" }, // explicit, as "--sub" alone would be ambiguous with subscribe
  { name: "dial", key: "dial", arg: true },
  { name: "listen", key: "listen", arg: true },
  { name: "data", short: "D", key: "data", arg: true },
  { name: "file", short: "F", key: "file", arg: true },
  { name: "subscribe", key: "subscribe", arg: true },
  { name: "format", key: "format", arg: true },
  { name: "ascii", short: "A", key: "ascii" },
  { name: "quoted", short: "Q", key: "quoted" },
  { name: "raw", key: "raw" },
  { name: "hex", key: "hex" },
  { name: "compat", key: "compat" },
  { name: "async", key: "async" },
  { name: "msgpack", key: "msgpack" },
  { name: "recv-maxsz", short: "Z", key: "recv-maxsz", arg: true },
  { name: "count", short: "C", key: "count", arg: true },
  { name: "delay", short: "d", key: "delay", arg: true },
  { name: "interval", short: "i", key: "interval", arg: true },
  { name: "recv-timeout", key: "recv-timeout", arg: true },
  { name: "send-timeout", key: "send-timeout", arg: true },
  { name: "socket-name", key: "socket-name", arg: true },
  { name: "bind", key: "listen", arg: true },
  { name: "connect", key: "dial", arg: true },
  { name: "bind-ipc", short: "X", key: "listen-ipc", arg: true },
  { name: "connect-ipc", short: "x", key: "dial-ipc", arg: true },
  { name: "bind-local", short: "L", key: "listen-local", arg: true },
  { name: "connect-local", short: "l", key: "dial-local", arg: true },
  { name: "insecure", short: "k", key: "insecure" },
  { name: "cacert", key: "cacert", arg: true },
  { name: "key", key: "key", arg: true },
  { name: "cert", short: "E", key: "cert", arg: true },
  { name: "zt-home", key: "zt", arg: true },
  { name: "version", short: "V", key: "version" },
];

const FORMAT_KEYS: Readonly<Record<string, NngFormat>> = {
  ascii: NngFormat.ASCII,
  quoted: NngFormat.QUOTED,
  raw: NngFormat.RAW,
  hex: NngFormat.HEX,
  msgpack: NngFormat.MSGPACK,
};

/** nngcat's fatal(): the message on stderr, exit status 1 (weft adds a hint line after it). */
class Fatal extends Error {
  /** The `hint: …` line, when the option that caused it is known. */
  hint: string | undefined;
}

/** What the command line asks for, checked as nngcat checks it. */
interface Plan {
  proto: Exclude<Proto, "pair">;
  addrs: { listen: boolean; url: string }[];
  format: NngFormat | undefined;
  data: Uint8Array | undefined;
  topics: string[];
  count: number;
  delayMs: number;
  intervalMs: number;
  sendTimeoutMs: number;
  recvTimeoutMs: number;
  recvMaxSize: number | undefined;
  async: boolean;
  verbose: boolean;
  /** --cacert, --cert, --key (PEM texts) and --insecure, as nngcat gives every TLS endpoint. */
  tls: { caCert?: string; cert?: string; key?: string; insecure: boolean };
}

/** nngcat's intarg(), in ms for times; weft also takes a fraction of a second. */
function seconds(value: string): number {
  if (value === "") throw new Fatal("Empty integer argument.");
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Fatal("Integer argument expected.");
  if (Number(value) > 86400) throw new Fatal("Integer argument too large.");
  return Math.round(Number(value) * 1000);
}

function integer(value: string, max: number): number {
  if (value === "") throw new Fatal("Empty integer argument.");
  if (!/^\d+$/.test(value)) throw new Fatal("Integer argument expected.");
  if (Number(value) > max) throw new Fatal("Integer argument too large.");
  return Number(value);
}

async function plan(opts: NngOpt[], io: CliIo): Promise<Plan | "help" | "version"> {
  let proto: Proto | undefined;
  const p: Plan = {
    proto: "req0",
    addrs: [],
    format: undefined,
    data: undefined,
    topics: [],
    count: 0,
    delayMs: 0,
    intervalMs: -1,
    sendTimeoutMs: -1,
    recvTimeoutMs: -1,
    recvMaxSize: undefined,
    async: false,
    verbose: false,
    tls: { insecure: false },
  };
  let compat = false;
  const setFormat = (f: NngFormat) => {
    if (p.format !== undefined) throw new Fatal("Format may be specified only once.");
    p.format = f;
  };
  const setData = (d: Uint8Array) => {
    if (p.data !== undefined) throw new Fatal("Data (--file, --data) may be specified only once.");
    p.data = d;
  };
  for (const { key, value = "" } of opts) {
    try {
      if ((PROTOCOLS as readonly string[]).includes(key)) {
        if (proto !== undefined) throw new Fatal("Only one protocol may be specified.");
        proto = key as Proto;
        continue;
      }
      switch (key) {
        case "help":
          return "help";
        case "version":
          return "version";
        case "verbose":
          p.verbose = true;
          break;
        case "silent":
          p.verbose = false;
          break;
        case "dial":
        case "listen":
          p.addrs.push({ listen: key === "listen", url: value });
          break;
        case "dial-local":
        case "listen-local":
          p.addrs.push({
            listen: key === "listen-local",
            url: `tcp://127.0.0.1:${integer(value, 65536)}`,
          });
          break;
        case "dial-ipc":
        case "listen-ipc":
          p.addrs.push({ listen: key === "listen-ipc", url: `ipc:///${value}` });
          break;
        case "count":
          p.count = integer(value, 0x7fffffff);
          break;
        case "subscribe":
          p.topics.push(value);
          break;
        case "delay":
          p.delayMs = seconds(value);
          break;
        case "interval":
          p.intervalMs = seconds(value);
          break;
        case "send-timeout":
          p.sendTimeoutMs = seconds(value);
          break;
        case "recv-timeout":
          p.recvTimeoutMs = seconds(value);
          break;
        case "recv-maxsz": {
          const n = integer(value, 0x7fffffff);
          p.recvMaxSize = n === 0 ? 0x7fffffff : n;
          break;
        }
        case "compat":
          compat = true;
          break;
        case "async":
          p.async = true;
          break;
        case "format": {
          const f = value === "no" ? NngFormat.NO : FORMAT_KEYS[value];
          if (f === undefined) {
            if (p.format !== undefined) throw new Fatal("Format may be specified only once.");
            throw new Fatal("Invalid format specified.");
          }
          setFormat(f);
          break;
        }
        case "file":
          setData(await load(value, io));
          break;
        case "data":
          setData(new TextEncoder().encode(value));
          break;
        case "insecure":
          p.tls.insecure = true;
          break;
        case "cacert":
          if (p.tls.caCert !== undefined) {
            throw new Fatal("CA Certificate (--cacert) may be specified only once.");
          }
          p.tls.caCert = await pem(value, io);
          break;
        case "cert":
          if (p.tls.cert !== undefined) {
            throw new Fatal("Cert (--cert) may be specified only once.");
          }
          p.tls.cert = await pem(value, io);
          break;
        case "key":
          if (p.tls.key !== undefined) throw new Fatal("Key (--key) may be specified only once.");
          p.tls.key = await pem(value, io);
          break;
        case "zt":
          throw new Fatal("ZeroTier is not supported by weft sp cat.");
        case "socket-name":
          break; // nngcat accepts it and does nothing with it
        default:
          if (FORMAT_KEYS[key]) setFormat(FORMAT_KEYS[key]);
      }
    } catch (error) {
      if (error instanceof Fatal) error.hint ??= optionHint(error.message, key, value);
      throw error;
    }
  }
  if (p.addrs.length === 0) throw new Fatal("No address specified.");
  if (compat) {
    if (p.async) throw new Fatal("Options --async and --compat are incompatible.");
    if (p.count !== 0) throw new Fatal("Options --count and --compat are incompatible.");
    if (proto === "pair1") throw new Fatal("Protocol does not support --compat.");
    if (proto === "pair") proto = "pair0";
    p.async = true;
  } else if (proto === "pair") proto = "pair1";
  if (proto === undefined) throw new Fatal("No protocol specified.");
  p.proto = proto;
  check(p);
  return p;
}

/** nngcat's checks of what each protocol accepts. */
function check(p: Plan): void {
  if (p.proto === "sub0") {
    if (p.topics.length === 0) p.topics.push(""); // subscribe to everything
  } else if (p.topics.length > 0) throw new Fatal("Protocol does not support --subscribe.");
  switch (p.proto) {
    case "pull0":
    case "sub0":
      if (p.data) throw new Fatal("Protocol does not support --file or --data.");
      if (p.intervalMs >= 0) throw new Fatal("Protocol does not support --interval.");
      break;
    case "push0":
    case "pub0":
      if (p.format !== undefined) throw new Fatal("Protocol does not support --format options.");
      if (!p.data) throw new Fatal("Protocol requires either --file or --data.");
      break;
    case "surveyor0":
    case "req0":
      if (!p.data) throw new Fatal("Protocol requires either --file or --data.");
      break;
    case "rep0":
    case "respondent0":
      if (p.intervalMs >= 0) throw new Fatal("Protocol does not support --interval.");
      break;
    default:
      if (p.intervalMs >= 0 && !p.data) {
        throw new Fatal("Option --interval requires either --file or --data.");
      }
  }
}

async function load(path: string, io: CliIo): Promise<Uint8Array> {
  if (path !== "-") {
    try {
      return await io.readFile(path);
    } catch (error) {
      throw new Fatal(`Cannot open file ${path}: ${(error as Error).message}`);
    }
  }
  const parts: Uint8Array[] = [];
  for await (const chunk of io.stdin()) parts.push(chunk);
  const out = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of parts) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A PEM file's text (`-` reads standard input, as nngcat's loadfile does). */
async function pem(path: string, io: CliIo): Promise<string> {
  return new TextDecoder().decode(await load(path, io));
}

/**
 * The runtime's transports with nngcat's TLS settings for tls+tcp:// and wss://: the own
 * certificate (the key defaults to the certificate's file, which may hold both) for listeners,
 * the CA and --insecure for dialers. As with nngcat, a listener does not ask for client
 * certificates, so --cacert only matters when dialing.
 */
function tlsTransports(tls: Plan["tls"]) {
  const { caCert, cert, key, insecure } = tls;
  if (caCert === undefined && cert === undefined && key === undefined && !insecure) return {};
  const options: TlsTransportOptions = {
    ...(cert !== undefined ? { cert, key: key ?? cert } : {}),
    ...(caCert !== undefined ? { caCerts: [caCert] } : {}),
    ...(insecure ? { insecure } : {}),
  };
  return { transports: defaultTransports(new InprocNamespace(), { tls: options }) };
}

function open(p: Plan): SpSocket {
  const options: SpOptions = {
    ...tlsTransports(p.tls),
    // nngcat leaves nng 1.5.2's default in place: no receive limit.
    recvMaxSize: p.recvMaxSize ?? 0,
    ...(p.sendTimeoutMs > 0 ? { sendTimeout: p.sendTimeoutMs } : {}),
    ...(p.recvTimeoutMs > 0 ? { recvTimeout: p.recvTimeoutMs } : {}),
  };
  const sock = new SP_SOCKETS[p.proto]!(options);
  if (sock instanceof Sub0) { for (const t of p.topics) sock.subscribe(t); }
  return sock;
}

/** nng_strerror() for the codes weft reports, so error lines read as nngcat's. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: "Connection refused",
  EADDRINUSE: "Address in use",
  EADDRINVAL: "Address invalid",
  EINVAL: "Invalid argument",
  EPROTO: "Protocol error",
  ETIMEDOUT: "Timed out",
  ECLOSED: "Object closed",
  ESTATE: "Incorrect state",
  EMSGSIZE: "Message too large",
  ENOTSUP: "Not supported",
  ECONNRESET: "Connection reset",
  ECONNSHUT: "Connection shutdown",
};

function strerror(error: unknown): string {
  if (error instanceof WeftError) return STRERROR[error.code] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

const isCode = (error: unknown, ...codes: string[]) =>
  error instanceof WeftError && codes.includes(error.code);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a send waits for a peer before weft says so (on a terminal, or with -v). */
const WAIT_NOTICE_MS = 500;

/** The loops of nngcat, over one socket. */
class Cat {
  readonly #sock: SpSocket;
  readonly #p: Plan;
  readonly #io: CliIo;

  constructor(sock: SpSocket, p: Plan, io: CliIo) {
    this.#sock = sock;
    this.#p = p;
    this.#io = io;
  }

  #print(body: Uint8Array): Promise<void> {
    const f = this.#p.format;
    if (f === undefined || f === NngFormat.NO) return Promise.resolve();
    return this.#io.write(formatNng(body, f));
  }

  async #send(): Promise<void> {
    // nngcat waits silently for a peer; weft says so on stderr (a terminal, or -v), once.
    const say = !this.#waitNoticed && (this.#p.verbose || this.#io.stderrIsTerminal?.());
    const notice = say ? setTimeout(() => this.#noticeWait(), WAIT_NOTICE_MS) : undefined;
    try {
      await this.#sock.send(this.#p.data!);
    } catch (error) {
      throw new Fatal(`Send error: ${strerror(error)}`);
    } finally {
      clearTimeout(notice);
    }
  }

  #waitNoticed = false;

  #noticeWait(): void {
    this.#waitNoticed = true;
    const where = this.#p.addrs.map((a) => `${a.listen ? "listening at" : "dialing"} ${a.url}`);
    void this.#io.error(
      `weft: waiting for a peer to take the message (${where.join(", ")}); ` +
        `start the other side, or Ctrl-C to stop`,
    );
  }

  /** Receives and prints until --count, a timeout or the end of a survey. */
  async recvLoop(): Promise<void> {
    for (let n = 0; this.#p.count === 0 || n < this.#p.count; n++) {
      let body: Uint8Array;
      try {
        body = await this.#sock.recv();
      } catch (error) {
        if (isCode(error, "ETIMEDOUT", "ESTATE")) return;
        throw new Fatal(`Receive error: ${strerror(error)}`);
      }
      await this.#print(body);
    }
  }

  /** REP/RESPONDENT with data: answer every request with it. */
  async respLoop(): Promise<void> {
    for (let n = 0; this.#p.count === 0 || n < this.#p.count; n++) {
      let body: Uint8Array;
      try {
        body = await this.#sock.recv();
      } catch (error) {
        throw new Fatal(`Receive error: ${strerror(error)}`);
      }
      await this.#print(body);
      await this.#send();
    }
    await sleep(200);
  }

  /** PUSH/PUB: send --count times, every --interval; then give queues 200 ms to drain. */
  async sendLoop(): Promise<void> {
    const { delayMs, intervalMs, count } = this.#p;
    if (delayMs > 0) await sleep(delayMs);
    for (let n = 1;; n++) {
      const start = Date.now();
      await this.#send();
      if ((intervalMs < 0 && count === 0) || (count > 0 && n >= count)) break;
      const spent = Date.now() - start;
      if (spent < intervalMs) await sleep(intervalMs - spent);
    }
    await sleep(200);
  }

  /** REQ/SURVEYOR/PAIR/BUS with data: send, then receive until the interval is over. */
  async sendRecv(): Promise<void> {
    const { delayMs, intervalMs, count, recvTimeoutMs } = this.#p;
    if (delayMs > 0) await sleep(delayMs);
    for (let n = 1;; n++) {
      const start = Date.now();
      await this.#send();
      if (intervalMs < 0 && count === 0) return await this.recvLoop();
      for (;;) {
        // The receive timeout is what is left of the interval (capped by --recv-timeout).
        let expire = intervalMs < 0 ? -1 : Math.max(0, intervalMs - (Date.now() - start));
        if (recvTimeoutMs >= 0 && (expire < 0 || expire > recvTimeoutMs)) expire = recvTimeoutMs;
        this.#sock.recvTimeout = expire;
        let body: Uint8Array;
        try {
          body = await this.#sock.recv();
        } catch (error) {
          if (isCode(error, "ETIMEDOUT", "ESTATE")) break;
          throw new Fatal(`Cannot receive: ${strerror(error)}`);
        }
        await this.#print(body);
      }
      if (count > 0 && n >= count) return;
      const spent = Date.now() - start;
      if (spent < intervalMs) await sleep(intervalMs - spent);
    }
  }
}

async function attach(sock: SpSocket, p: Plan, io: CliIo): Promise<void> {
  const say = (line: string) => io.write(new TextEncoder().encode(line + "\n"));
  for (const a of p.addrs) {
    try {
      if (!a.listen && isWildcardUrl(a.url)) {
        throw new Fatal(`Unable to create dialer for ${a.url}: Address invalid`);
      }
      if (a.listen) await sock.listen(a.url);
      else await sock.dial(a.url, { nonBlocking: p.async });
    } catch (error) {
      if (error instanceof Fatal) throw error;
      throw new Fatal(`Unable to ${a.listen ? "listen" : "dial"} on ${a.url}: ${strerror(error)}`);
    }
    if (p.verbose) {
      await say(
        a.listen ? `Listening at: ${sock.lastEndpoint ?? a.url}` : `Connected to: ${a.url}`,
      );
    }
  }
}

async function run(sock: SpSocket, p: Plan, io: CliIo): Promise<void> {
  await attach(sock, p, io);
  const cat = new Cat(sock, p, io);
  switch (p.proto) {
    case "sub0":
    case "pull0":
      return await cat.recvLoop();
    case "rep0":
    case "respondent0":
      return await (p.data ? cat.respLoop() : cat.recvLoop());
    case "push0":
    case "pub0":
      return await cat.sendLoop();
    case "bus0":
    case "pair0":
    case "pair1":
      return await (p.data ? cat.sendRecv() : cat.recvLoop());
    case "req0":
    case "surveyor0":
      return await cat.sendRecv();
  }
}

const OPTION_NAMES = SPECS.map((s) => s.name);

/** nngcat's message, as nngcat prints it, then weft's hint line (if there is one). */
async function fail(error: Fatal | NngOptError, io: CliIo): Promise<void> {
  await io.error(error.message);
  const hint = error instanceof Fatal
    ? error.hint ?? messageHint(error.message)
    : parserHint(error.message, OPTION_NAMES);
  if (hint) await io.error(hint);
}

/**
 * Runs `weft sp cat` with the arguments after `cat`; returns the exit status (0 done or
 * `--help`, 1 as nngcat's fatal errors — nngcat's message, then a `hint:` line — 130
 * interrupted).
 *
 * @example
 * ```ts
 * import { spCat } from "./sp_cat.ts";
 * import assert from "node:assert/strict";
 * const err: string[] = [];
 * const io = {
 *   args: [], stdin: async function* () {}, stdinIsTerminal: () => true,
 *   write: async () => {}, error: async (line: string) => void err.push(line),
 *   readFile: () => Promise.reject(new Error("no files")), onInterrupt: () => () => {},
 * };
 * assert.equal(await spCat(["--pair", "--listen", "tcp://127.0.0.1:0", "--compat", "--count", "1"], io), 1);
 * assert.equal(err[0], "Options --count and --compat are incompatible.");
 * assert.match(err[1]!, /^hint: --compat/);
 * ```
 */
export async function spCat(argv: readonly string[], io: CliIo): Promise<number> {
  let p: Plan | "help" | "version";
  try {
    p = await plan(parseNngOpts(argv, SPECS).opts, io);
  } catch (error) {
    if (!(error instanceof Fatal || error instanceof NngOptError)) throw error;
    await fail(error, io);
    return 1;
  }
  if (p === "help" || p === "version") {
    // nngcat's --help exits 1; weft's exits 0, as asking for help is not a failure.
    await io.write(new TextEncoder().encode(p === "help" ? HELP : "1.5.2 (weft)\n"));
    return 0;
  }
  const sock = open(p);
  let interrupted = false;
  const stop = io.onInterrupt(() => {
    interrupted = true;
    sock.close();
  });
  try {
    await run(sock, p, io);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    if (!(error instanceof Fatal)) throw error;
    await fail(error, io);
    return 1;
  } finally {
    stop();
    sock.close();
  }
}
