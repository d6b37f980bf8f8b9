/**
 * The ZeroMQ socket: the socket core with ZMTP 3.1 sessions on its connections, zeromq.js's
 * API (`bind`/`connect`, `send`/`receive` of multipart messages, batches, options as
 * properties) and libzmq's options.
 * @module
 */

import { batchIterator } from "../../core/batch_iterator.ts";
import { WeftError } from "../../core/errors.ts";
import { noCallOptionsError, OptionTable } from "../../core/options.ts";
import type { Message } from "../../core/pipe.ts";
import { SocketCore } from "../../core/socket.ts";
import type { WireLink, WireSession, WireSessionSink } from "../../core/wire.ts";
import { ZmtpSession } from "../../protocol/zmtp/mod.ts";
import type { SocketType } from "../../protocol/zmtp/mod.ts";
import { z85Encode } from "../../protocol/zmtp/curve/z85.ts";
import { checkCurveOptions } from "./curve_security.ts";
import { selectZwsProtocol, zwsMode, zwsOffer } from "../../protocol/zmtp/zws.ts";
import type { DialOptions, ListenOptions } from "../../transport/types.ts";
import { checkSocketOptions, DEFAULTS, RULES } from "./options.ts";
import type { ResolvedOptions, SocketOptions } from "./options.ts";
import type { TransportRegistry } from "../../transport/types.ts";
import { tagFrames } from "./message_properties.ts";
import {
  type Authenticator,
  checkSecurity,
  mechanismNameOf,
  securityFor,
  type SecurityValues,
} from "./security.ts";

/** What `send` accepts: one frame or several (a multipart message). */
export type MessageLike = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

const encoder = new TextEncoder();

/** Handshake commands (PLAIN, CURVE) may exceed a small `maxMessageSize`, as over tcp. */
const ZWS_COMMAND_ALLOWANCE = 8192;

/**
 * Converts what `send` accepts into frames (strings as UTF-8).
 *
 * @example
 * ```ts
 * import { toMessage } from "./socket.ts";
 * import assert from "node:assert/strict";
 * const frames = toMessage(["topic", new Uint8Array([1, 2])]);
 * assert.equal(frames.length, 2);
 * assert.equal(new TextDecoder().decode(frames[0]), "topic");
 * ```
 */
export function toMessage(message: MessageLike): Message {
  if (typeof message === "string") return [encoder.encode(message)];
  if (message instanceof Uint8Array) return [message];
  if (message.length === 0) {
    throw new WeftError("EINVAL", "send: expected at least one frame, got an empty array");
  }
  return message.map((f) => typeof f === "string" ? encoder.encode(f) : f);
}

/**
 * The base of every ZeroMQ socket type, and the API they share: bind/connect (with reconnect
 * and back-off), send/receive (queued in call order; no EBUSY), batches, async iteration,
 * monitor events, options as properties, and close with linger. Its connections speak ZMTP
 * 3.1 with the socket's options (routing id, heartbeats, handshake limit, maximum message
 * size). Construct a concrete socket (`Push`, `Sub`, `Router`…) from `weft/zmq`.
 *
 * @example
 * ```ts
 * import { Pull, Push, type Socket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // Every ZeroMQ socket shares this base: endpoints, options, send, receive, close.
 * const tune = (socket: Socket) => {
 *   socket.sendHighWaterMark = 10; // options are properties too
 *   socket.linger = 0;
 * };
 * await using push = new Push();
 * tune(push);
 * assert.equal(push.sendHighWaterMark, 10);
 * await using pull = new Pull();
 * await pull.bind("inproc://zmq-socket-doc");
 * push.connect("inproc://zmq-socket-doc");
 * await push.send("hello");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "hello");
 * ```
 */
export abstract class Socket extends SocketCore<ResolvedOptions> implements AsyncIterable<Message> {
  /** The ZMTP socket type, e.g. `"PUSH"`. */
  declare readonly socketType: string;
  /** Current option values (read and write them through the socket's properties). */
  declare readonly options: ResolvedOptions;
  readonly #transports: TransportRegistry;

  /**
   * Subclasses pass their ZMTP type and the user's options (with `transports` filled in).
   * Throws `EINVAL` for an option the type does not take, naming the closest one.
   */
  protected constructor(socketType: string, options: SocketOptions) {
    checkSocketOptions(socketType, options);
    super(
      socketType,
      new OptionTable<ResolvedOptions>(DEFAULTS, RULES, options as Partial<ResolvedOptions>),
      options.transports,
    );
    // SocketCore checks transports is set; the ZAP handler lookup needs its inproc namespace.
    this.#transports = options.transports!;
    checkSecurity(this.options);
  }

  /**
   * A ZMTP session configured from this socket's options: the security mechanism and
   * authenticator come from `security.ts`; secured connections tag received frames with the
   * peer's properties (`messageProperty`). Over a WebSocket it speaks ZWS 2.0 in the mode the
   * negotiated subprotocol names.
   */
  protected createSession(asServer: boolean, sink: WireSessionSink, link: WireLink): WireSession {
    const o = this.options;
    const mode = link.framing === "messages" ? zwsMode(link.protocol) : undefined;
    if (link.framing === "messages" && mode === undefined) {
      // Only a listener/dialer of ours negotiates; anything else is a wiring mistake.
      throw new WeftError("EPROTO", `expected a ZWS 2.0 subprotocol, got ${link.protocol}`);
    }
    const security = securityFor(o, {
      remoteAddress: link.remoteAddress ?? "",
      routingId: o.routingId,
      transports: this.#transports,
      timeoutMs: o.handshakeInterval,
    });
    const secured = security.mechanism.name !== "NULL" || security.authenticate !== undefined;
    return new ZmtpSession({
      mechanism: security.mechanism,
      ...(security.authenticate ? { authenticate: security.authenticate } : {}),
      ...(mode ? { zws: { mode, ...(link.ping ? { ping: link.ping } : {}) } } : {}),
      socketType: this.socketType as SocketType,
      asServer,
      routingId: o.routingId,
      maxMessageSize: o.maxMessageSize,
      heartbeatIntervalMs: o.heartbeatInterval,
      heartbeatTimeoutMs: o.heartbeatTimeout >= 0 ? o.heartbeatTimeout : o.heartbeatInterval,
      heartbeatTtlMs: o.heartbeatTimeToLive,
      handshakeIntervalMs: o.handshakeInterval,
    }, secured ? tagFrames(sink) : sink);
  }

  /** The security mechanism the options choose: it names the ZWS 2.0 subprotocol. */
  #mechanismName(): string {
    return mechanismNameOf(this.options);
  }

  /**
   * A ws dial offers the ZWS 2.0 subprotocols of the socket's mechanism (as libzmq), never
   * fragments (libzmq refuses fragments) and refuses text messages.
   */
  protected override dialOptions(): DialOptions {
    return {
      protocols: zwsOffer(this.#mechanismName()),
      textMessages: "refuse",
      fragmentSize: Infinity,
      ...this.#wsMessageLimit(),
    };
  }

  /** A ws listener takes the first offered ZWS 2.0 subprotocol of the socket's mechanism. */
  protected override listenOptions(): ListenOptions {
    const mechanism = this.#mechanismName();
    return {
      selectProtocol: (offered) => selectZwsProtocol(mechanism, offered),
      textMessages: "refuse",
      fragmentSize: Infinity,
      ...this.#wsMessageLimit(),
    };
  }

  /** With `maxMessageSize` set, the ws layer refuses what the session would refuse anyway. */
  #wsMessageLimit(): { maxMessageSize?: number } {
    const max = this.options.maxMessageSize;
    return max >= 0 ? { maxMessageSize: Math.max(max, ZWS_COMMAND_ALLOWANCE) + 64 } : {};
  }

  // ── endpoints ────────────────────────────────────────────────────────────────────────────

  /**
   * Binds to an endpoint and accepts peers there. Resolves once listening; `lastEndpoint`
   * then holds the real address (e.g. the port chosen for `tcp://127.0.0.1:0`).
   */
  override bind(url: string): Promise<void> {
    try {
      checkCurveOptions(this.options);
    } catch (e) {
      return Promise.reject(e);
    }
    return super.bind(url);
  }

  /** Stops listening on an endpoint (as bound, or as reported in `lastEndpoint`). */
  override unbind(url: string): Promise<void> {
    return super.unbind(url);
  }

  /**
   * Connects to an endpoint. Returns at once: the connection is made in the background and
   * re-made with back-off whenever it drops, until `disconnect` or `close`.
   */
  override connect(url: string): void {
    checkCurveOptions(this.options);
    super.connect(url);
  }

  /** Stops connecting to an endpoint and drops its connection. */
  override disconnect(url: string): void {
    super.disconnect(url);
  }

  // ── send and receive ─────────────────────────────────────────────────────────────────────

  /**
   * Sends a message (a string, bytes, or an array of them for a multipart message). Resolves
   * once the message is queued for a peer (or dropped, for types that drop, like PUB). Waits
   * while every eligible peer is at its high-water mark, up to `sendTimeout` (then `EAGAIN`).
   * Takes no options: a second argument rejects with `EINVAL` naming `sendTimeout`. Types that
   * cannot send (PULL, SUB) reject with `ENOTSUP`.
   */
  send(message: MessageLike, options?: never): Promise<void> {
    if (options !== undefined) {
      return Promise.reject(noCallOptionsError("send()", options, "sendTimeout"));
    }
    if (this.isClosed) return Promise.reject(this.closedError("send"));
    let frames: Message;
    try {
      frames = toMessage(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.sendFrames(frames);
  }

  /**
   * Sends many messages with one promise: the batch path for throughput. Messages are queued in
   * order; the promise resolves when the last is queued.
   */
  sendBatch(messages: Iterable<MessageLike>): Promise<void> {
    return this.sendEach(messages, toMessage);
  }

  /**
   * Receives the next message as an array of frames. Waits until one arrives, up to
   * `receiveTimeout` (then `EAGAIN`, as libzmq); rejects with `ECLOSED` when the socket closes.
   * Takes no options: an argument (`receive({ timeout: 100 })`) rejects with `EINVAL` naming
   * `receiveTimeout`. Types that cannot receive (PUSH, PUB) reject with `ENOTSUP`.
   */
  receive(options?: never): Promise<Message> {
    if (options !== undefined) {
      return Promise.reject(noCallOptionsError("receive()", options, "receiveTimeout"));
    }
    return this.receiveFrames();
  }

  /**
   * Receives every message that is ready (at least one; at most `max`): the batch path for
   * throughput, one promise for many messages.
   */
  receiveBatch(max?: number): Promise<Message[]> {
    if (max !== undefined && typeof max !== "number") {
      return Promise.reject(noCallOptionsError("receiveBatch()", max, "receiveTimeout"));
    }
    return this.receiveReady(max ?? 1024);
  }

  /**
   * Only SUB sockets subscribe: on any other type this throws `ENOTSUP` naming the type (for
   * JavaScript callers; TypeScript refuses the call, as the method is not public here).
   */
  protected subscribe(..._prefixes: (string | Uint8Array)[]): void {
    throw this.#notSubscriber("subscribe");
  }

  /** Only SUB sockets unsubscribe: elsewhere `ENOTSUP`, as {@link Socket.subscribe}. */
  protected unsubscribe(..._prefixes: (string | Uint8Array)[]): void {
    throw this.#notSubscriber("unsubscribe");
  }

  #notSubscriber(method: string): WeftError {
    const how = this.socketType === "XSUB"
      ? "an XSUB subscribes by sending [0x01, ...topic] (and unsubscribes with 0x00)"
      : "use a Sub socket";
    return new WeftError("ENOTSUP", `${this.socketType} sockets have no ${method}(): ${how}`);
  }

  /** Iterates received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return batchIterator(() => this.isClosed, () => this.receiveBatch());
  }

  // ── options ──────────────────────────────────────────────────────────────────────────────

  /** Messages queued per peer before send blocks or drops (0 = no limit). */
  get sendHighWaterMark(): number {
    return this.options.sendHighWaterMark;
  }
  set sendHighWaterMark(value: number) {
    this.setOption("sendHighWaterMark", value);
  }
  /** Messages queued per peer before reading from it pauses (0 = no limit). */
  get receiveHighWaterMark(): number {
    return this.options.receiveHighWaterMark;
  }
  set receiveHighWaterMark(value: number) {
    this.setOption("receiveHighWaterMark", value);
  }
  /**
   * How long `close()` keeps flushing messages `send()` accepted, ms: -1 (the default, as in
   * libzmq) until they are written, whether the pipe is back-pressured or its dialer is still
   * connecting; 0 drops them at once. `closed` settles when the flush is over.
   */
  get linger(): number {
    return this.options.linger;
  }
  set linger(value: number) {
    this.setOption("linger", value);
  }
  /** Our identity as sent to ROUTER peers (applies to later connections). */
  get routingId(): Uint8Array {
    return this.options.routingId;
  }
  set routingId(value: string | Uint8Array) {
    this.setOption("routingId", value);
  }
  /** First reconnect delay, ms. */
  get reconnectInterval(): number {
    return this.options.reconnectInterval;
  }
  set reconnectInterval(value: number) {
    this.setOption("reconnectInterval", value);
  }
  /** Cap of the reconnect back-off, ms (0 = none). */
  get reconnectMaxInterval(): number {
    return this.options.reconnectMaxInterval;
  }
  set reconnectMaxInterval(value: number) {
    this.setOption("reconnectMaxInterval", value);
  }
  /** send() timeout, ms (-1 = none). */
  get sendTimeout(): number {
    return this.options.sendTimeout;
  }
  set sendTimeout(value: number) {
    this.setOption("sendTimeout", value);
  }
  /** receive() timeout, ms (-1 = none). */
  get receiveTimeout(): number {
    return this.options.receiveTimeout;
  }
  set receiveTimeout(value: number) {
    this.setOption("receiveTimeout", value);
  }
  /** PING interval, ms (0 = off); applies to later connections. */
  get heartbeatInterval(): number {
    return this.options.heartbeatInterval;
  }
  set heartbeatInterval(value: number) {
    this.setOption("heartbeatInterval", value);
  }
  /** Silence after a PING that closes the connection, ms. */
  get heartbeatTimeout(): number {
    return this.options.heartbeatTimeout;
  }
  set heartbeatTimeout(value: number) {
    this.setOption("heartbeatTimeout", value);
  }
  /** TTL advertised in PINGs, ms. */
  get heartbeatTimeToLive(): number {
    return this.options.heartbeatTimeToLive;
  }
  set heartbeatTimeToLive(value: number) {
    this.setOption("heartbeatTimeToLive", value);
  }
  /** Longest handshake, ms (0 = none). */
  get handshakeInterval(): number {
    return this.options.handshakeInterval;
  }
  set handshakeInterval(value: number) {
    this.setOption("handshakeInterval", value);
  }
  /** Largest inbound frame, bytes (-1 = none). */
  get maxMessageSize(): number {
    return this.options.maxMessageSize;
  }
  set maxMessageSize(value: number) {
    this.setOption("maxMessageSize", value);
  }
  /** Connections each bound endpoint holds at once (0 = no limit); applies to later accepts. */
  get maxConnections(): number {
    return this.options.maxConnections;
  }
  set maxConnections(value: number) {
    this.setOption("maxConnections", value);
  }
  /** Queue only to completed connections. */
  get immediate(): boolean {
    return this.options.immediate;
  }
  set immediate(value: boolean) {
    this.setOption("immediate", value);
  }
  /** Keep only the newest message in each queue. */
  get conflate(): boolean {
    return this.options.conflate;
  }
  set conflate(value: boolean) {
    this.setOption("conflate", value);
  }
  /** Be the PLAIN server (applies to later connections). */
  get plainServer(): boolean {
    return this.options.plainServer;
  }
  set plainServer(value: boolean) {
    this.#setSecurity("plainServer", value);
  }
  /** The PLAIN client's username, or null when not a PLAIN client (later connections). */
  get plainUsername(): string | null {
    return this.options.plainUsername ?? null;
  }
  set plainUsername(value: string | null) {
    this.#setSecurity("plainUsername", value);
  }
  /** The PLAIN client's password, or null (later connections). */
  get plainPassword(): string | null {
    return this.options.plainPassword ?? null;
  }
  set plainPassword(value: string | null) {
    this.#setSecurity("plainPassword", value);
  }
  /** The ZAP domain sent to the authenticator (later connections). */
  get zapDomain(): string {
    return this.options.zapDomain;
  }
  set zapDomain(value: string) {
    this.#setSecurity("zapDomain", value);
  }
  /** The authenticator callback, or null (later connections). */
  get authenticate(): Authenticator | null {
    return this.options.authenticate ?? null;
  }
  set authenticate(value: Authenticator | null) {
    this.#setSecurity("authenticate", value);
  }

  /** Sets a security option if the result is consistent (else `EINVAL`, nothing changed). */
  #setSecurity<K extends keyof SecurityValues>(name: K, value: unknown): void {
    const before = this.options[name];
    this.setOption(name, value);
    try {
      checkSecurity(this.options);
    } catch (error) {
      this.setOption(name, before);
      throw error;
    }
  }

  /** Be a CURVE server (applies to later connections). */
  get curveServer(): boolean {
    return this.options.curveServer;
  }
  set curveServer(value: boolean) {
    this.setOption("curveServer", value);
  }
  /** Our CURVE secret key, as Z85 (set: 32 bytes or Z85; null clears). */
  get curveSecretKey(): string | null {
    return zOrNull(this.options.curveSecretKey);
  }
  set curveSecretKey(value: string | Uint8Array | null) {
    this.setOption("curveSecretKey", value);
  }
  /** Our CURVE public key, as Z85 (null: derived from the secret key). */
  get curvePublicKey(): string | null {
    return zOrNull(this.options.curvePublicKey);
  }
  set curvePublicKey(value: string | Uint8Array | null) {
    this.setOption("curvePublicKey", value);
  }
  /** The CURVE server's public key, as Z85; setting it makes this socket a CURVE client. */
  get curveServerKey(): string | null {
    return zOrNull(this.options.curveServerKey);
  }
  set curveServerKey(value: string | Uint8Array | null) {
    this.setOption("curveServerKey", value);
  }
}

function zOrNull(key: Uint8Array | null): string | null {
  return key === null ? null : z85Encode(key);
}

/**
 * The API every weft ZeroMQ socket shares: the type of {@link Socket} under the name
 * `weft/zmq` has always exported it by.
 *
 * @example
 * ```ts
 * import { Pull, Push, type SocketBase } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const closeAll = (sockets: SocketBase[]) => sockets.forEach((s) => s.close());
 * const sockets = [new Push(), new Pull()];
 * closeAll(sockets);
 * assert.ok(sockets.every((s) => s.isClosed));
 * ```
 */
export type SocketBase = Socket;
