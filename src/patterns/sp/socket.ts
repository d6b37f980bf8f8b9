/**
 * The SP socket: the socket core with SP sessions on its connections and nng's API —
 * `listen`/`dial`, `send`/`recv` of byte messages, options in milliseconds, nng's dial
 * semantics and ws subprotocol rules. Every SP protocol's socket extends it.
 * @module
 */

import { batchIterator } from "../../core/batch_iterator.ts";
import { concat } from "../../core/bytes.ts";
import { ErrorCode, WeftError } from "../../core/errors.ts";
import type { SocketEvent } from "../../core/events.ts";
import {
  CORE_DEFAULTS,
  CORE_RULES,
  integerOption,
  noCallOptionsError,
  OptionTable,
} from "../../core/options.ts";
import type { CoreOptions } from "../../core/options.ts";
import type { Message } from "../../core/pipe.ts";
import { SocketCore } from "../../core/socket.ts";
import type { WireLink, WireSession, WireSessionSink } from "../../core/wire.ts";
import type { DialOptions, ListenOptions } from "../../transport/types.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import { wsSubprotocol } from "../../protocol/sp/ids.ts";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, SpSession } from "../../protocol/sp/session.ts";
import { nngError, toNngError } from "./errors.ts";
import { EMPTY, toBytes, toSpMessage } from "./message.ts";
import type { SpData, SpMessage } from "./message.ts";
import {
  checkSize,
  checkSpOption,
  checkSpOptions,
  checkTtl,
  coreOptions,
  DEFAULT_BUFFER,
} from "./options.ts";
import type { SpOptions } from "./options.ts";

/** Options of {@link SpSocket.dial}. */
export interface DialFlags {
  /** Return at once and keep dialing in the background (nng's `NNG_FLAG_NONBLOCK`). */
  nonBlocking?: boolean;
}

interface DialWait {
  resolve: () => void;
  reject: (error: Error) => void;
}

const CODES = new Set<string>(Object.values(ErrorCode));

const bodyFrame = (frames: Message) => frames[1] ?? EMPTY;
const wholeFrames = (frames: Message) => {
  const header = frames[0] ?? EMPTY;
  const body = frames[1] ?? EMPTY;
  return header.length ? concat([header, body]) : body;
};

/**
 * The base of every SP socket (see the module doc): `listen`/`dial`, `send`/`recv`, options and
 * events shared by Pair0 … Bus0. Construct the concrete socket from `weft/sp`.
 *
 * @example
 * ```ts
 * import { Pull0, Push0, type SpSocket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // Every SP socket listens, dials, sends and receives the same way.
 * const connectPair = async (server: SpSocket, client: SpSocket, url: string) => {
 *   await server.listen(url);
 *   await client.dial(url); // resolves once connected
 * };
 * await using pull = new Pull0();
 * await using push = new Push0();
 * await connectPair(pull, push, "inproc://sp-socket-doc");
 * await push.send("hello");
 * assert.equal(new TextDecoder().decode(await pull.recv()), "hello");
 * ```
 */
export abstract class SpSocket extends SocketCore<CoreOptions>
  implements AsyncIterable<Uint8Array> {
  readonly #protocol: SpProtocol;
  readonly #raw: boolean;
  #recvMaxSize: number;
  #maxTtl: number;
  #handshakeTimeout: number;
  readonly #dialWaits = new Map<string, DialWait>();

  /**
   * Subclasses pass their protocol, the user's options (with `transports`) and their default
   * `sendBuffer`. Throws `EINVAL` for an option the protocol does not take (naming the closest)
   * or a value of the wrong type.
   */
  protected constructor(protocol: SpProtocol, options: SpOptions, sendBuffer = DEFAULT_BUFFER) {
    checkSpOptions(protocol.name, options);
    if (!options.transports) {
      throw new WeftError("EINVAL", "SP socket: expected options.transports (a TransportRegistry)");
    }
    super(
      protocol.name,
      new OptionTable(CORE_DEFAULTS, CORE_RULES, coreOptions(options, sendBuffer)),
      options.transports,
    );
    this.#protocol = protocol;
    this.#raw = options.raw ?? false;
    this.#recvMaxSize = options.recvMaxSize ?? 1 << 20;
    this.#maxTtl = checkTtl(options.maxTtl ?? 8);
    this.#handshakeTimeout = checkTimeout(options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  }

  /** The protocol's nng name (`req`, `pair1`…). */
  get protocol(): string {
    return this.#protocol.name;
  }
  /** The peer protocol's name. */
  get peer(): string {
    return this.#protocol.peerName;
  }
  /** The protocol id (`0x30` for req0). */
  get protocolId(): number {
    return this.#protocol.id;
  }
  /** Whether the socket is raw. */
  get raw(): boolean {
    return this.#raw;
  }

  // ── endpoints ────────────────────────────────────────────────────────────────────────────

  /** Listens on `url` (tcp://, ipc://, inproc://, ws://); resolves once bound. */
  listen(url: string): Promise<void> {
    return this.bind(url);
  }

  /**
   * Dials `url`: resolves on the first completed connection, rejects on the first failure
   * (and stops). `{ nonBlocking: true }` returns at once and keeps retrying in the background
   * every `reconnectTime` (doubling up to `reconnectMaxTime`). Lost connections are re-dialed.
   */
  dial(url: string, flags?: DialFlags): Promise<void> {
    try {
      this.connect(url);
    } catch (error) {
      return Promise.reject(error);
    }
    if (flags?.nonBlocking) return Promise.resolve();
    return new Promise((resolve, reject) => this.#dialWaits.set(url, { resolve, reject }));
  }

  /** Watches each dialer's first attempt for {@link SpSocket.dial}. */
  protected override emit(event: SocketEvent): void {
    super.emit(event);
    if (this.#dialWaits.size === 0) return;
    const wait = this.#dialWaits.get(event.endpoint);
    if (!wait) return;
    if (event.type === "handshake") {
      this.#dialWaits.delete(event.endpoint);
      wait.resolve();
    } else if (
      event.type === "connect:delay" || event.type === "handshake:error" ||
      event.type === "disconnect" || event.type === "close"
    ) {
      this.#dialWaits.delete(event.endpoint);
      if (event.type !== "close" && !this.isClosed) this.disconnect(event.endpoint);
      const code = event.type === "close"
        ? "ECLOSED"
        : event.code && CODES.has(event.code)
        ? event.code as ErrorCode
        : "ECONNREFUSED";
      wait.reject(new WeftError(code, `dial ${event.endpoint}: ${event.reason ?? "closed"}`));
    }
  }

  // ── the wire ─────────────────────────────────────────────────────────────────────────────

  /** An SP session for a new connection (screened by {@link SpSocket.refuseArrival}). */
  protected createSession(_asServer: boolean, sink: WireSessionSink, link: WireLink): WireSession {
    return new SpSession({
      selfId: this.#protocol.id,
      peerId: this.#protocol.peer,
      framing: link.framing,
      ipc: /^(ipc|unix|abstract):/.test(link.endpoint),
      recvMaxSize: this.#recvMaxSize,
      handshakeTimeoutMs: this.#handshakeTimeout,
    }, this.screensArrivals ? screen(sink, (payload) => this.refuseArrival(payload)) : sink);
  }

  /**
   * SP stays on the bytes over inproc: its wire reshapes a message (sent as `[header, body]`,
   * received as one payload) and screens arrivals in the session's sink, so a message passed
   * by reference would reach the peer in the wrong shape and unchecked.
   */
  protected override get passesMessages(): boolean {
    return false;
  }

  /** Whether {@link SpSocket.refuseArrival} looks at each message (patterns that do set it). */
  protected get screensArrivals(): boolean {
    return false;
  }

  /**
   * Looks at a message's payload as it arrives, before it is queued: a reason closes that
   * connection (EPROTO, a `disconnect` event naming it), as nng does with garbage headers,
   * whether or not anyone is receiving. Called only when {@link SpSocket.screensArrivals}.
   */
  protected refuseArrival(_payload: Uint8Array): string | undefined {
    return undefined;
  }

  /** A ws dialer offers `<peer>.sp.nanomsg.org`; a text message closes it (1003, as nng). */
  protected override dialOptions(): DialOptions {
    return { protocols: [wsSubprotocol(this.#protocol.peerName)], textMessages: "refuse" };
  }

  /** A ws listener accepts only `<self>.sp.nanomsg.org`; text messages close with 1003. */
  protected override listenOptions(): ListenOptions {
    const own = wsSubprotocol(this.#protocol.name);
    return {
      selectProtocol: (offered) => offered.includes(own) ? own : undefined,
      textMessages: "refuse",
      ...(this.#recvMaxSize > 0 ? { maxMessageSize: this.#recvMaxSize } : {}),
    };
  }

  // ── send and receive ─────────────────────────────────────────────────────────────────────

  /**
   * Sends a message. Cooked sockets add their header; raw sockets take it from the front of
   * `data` by the protocol's rules (use {@link SpSocket.sendMsg} to pass it apart). Takes no
   * flags: a second argument rejects with `EINVAL` naming `sendTimeout`; protocols that cannot
   * send (PULL, SUB) reject with `ENOTSUP`.
   */
  send(data: SpData, options?: never): Promise<void> {
    if (options !== undefined) {
      return Promise.reject(noCallOptionsError("send()", options, "sendTimeout"));
    }
    const bytes = toBytes(data);
    let sent: Promise<void>;
    if (this.#raw) {
      const m = this.splitRaw(bytes);
      sent = this.sendParts(m.header, m.body);
    } else {
      sent = this.sendParts(EMPTY, bytes);
    }
    // Only a timeout needs its code renamed: without one, hand the core's promise back as is
    // (a `.catch` costs a promise and two microtask hops per message, which also splits the
    // pipe's flush bursts of an `await send()` loop).
    return this.options.sendTimeout < 0 ? sent : sent.catch(nngError);
  }

  /**
   * Receives the next message's body (raw sockets: header and body together). Waits up to
   * `recvTimeout` (then `ETIMEDOUT`, as nng). Takes no flags: an argument
   * (`recv({ timeout: 100 })`) rejects with `EINVAL` naming `recvTimeout`.
   */
  recv(options?: never): Promise<Uint8Array> {
    if (options !== undefined) {
      return Promise.reject(noCallOptionsError("recv()", options, "recvTimeout"));
    }
    return this.receiveBody();
  }

  /**
   * Only SUB0 sockets subscribe: on any other protocol this throws `ENOTSUP` naming it (for
   * JavaScript callers; TypeScript refuses the call, as the method is not public here).
   */
  protected subscribe(_prefix?: SpData): void {
    throw new WeftError("ENOTSUP", `${this.protocol} sockets have no subscribe(): use a Sub0`);
  }

  /** Only SUB0 sockets unsubscribe: elsewhere `ENOTSUP`, as {@link SpSocket.subscribe}. */
  protected unsubscribe(_prefix?: SpData): void {
    throw new WeftError("ENOTSUP", `${this.protocol} sockets have no unsubscribe(): use a Sub0`);
  }

  /** Sends a message with an explicit SP header (raw sockets; cooked ones ignore it). */
  sendMsg(message: { header?: Uint8Array; body: SpData }): Promise<void> {
    return this.sendParts(message.header ?? EMPTY, toBytes(message.body)).catch(nngError);
  }

  /** Receives the next message with its SP header apart and the id of the pipe it came by. */
  recvMsg(): Promise<SpMessage> {
    return this.receiveMessage().catch(nngError);
  }

  /** Iterates received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return batchIterator(() => this.isClosed, () => this.receiveBodies(), toNngError);
  }

  /** Sends one message as header and body (cooked: the pattern writes its own header). */
  protected sendParts(header: Uint8Array, body: Uint8Array): Promise<void> {
    return this.sendFrames([header, body]);
  }

  /** Receives one message's body as `recv()` returns it (raw: header and body together). */
  protected receiveBody(): Promise<Uint8Array> {
    return this.receiveFrames().then(this.#raw ? wholeFrames : bodyFrame, nngError);
  }

  /** Receives one message with its header apart. */
  protected receiveMessage(): Promise<SpMessage> {
    return this.receiveFrames().then(toSpMessage);
  }

  /**
   * Receives every message that is ready (at least one) as `recv()` would return them: bodies
   * (raw sockets: header and body together). The batch path `for await` uses.
   */
  protected receiveBodies(): Promise<Uint8Array[]> {
    return this.receiveReady().then(this.#bodies);
  }

  readonly #bodies = (got: Message[]): Uint8Array[] => {
    const out = new Array<Uint8Array>(got.length);
    for (let i = 0; i < got.length; i++) {
      const header = got[i]![0]!;
      const body = got[i]![1]!;
      out[i] = this.#raw && header.length > 0 ? concat([header, body]) : body;
    }
    return out;
  };

  /** Splits what a raw socket's `send(bytes)` got into header and body (protocol rules). */
  protected splitRaw(data: Uint8Array): SpMessage {
    return { header: EMPTY, body: data };
  }

  /**
   * Closes the socket, synchronously and idempotently: pending operations fail with `ECLOSED`,
   * and every message `send()` accepted while a peer was connected is still written to it for
   * up to `linger` ms (default 1000; -1 = until written; 0 drops them, as nng does). `closed`
   * settles when that is done: `close(); await closed` before the program exits.
   */
  override close(): void {
    if (this.isClosed) return;
    super.close();
    for (const [url, wait] of this.#dialWaits) {
      wait.reject(new WeftError("ECLOSED", `dial ${url}: the socket was closed`));
    }
    this.#dialWaits.clear();
  }

  // ── options ──────────────────────────────────────────────────────────────────────────────

  /** Largest message accepted, bytes (0 = unlimited); applies to new connections. */
  get recvMaxSize(): number {
    return this.#recvMaxSize;
  }
  set recvMaxSize(value: number) {
    this.#recvMaxSize = checkSize(value);
  }
  /** Longest wait for a peer's SP header, ms (0 = none); applies to new connections. */
  get handshakeTimeout(): number {
    return this.#handshakeTimeout;
  }
  set handshakeTimeout(value: number) {
    this.#handshakeTimeout = checkTimeout(value);
  }
  /** Connections each listener holds at once (0 = no limit); applies to later accepts. */
  get maxConnections(): number {
    return this.options.maxConnections;
  }
  set maxConnections(value: number) {
    this.setOption("maxConnections", value);
  }
  /** Most hops a routed message may have taken (1–15). */
  get maxTtl(): number {
    return this.#maxTtl;
  }
  set maxTtl(value: number) {
    this.#maxTtl = checkTtl(value);
  }
  /** send() timeout, ms (-1 = none). */
  get sendTimeout(): number {
    return this.options.sendTimeout;
  }
  set sendTimeout(value: number) {
    this.setOption("sendTimeout", checkSpOption("sendTimeout", value));
  }
  /** recv() timeout, ms (-1 = none). */
  get recvTimeout(): number {
    return this.options.receiveTimeout;
  }
  set recvTimeout(value: number) {
    this.setOption("receiveTimeout", checkSpOption("recvTimeout", value));
  }
  /** Messages queued per peer before send waits or drops. */
  get sendBuffer(): number {
    return this.options.sendHighWaterMark;
  }
  set sendBuffer(value: number) {
    this.setOption("sendHighWaterMark", Math.max(1, checkSpOption("sendBuffer", value)));
  }
  /** Messages queued per peer before reading from it pauses. */
  get recvBuffer(): number {
    return this.options.receiveHighWaterMark;
  }
  set recvBuffer(value: number) {
    this.setOption("receiveHighWaterMark", Math.max(1, checkSpOption("recvBuffer", value)));
  }
  /** First re-dial delay, ms. */
  get reconnectTime(): number {
    return this.options.reconnectInterval;
  }
  set reconnectTime(value: number) {
    this.setOption("reconnectInterval", checkSpOption("reconnectTime", value));
  }
  /**
   * How long `close()` keeps flushing accepted messages, ms: -1 = until written, 0 = drop
   * them (as nng does). Default 1000 (`DEFAULT_LINGER`).
   */
  get linger(): number {
    return this.options.linger;
  }
  set linger(value: number) {
    this.setOption("linger", value);
  }
  /** Cap of the re-dial back-off, ms (0 = none). */
  get reconnectMaxTime(): number {
    return this.options.reconnectMaxInterval;
  }
  set reconnectMaxTime(value: number) {
    this.setOption("reconnectMaxInterval", checkSpOption("reconnectMaxTime", value));
  }
}

/** `sink` with each message first put to `refuse`; the first refusal fails the connection. */
function screen(
  sink: WireSessionSink,
  refuse: (payload: Uint8Array) => string | undefined,
): WireSessionSink {
  let failed = false;
  return {
    write: (bytes) => sink.write(bytes),
    ready: (peer) => sink.ready(peer),
    subscription: (topic, subscribe) => sink.subscription(topic, subscribe),
    error: (error) => {
      failed = true;
      sink.error(error);
    },
    message: (frames) => {
      if (failed) return; // the rest of a chunk that held a refused message
      const reason = refuse(frames[0]!);
      if (reason === undefined) return sink.message(frames);
      failed = true;
      sink.error({ code: "EPROTO", reason, phase: "traffic" });
    },
  };
}

const checkTimeout = (value: number) => integerOption(0)("handshakeTimeout", value);
