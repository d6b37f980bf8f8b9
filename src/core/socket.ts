/**
 * The base of every socket, whatever its wire family (ZeroMQ/ZMTP, nng/SP): endpoints
 * (bind/connect with reconnect and back-off), pipes, the send and receive queues, monitor events
 * and the close lifecycle. A family supplies the wire session (`createSession`); socket types
 * implement the pattern hooks (`xattach`, `xdetach`, `xsend`, `xrecv`, …), the way libzmq's
 * socket types implement `xsend`/`xrecv` over `socket_base_t`.
 *
 * Unlike zeromq.js there is no EBUSY: concurrent `send` and `receive` calls queue and complete
 * in call order.
 * @module
 */

import { parseEndpoint } from "./endpoint.ts";
import { WeftError } from "./errors.ts";
import { EventStream } from "./events.ts";
import type { SocketEvent } from "./events.ts";
import { Fifo } from "./fifo.ts";
import type {
  DialOptions,
  ListenOptions,
  StreamListener,
  TransportRegistry,
} from "../transport/types.ts";
import { checkOption, resolveOptions } from "./options.ts";
import type { ResolvedOptions, SocketOptions } from "./options.ts";
import { Pipe } from "./pipe.ts";
import type { Message, PipeHost } from "./pipe.ts";
import type { WireLink, WireSession, WireSessionSink } from "./wire.ts";

/** What `send` accepts: one frame or several (a multipart message). */
export type MessageLike = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

interface SendWaiter {
  message: Message;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface RecvWaiter {
  resolve: (message: Message) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Dialer {
  readonly url: string;
  pipe: Pipe | undefined;
  delay: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopped: boolean;
  /** Still connecting after close() to deliver queued messages (linger). */
  lingering: boolean;
}

interface Binding {
  readonly url: string;
  readonly listener: StreamListener;
  readonly pipes: Set<Pipe>;
}

const encoder = new TextEncoder();

/** Converts what `send` accepts into frames (strings as UTF-8). */
export function toMessage(message: MessageLike): Message {
  if (typeof message === "string") return [encoder.encode(message)];
  if (message instanceof Uint8Array) return [message];
  if (message.length === 0) {
    throw new WeftError("EINVAL", "send: expected at least one frame, got an empty array");
  }
  return message.map((f) => typeof f === "string" ? encoder.encode(f) : f);
}

/**
 * The API every weft ZeroMQ socket shares: bind/connect (with reconnect and back-off),
 * send/receive (queued in call order; no EBUSY), batches, async iteration, monitor events,
 * options as properties, and close with linger. `weft/sp` sockets run on it too, behind
 * `SpSocket`'s own API.
 *
 * The shared machinery, exported as a type so its members are documented: construct a
 * concrete socket (`Push`, `Sub`, `Router`…) from `weft/zmq`. Pattern hooks and wire-session
 * plumbing are internal and left out of the docs.
 *
 * @example
 * ```ts
 * import type { SocketBase } from "./socket.ts";
 * import { PushSocket } from "../patterns/zmq/push_pull.ts";
 * import { createRegistry } from "../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket: SocketBase = new PushSocket({ transports, linger: 0 });
 * socket.sendHighWaterMark = 10;
 * assert.equal(socket.sendHighWaterMark, 10);
 * socket.close();
 * assert.ok(socket.isClosed);
 * ```
 */
export abstract class SocketBase implements PipeHost, AsyncIterable<Message>, AsyncDisposable {
  /** The ZMTP socket type, e.g. `"PUSH"`. */
  readonly socketType: string;
  /** Monitor events: iterate, or `events.on(type, fn)`. */
  readonly events: EventStream = new EventStream();
  /** Settles when the socket is closed. */
  readonly closed: Promise<void>;
  /**
   * Current option values (read them through the socket's properties).
   * @ignore
   */
  readonly options: ResolvedOptions;
  /** The endpoint of the last successful bind, with the real port. */
  lastEndpoint: string | undefined;

  #transports: TransportRegistry;
  #pipes = new Set<Pipe>();
  #bindings = new Map<string, Binding>();
  #dialers = new Map<string, Dialer>();
  #sendWaiters = new Fifo<SendWaiter>();
  #recvWaiters = new Fifo<RecvWaiter>();
  #nextPipeId = 1;
  #lingering = new Set<Dialer>();
  #isClosed = false;
  #resolveClosed!: () => void;

  /** Subclasses pass their ZMTP type and the user's options (with `transports` filled in). */
  protected constructor(socketType: string, options: SocketOptions) {
    this.socketType = socketType;
    this.options = resolveOptions(options);
    if (!options.transports) {
      throw new WeftError("EINVAL", "socket: expected options.transports (a TransportRegistry)");
    }
    this.#transports = options.transports;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
  }

  /**
   * The wire protocol of a new connection (ZMTP for ZeroMQ sockets, SP for nng ones).
   * @ignore
   */
  abstract createSession(asServer: boolean, sink: WireSessionSink, link: WireLink): WireSession;

  /**
   * Extra options for this socket's dials (message transports: the subprotocols to offer).
   * @ignore
   */
  protected dialOptions(): DialOptions {
    return {};
  }

  /**
   * Options for this socket's listeners (message transports: which subprotocol to accept).
   * @ignore
   */
  protected listenOptions(): ListenOptions {
    return {};
  }

  // ── pattern hooks ────────────────────────────────────────────────────────────────────────

  /**
   * A pipe joins the pattern (routing tables, load balancer).
   * @ignore
   */
  protected abstract xattach(pipe: Pipe): void;
  /**
   * A pipe leaves the pattern.
   * @ignore
   */
  protected abstract xdetach(pipe: Pipe): void;
  /**
   * Sends now if possible: true when queued (or deliberately dropped), false to wait.
   * @ignore
   */
  protected xsend(_message: Message): boolean {
    throw new WeftError("ENOTSUP", `${this.socketType} sockets cannot send`);
  }
  /**
   * Takes the next message for the user, or undefined when none is ready.
   * @ignore
   */
  protected xrecv(): Message | undefined {
    throw new WeftError("ENOTSUP", `${this.socketType} sockets cannot receive`);
  }
  /**
   * A peer's (un)subscription arrived (PUB, XPUB).
   * @ignore
   */
  protected xsubscription(_pipe: Pipe, _topic: Uint8Array, _subscribe: boolean): void {}
  /**
   * A pipe (re)completed its handshake.
   * @ignore
   */
  protected xconnected(_pipe: Pipe): void {}
  /**
   * Whether a pipe from `connect` joins the pattern before its handshake (libzmq does).
   * @ignore
   */
  protected attachBeforeHandshake(): boolean {
    return !this.options.immediate;
  }
  /**
   * Checks a peer after its handshake; return a reason to refuse it.
   * @ignore
   */
  protected xaccept(_pipe: Pipe): string | undefined {
    return undefined;
  }

  /**
   * Every pipe the socket holds (attached or not).
   * @ignore
   */
  protected get pipes(): ReadonlySet<Pipe> {
    return this.#pipes;
  }

  /**
   * Retries queued receives; patterns call it when they produce messages on their own.
   * @ignore
   */
  protected wakeReceivers(): void {
    this.#serveReceivers();
  }

  /**
   * Retries queued sends; patterns call it when their state lets a send through.
   * @ignore
   */
  protected wakeSenders(): void {
    this.#serveSenders();
  }

  // ── PipeHost ─────────────────────────────────────────────────────────────────────────────

  /** @internal */
  pipeReady(pipe: Pipe): void {
    if (this.#isClosed) {
      // A lingering connection came up after close(): deliver what was queued, then stop.
      for (const dialer of this.#lingering) {
        if (dialer.pipe !== pipe) continue;
        this.#lingering.delete(dialer);
        dialer.lingering = false;
        this.#stopDialer(dialer, this.options.linger);
      }
      return;
    }
    const refusal = this.xaccept(pipe);
    if (refusal) {
      this.emit({
        type: "handshake:error",
        endpoint: pipe.endpoint,
        remoteAddress: pipe.remoteAddress,
        reason: refusal,
        code: "EPROTO",
      });
      this.#dropPipe(pipe);
      return;
    }
    this.emit({
      type: "handshake",
      endpoint: pipe.endpoint,
      remoteAddress: pipe.remoteAddress,
      peer: pipe.peer?.socketType ?? "",
    });
    if (!pipe.attached) {
      pipe.attached = true;
      this.xattach(pipe);
    }
    this.xconnected(pipe);
    this.#serveSenders();
  }

  /** @internal */
  pipeReadable(_pipe: Pipe): void {
    if (this.#recvWaiters.length > 0) this.#serveReceivers();
  }

  /** @internal */
  pipeWritable(_pipe: Pipe): void {
    if (this.#sendWaiters.length > 0) this.#serveSenders();
  }

  /** @internal */
  pipeSubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    this.xsubscription(pipe, topic, subscribe);
  }

  /** @internal */
  pipeDisconnected(pipe: Pipe, terminal: boolean): void {
    // Messages already received stay readable after the peer leaves (as in libzmq): a
    // finished pipe with queued input is dropped once drained (pipeDrained).
    if (terminal && pipe.readable === 0) this.#dropPipe(pipe);
    for (const dialer of this.#dialers.values()) {
      if (dialer.pipe === pipe && !dialer.stopped) {
        if (terminal) dialer.pipe = undefined;
        this.#scheduleDial(dialer);
      }
    }
  }

  /** @internal */
  pipeDrained(pipe: Pipe): void {
    this.#dropPipe(pipe);
  }

  /** @internal */
  emit(event: SocketEvent): void {
    this.events.emit(event);
  }

  // ── endpoints ────────────────────────────────────────────────────────────────────────────

  /**
   * Binds to an endpoint and accepts peers there. Resolves once listening; `lastEndpoint`
   * then holds the real address (e.g. the port chosen for `tcp://127.0.0.1:0`).
   */
  async bind(url: string): Promise<void> {
    this.#checkOpen("bind");
    const endpoint = parseEndpoint(url);
    const transport = this.#transport(endpoint.scheme, url);
    let listener: StreamListener;
    const options = this.listenOptions();
    try {
      listener = await transport.listen(endpoint, (stream) => {
        if (this.#isClosed) return stream.close(0);
        const binding = this.#bindings.get(listener.endpoint);
        const pipe = new Pipe(this, this.#nextPipeId++, listener.endpoint, false);
        this.#pipes.add(pipe);
        binding?.pipes.add(pipe);
        this.emit({
          type: "accept",
          endpoint: listener.endpoint,
          remoteAddress: stream.remoteAddress,
        });
        pipe.attachStream(stream, true);
      }, {
        ...options,
        // Connections the transport turned away (ws: a refused upgrade) become events.
        onRefused: (reason, remoteAddress) => {
          options.onRefused?.(reason, remoteAddress);
          this.emit({
            type: "accept:error",
            endpoint: listener?.endpoint ?? url,
            remoteAddress,
            reason,
            code: "EPROTO",
          });
        },
      });
    } catch (error) {
      this.emit({ type: "bind:error", endpoint: url, reason: String(error) });
      throw error;
    }
    if (this.#isClosed) {
      listener.close();
      throw new WeftError("ECLOSED", `bind ${url}: the socket was closed meanwhile`);
    }
    const binding: Binding = { url, listener, pipes: new Set() };
    this.#bindings.set(listener.endpoint, binding);
    this.lastEndpoint = listener.endpoint;
    this.emit({ type: "bind", endpoint: listener.endpoint });
  }

  /** Stops listening on an endpoint (as bound, or as reported in `lastEndpoint`). */
  unbind(url: string): Promise<void> {
    this.#checkOpen("unbind");
    for (const [key, binding] of this.#bindings) {
      if (key !== url && binding.url !== url) continue;
      this.#bindings.delete(key);
      binding.listener.close();
      for (const pipe of binding.pipes) {
        pipe.close(0);
        this.#dropPipe(pipe);
      }
      return binding.listener.closed;
    }
    return Promise.reject(new WeftError("EINVAL", `unbind: not bound to ${url}`));
  }

  /**
   * Connects to an endpoint. Returns at once: the connection is made in the background and
   * re-made with back-off whenever it drops, until `disconnect` or `close`.
   */
  connect(url: string): void {
    this.#checkOpen("connect");
    const endpoint = parseEndpoint(url);
    this.#transport(endpoint.scheme, url);
    if (this.#dialers.has(url)) {
      throw new WeftError("EINVAL", `connect: already connected to ${url}`);
    }
    const dialer: Dialer = {
      url,
      pipe: undefined,
      delay: this.options.reconnectInterval,
      timer: undefined,
      stopped: false,
      lingering: false,
    };
    this.#dialers.set(url, dialer);
    if (this.attachBeforeHandshake()) {
      const pipe = this.#newDialerPipe(dialer);
      pipe.attached = true;
      this.xattach(pipe);
      this.#serveSenders();
    }
    void this.#dial(dialer);
  }

  /** Stops connecting to an endpoint and drops its connection. */
  disconnect(url: string): void {
    this.#checkOpen("disconnect");
    const dialer = this.#dialers.get(url);
    if (!dialer) throw new WeftError("EINVAL", `disconnect: not connected to ${url}`);
    this.#stopDialer(dialer, 0);
    this.#dialers.delete(url);
  }

  #newDialerPipe(dialer: Dialer): Pipe {
    const pipe = new Pipe(this, this.#nextPipeId++, dialer.url, true);
    this.#pipes.add(pipe);
    dialer.pipe = pipe;
    return pipe;
  }

  async #dial(dialer: Dialer): Promise<void> {
    dialer.timer = undefined;
    if (dialer.stopped || (this.#isClosed && !dialer.lingering)) return;
    const endpoint = parseEndpoint(dialer.url);
    const transport = this.#transport(endpoint.scheme, dialer.url);
    try {
      const options: DialOptions = this.options.connectTimeout > 0
        ? { ...this.dialOptions(), connectTimeoutMs: this.options.connectTimeout }
        : this.dialOptions();
      const stream = await transport.dial(endpoint, options);
      if (dialer.stopped || (this.#isClosed && !dialer.lingering)) return stream.close(0);
      dialer.delay = this.options.reconnectInterval;
      const pipe = dialer.pipe ?? this.#newDialerPipe(dialer);
      this.emit({ type: "connect", endpoint: dialer.url, remoteAddress: stream.remoteAddress });
      pipe.attachStream(stream, false);
    } catch (error) {
      if (dialer.stopped || (this.#isClosed && !dialer.lingering)) return;
      this.emit({
        type: "connect:delay",
        endpoint: dialer.url,
        reason: error instanceof Error ? error.message : String(error),
        ...(error instanceof WeftError ? { code: error.code } : {}),
      });
      this.#scheduleDial(dialer);
    }
  }

  #scheduleDial(dialer: Dialer): void {
    if (dialer.stopped || (this.#isClosed && !dialer.lingering) || dialer.timer !== undefined) {
      return;
    }
    if (this.options.reconnectInterval < 0) return; // -1: never reconnect
    const interval = dialer.delay;
    const max = this.options.reconnectMaxInterval;
    dialer.delay = max > 0 ? Math.min(max, interval * 2) : interval;
    this.emit({ type: "connect:retry", endpoint: dialer.url, interval });
    dialer.timer = setTimeout(() => void this.#dial(dialer), interval);
  }

  #stopDialer(dialer: Dialer, lingerMs: number): void {
    dialer.stopped = true;
    if (dialer.timer !== undefined) clearTimeout(dialer.timer);
    dialer.timer = undefined;
    const pipe = dialer.pipe;
    if (pipe) {
      pipe.close(lingerMs);
      this.#dropPipe(pipe);
    }
  }

  #dropPipe(pipe: Pipe): void {
    if (!this.#pipes.delete(pipe)) return;
    if (!pipe.closed) pipe.close(0);
    for (const binding of this.#bindings.values()) binding.pipes.delete(pipe);
    if (pipe.attached) {
      pipe.attached = false;
      this.xdetach(pipe);
    }
    // Waiting senders may now fail over to other pipes; receivers are unaffected.
    this.#serveSenders();
  }

  #transport(scheme: string, url: string) {
    const transport = this.#transports.get(scheme);
    if (!transport) {
      throw new WeftError(
        "ENOTSUP",
        `${url}: no transport for ${scheme}:// (available: ${
          this.#transports.schemes().join(", ")
        })`,
      );
    }
    return transport;
  }

  // ── send and receive ─────────────────────────────────────────────────────────────────────

  /**
   * Sends a message (a string, bytes, or an array of them for a multipart message). Resolves
   * once the message is queued for a peer (or dropped, for types that drop, like PUB). Waits
   * while every eligible peer is at its high-water mark, up to `sendTimeout` (then `EAGAIN`).
   */
  send(message: MessageLike): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.#closedError("send"));
    try {
      const frames = toMessage(message);
      if (this.#sendWaiters.length === 0 && this.xsend(frames)) return Promise.resolve();
      return new Promise((resolve, reject) => this.#queueSend(frames, resolve, reject));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends many messages with one promise: the batch path for throughput. Messages are queued in
   * order; the promise resolves when the last is queued.
   */
  sendBatch(messages: Iterable<MessageLike>): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.#closedError("send"));
    // Messages that must wait share one promise: it resolves when the last is queued and
    // rejects once, on the first failure (so no per-message rejection goes unhandled).
    let batch: Promise<void> | undefined;
    let waiting = 0;
    let failed = false;
    let resolveBatch!: () => void;
    let rejectBatch!: (error: Error) => void;
    const resolveOne = () => {
      if (--waiting === 0 && !failed) resolveBatch();
    };
    const rejectOne = (error: Error) => {
      if (failed) return;
      failed = true;
      rejectBatch(error);
    };
    try {
      for (const message of messages) {
        const frames = toMessage(message);
        if (this.#sendWaiters.length === 0 && this.xsend(frames)) continue;
        batch ??= new Promise<void>((resolve, reject) => {
          resolveBatch = resolve;
          rejectBatch = reject;
        });
        waiting++;
        this.#queueSend(frames, resolveOne, rejectOne);
      }
    } catch (error) {
      batch?.catch(() => {}); // the error below is the one the caller sees
      return Promise.reject(error);
    }
    return batch ?? Promise.resolve();
  }

  #queueSend(message: Message, resolve: () => void, reject: (e: Error) => void): void {
    const waiter: SendWaiter = { message, resolve, reject, timer: undefined };
    const timeout = this.options.sendTimeout;
    if (timeout >= 0) {
      waiter.timer = setTimeout(() => {
        if (this.#sendWaiters.remove((w) => w === waiter)) {
          reject(
            new WeftError("EAGAIN", `send: no peer could take the message within ${timeout} ms`),
          );
        }
      }, timeout);
    }
    this.#sendWaiters.push(waiter);
  }

  #serveSenders(): void {
    for (let w = this.#sendWaiters.peek(); w; w = this.#sendWaiters.peek()) {
      let sent: boolean;
      try {
        sent = this.xsend(w.message);
      } catch (error) {
        this.#sendWaiters.shift();
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.reject(error as Error);
        continue;
      }
      if (!sent) return;
      this.#sendWaiters.shift();
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve();
    }
  }

  /**
   * Receives the next message as an array of frames. Waits until one arrives, up to
   * `receiveTimeout` (then `EAGAIN`); rejects with `ECLOSED` when the socket closes.
   */
  receive(): Promise<Message> {
    if (this.#isClosed) return Promise.reject(this.#closedError("receive"));
    if (this.#recvWaiters.length === 0) {
      try {
        const message = this.xrecv();
        if (message) return Promise.resolve(message);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: RecvWaiter = { resolve, reject, timer: undefined };
      const timeout = this.options.receiveTimeout;
      if (timeout >= 0) {
        waiter.timer = setTimeout(() => {
          if (this.#recvWaiters.remove((w) => w === waiter)) {
            reject(new WeftError("EAGAIN", `receive: no message arrived within ${timeout} ms`));
          }
        }, timeout);
      }
      this.#recvWaiters.push(waiter);
    });
  }

  /**
   * Receives every message that is ready (at least one; at most `max`): the batch path for
   * throughput, one promise for many messages.
   */
  async receiveBatch(max = 1024): Promise<Message[]> {
    const first = await this.receive();
    const out = [first];
    while (out.length < max && this.#recvWaiters.length === 0) {
      let next: Message | undefined;
      try {
        next = this.xrecv();
      } catch {
        break; // e.g. REP owes a reply first: the next receive() reports it
      }
      if (!next) break;
      out.push(next);
    }
    return out;
  }

  #serveReceivers(): void {
    while (this.#recvWaiters.length > 0) {
      let message: Message | undefined;
      try {
        message = this.xrecv();
      } catch (error) {
        const w = this.#recvWaiters.shift()!;
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.reject(error as Error);
        continue;
      }
      if (!message) return;
      const w = this.#recvWaiters.shift()!;
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve(message);
    }
  }

  /**
   * Whether sends are queued waiting for a peer (REQ uses it to order send→receive).
   * @ignore
   */
  protected get sendPending(): boolean {
    return this.#sendWaiters.length > 0;
  }

  /** Iterates received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    // A plain iterator over receiveBatch(), not an async generator: a generator's yield costs
    // extra promises and microtask hops per message, which `for await` loops feel.
    let batch: Message[] = [];
    let at = 0;
    const finish = (): Promise<IteratorResult<Message>> => {
      batch = [];
      at = 0;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (at < batch.length) return Promise.resolve({ value: batch[at++]!, done: false });
        if (this.#isClosed) return finish();
        return this.receiveBatch().then((got) => {
          batch = got;
          at = 1;
          return { value: got[0]!, done: false };
        }, (error) => {
          if (error instanceof WeftError && error.code === "ECLOSED") return finish();
          throw error;
        });
      },
      return: finish,
    };
  }

  // ── options and lifecycle ────────────────────────────────────────────────────────────────

  /**
   * Sets an option after construction (properties call this).
   * @ignore
   */
  protected setOption<K extends keyof ResolvedOptions>(name: K, value: ResolvedOptions[K]): void {
    this.options[name] = checkOption(name, value);
  }

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
  /** How long close() flushes queued messages, ms (-1 = until sent). */
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
    this.setOption("routingId", value as Uint8Array);
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

  /** Whether `close()` has been called. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Closes the socket: stops listening and connecting, flushes queued messages for `linger`
   * ms, rejects pending `send`/`receive` calls with `ECLOSED`. Idempotent and synchronous.
   */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const linger = this.options.linger;
    const released: Promise<void>[] = [];
    for (const binding of this.#bindings.values()) {
      binding.listener.close();
      released.push(binding.listener.closed);
    }
    const keep = new Set<Pipe>();
    for (const dialer of this.#dialers.values()) {
      const pipe = dialer.pipe;
      if (linger !== 0 && pipe && !pipe.connected && pipe.pendingOutbound > 0) {
        // Like libzmq: keep connecting for up to `linger` ms to deliver queued messages.
        dialer.lingering = true;
        this.#lingering.add(dialer);
        keep.add(pipe);
        if (linger > 0) {
          setTimeout(() => {
            if (!this.#lingering.delete(dialer)) return;
            dialer.lingering = false;
            this.#stopDialer(dialer, 0);
          }, linger);
        }
        continue;
      }
      dialer.stopped = true;
      if (dialer.timer !== undefined) clearTimeout(dialer.timer);
    }
    for (const pipe of [...this.#pipes]) {
      if (keep.has(pipe)) continue;
      pipe.close(linger);
      this.#dropPipe(pipe);
    }
    this.#bindings.clear();
    this.#dialers.clear();
    for (let w = this.#sendWaiters.shift(); w; w = this.#sendWaiters.shift()) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(this.#closedError("send"));
    }
    for (let w = this.#recvWaiters.shift(); w; w = this.#recvWaiters.shift()) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(this.#closedError("receive"));
    }
    this.emit({ type: "close", endpoint: this.lastEndpoint ?? "" });
    this.events.end();
    // Settle once the listeners have let go of their addresses, so a re-bind can follow.
    void Promise.all(released).then(() => this.#resolveClosed());
  }

  /** `await using sock = new Push()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.closed;
  }

  #checkOpen(what: string): void {
    if (this.#isClosed) throw this.#closedError(what);
  }

  #closedError(what: string): WeftError {
    return new WeftError("ECLOSED", `${what}: the ${this.socketType} socket is closed`);
  }
}
