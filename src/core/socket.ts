/**
 * The base of every socket, whatever its wire family (ZeroMQ/ZMTP, nng/SP): it composes the
 * dialers (connect + reconnect), the listeners (bind + accept), the pipes, the send and
 * receive waiter queues, monitor events and the close lifecycle with linger. A family supplies
 * the wire session of each connection ({@link SocketCore.createSession}) and its user-facing
 * API; each socket type implements the pattern hooks (`xattach`, `xdetach`, `xsend`,
 * `xrecv`, …), the way libzmq's socket types implement `xsend`/`xrecv` over `socket_base_t`.
 *
 * There is no EBUSY: concurrent sends and receives queue and complete in call order.
 * @module
 */

import { WeftError } from "./errors.ts";
import { EventStream } from "./events.ts";
import type { SocketEvent } from "./events.ts";
import { Dialer } from "./dialer.ts";
import type { DialerHost } from "./dialer.ts";
import { Lingering } from "./linger.ts";

/**
 * What `send()` returns for a message queued at once: one settled promise shared by every such
 * call (a promise per message was a measurable share of the sender's garbage).
 */
const ACCEPTED: Promise<void> = Promise.resolve();
import { Listeners } from "./listener.ts";
import type { ListenerHost } from "./listener.ts";
import type { CoreOptions, OptionTable } from "./options.ts";
import { Pipe } from "./pipe.ts";
import type { Message, PipeHost } from "./pipe.ts";
import { route } from "./route.ts";
import { ReceiveWaiters, SendWaiters } from "./waiters.ts";
import type { WireLink, WireSession, WireSessionSink } from "./wire.ts";
import type { DialOptions, ListenOptions, TransportRegistry } from "../transport/types.ts";

/**
 * The socket core (see the module doc): what every socket of every family shares. Its public
 * members are the lifecycle (`events`, `close`, `closed`, `lastEndpoint`); a family's base
 * class adds its API (ZeroMQ's `bind`/`send`/`receive`, nng's `listen`/`send`/`recv`) on the
 * protected machinery, and each socket type fills in the pattern hooks.
 *
 * @example
 * ```ts
 * import { Pull, type SocketCore } from "@weft/weft/zmq";
 * import { Pull0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // Both families' sockets share the core: endpoints, events and close.
 * const shutdown = async (socket: SocketCore) => {
 *   socket.close(); // synchronous and idempotent
 *   await socket.closed; // once every connection is gone
 * };
 * const pull = new Pull();
 * await pull.bind("inproc://socket-core-doc");
 * const sockets: SocketCore[] = [pull, new Pull0()];
 * await Promise.all(sockets.map(shutdown));
 * assert.ok(sockets.every((s) => s.isClosed));
 * ```
 */
export abstract class SocketCore<O extends CoreOptions = CoreOptions> implements AsyncDisposable {
  /** Monitor events: iterate, or `events.on(type, fn)`. */
  readonly events: EventStream = new EventStream();
  /**
   * Settles once {@link SocketCore.close} has finished: every listener has let go of its
   * address (a re-bind may follow) and every connection has flushed what was queued to the
   * kernel, within `linger` (so `close(); await closed; exit()` loses nothing that `send()`
   * accepted while a peer could take it). Never rejects.
   */
  readonly closed: Promise<void>;
  /** The socket type or protocol name in messages and handshakes (`PUSH`, `req`…). */
  protected readonly socketType: string;
  /** Current option values (the family's properties read them; {@link SocketCore.setOption} writes). */
  protected readonly options: O;

  readonly #table: OptionTable<O>;
  readonly #transports: TransportRegistry;
  readonly #pipes = new Set<Pipe>();
  readonly #dialers = new Map<string, Dialer>();
  readonly #sendWaiters = new SendWaiters();
  readonly #recvWaiters = new ReceiveWaiters();
  readonly #lingering = new Lingering();
  readonly #listeners: Listeners;
  readonly #host: PipeHost & DialerHost & ListenerHost;
  #lastEndpoint: string | undefined;
  #nextPipeId = 1;
  #isClosed = false;
  #resolveClosed!: () => void;

  /** Subclasses pass their type name, their checked options and the transports to use. */
  protected constructor(
    socketType: string,
    options: OptionTable<O>,
    transports: TransportRegistry | undefined,
  ) {
    this.socketType = socketType;
    this.#table = options;
    this.options = options.values;
    if (!transports) {
      throw new WeftError("EINVAL", "socket: expected options.transports (a TransportRegistry)");
    }
    this.#transports = transports;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.#host = this.#makeHost();
    this.#listeners = new Listeners(this.#host);
  }

  // ── what a family supplies ───────────────────────────────────────────────────────────────

  /** The wire protocol of a new connection (ZMTP for ZeroMQ sockets, SP for nng ones). */
  protected abstract createSession(
    asServer: boolean,
    sink: WireSessionSink,
    link: WireLink,
  ): WireSession;

  /**
   * Whether this family's messages may pass by reference to a peer pipe in the same process
   * (inproc), skipping the wire encoding once the handshake is done: true when a message
   * arrives with exactly the frames it was sent with. A family whose wire reshapes messages
   * returns false and stays on the bytes.
   */
  protected get passesMessages(): boolean {
    return true;
  }

  /** Extra options for this socket's dials (message transports: the subprotocols to offer). */
  protected dialOptions(): DialOptions {
    return {};
  }

  /** Options for this socket's listeners (message transports: which subprotocol to accept). */
  protected listenOptions(): ListenOptions {
    return {};
  }

  // ── pattern hooks: what each socket type implements ──────────────────────────────────────

  /** A pipe joins the pattern (routing tables, load balancer). */
  protected abstract xattach(pipe: Pipe): void;
  /** A pipe leaves the pattern. */
  protected abstract xdetach(pipe: Pipe): void;
  /** Sends now if possible: true when queued (or deliberately dropped), false to wait. */
  protected xsend(_message: Message): boolean {
    throw new WeftError("ENOTSUP", `${this.socketType} sockets cannot send`);
  }
  /** Takes the next message for the user, or undefined when none is ready. */
  protected xrecv(): Message | undefined {
    throw new WeftError("ENOTSUP", `${this.socketType} sockets cannot receive`);
  }
  /** A peer's (un)subscription arrived (protocols that carry them, e.g. to a publisher). */
  protected xsubscription(_pipe: Pipe, _topic: Uint8Array, _subscribe: boolean): void {}
  /** A pipe (re)completed its handshake. */
  protected xconnected(_pipe: Pipe): void {}
  /** Whether a pipe from `connect` joins the pattern before its handshake (libzmq's do). */
  protected attachBeforeHandshake(): boolean {
    return !this.options.immediate;
  }
  /** Checks a peer after its handshake; return a reason to refuse it. */
  protected xaccept(_pipe: Pipe): string | undefined {
    return undefined;
  }

  /**
   * A message arrived in a pipe's inbound queue: serves waiting receives. Patterns that route
   * arrivals themselves (REQ's replies to contexts) take them here.
   */
  protected pipeReadable(_pipe: Pipe): void {
    if (this.#recvWaiters.length > 0) this.wakeReceivers();
  }
  /** A pipe has room again: serves waiting sends (patterns with queues of their own add theirs). */
  protected pipeWritable(_pipe: Pipe): void {
    if (this.#sendWaiters.length > 0) this.wakeSenders();
  }

  // ── what socket types may call ───────────────────────────────────────────────────────────

  /** Every pipe the socket holds (attached or not). */
  protected get pipes(): ReadonlySet<Pipe> {
    return this.#pipes;
  }

  /** Retries queued receives; patterns call it when they produce messages on their own. */
  protected wakeReceivers(): void {
    this.#recvWaiters.serve(this.#xrecv);
  }

  /** Retries queued sends; patterns call it when their state lets a send through. */
  protected wakeSenders(): void {
    this.#sendWaiters.serve(this.#xsend);
  }

  /** Whether sends are queued waiting for a peer (REQ uses it to order send → receive). */
  protected get sendPending(): boolean {
    return this.#sendWaiters.length > 0;
  }

  /** Records a monitor event (families may watch them, e.g. for a dial's first outcome). */
  protected emit(event: SocketEvent): void {
    this.events.emit(event);
  }

  /** Checks and sets an option (the family's properties call this). */
  protected setOption<K extends keyof O>(name: K, value: unknown): void {
    this.#table.set(name, value);
  }

  /** The `ECLOSED` error of `what` on this closed socket. */
  protected closedError(what: string): WeftError {
    return new WeftError("ECLOSED", `${what}: the ${this.socketType} socket is closed`);
  }

  readonly #xsend = (message: Message): boolean => this.xsend(message);
  readonly #xrecv = (): Message | undefined => this.xrecv();

  // ── endpoints ────────────────────────────────────────────────────────────────────────────

  /**
   * Binds to an endpoint and accepts peers there. Resolves once listening; `lastEndpoint`
   * then holds the real address (e.g. the port chosen for `tcp://127.0.0.1:0`).
   */
  protected async bind(url: string): Promise<void> {
    this.#checkOpen("bind");
    await this.#listeners.bind(url, route(this.#transports, url));
  }

  /** Stops listening on an endpoint (as bound, or as reported in `lastEndpoint`). */
  protected unbind(url: string): Promise<void> {
    this.#checkOpen("unbind");
    return this.#listeners.unbind(url);
  }

  /**
   * Connects to an endpoint. Returns at once: the connection is made in the background and
   * re-made with back-off whenever it drops, until `disconnect` or `close`.
   */
  protected connect(url: string): void {
    this.#checkOpen("connect");
    const to = route(this.#transports, url);
    if (this.#dialers.has(url)) {
      throw new WeftError("EINVAL", `connect: already connected to ${url}`);
    }
    const dialer = new Dialer(this.#host, url, to);
    this.#dialers.set(url, dialer);
    if (this.attachBeforeHandshake()) {
      const pipe = this.#dialerPipe(dialer);
      pipe.attached = true;
      this.xattach(pipe);
      this.wakeSenders();
    }
    void dialer.dial();
  }

  /** Stops connecting to an endpoint and drops its connection. */
  protected disconnect(url: string): void {
    this.#checkOpen("disconnect");
    const dialer = this.#dialers.get(url);
    if (!dialer) throw new WeftError("EINVAL", `disconnect: not connected to ${url}`);
    dialer.stop(0);
    this.#dialers.delete(url);
  }

  /** The endpoint of the last successful bind, with the real port. */
  get lastEndpoint(): string | undefined {
    return this.#lastEndpoint;
  }

  // ── send and receive ─────────────────────────────────────────────────────────────────────

  /**
   * Sends one message (frames as the pattern expects them). Resolves once the message is
   * queued for a peer (or dropped, for types that drop); waits while no peer can take it, up
   * to `sendTimeout` (then `EAGAIN`).
   */
  protected sendFrames(frames: Message): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.closedError("send"));
    try {
      if (this.#sendWaiters.length === 0 && this.xsend(frames)) return ACCEPTED;
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) =>
      this.#sendWaiters.add(frames, resolve, reject, this.options.sendTimeout)
    );
  }

  /**
   * Sends many messages with one promise: the batch path for throughput. Messages are queued in
   * order; the promise resolves when the last is queued.
   */
  protected sendEach<T>(messages: Iterable<T>, toFrames: (message: T) => Message): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.closedError("send"));
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
        const frames = toFrames(message);
        if (this.#sendWaiters.length === 0 && this.xsend(frames)) continue;
        batch ??= new Promise<void>((resolve, reject) => {
          resolveBatch = resolve;
          rejectBatch = reject;
        });
        waiting++;
        this.#sendWaiters.add(frames, resolveOne, rejectOne, this.options.sendTimeout);
      }
    } catch (error) {
      batch?.catch(() => {}); // the error below is the one the caller sees
      return Promise.reject(error);
    }
    return batch ?? Promise.resolve();
  }

  /**
   * Receives the next message. Waits until one arrives, up to `receiveTimeout` (then
   * `EAGAIN`); rejects with `ECLOSED` when the socket closes.
   */
  protected receiveFrames(): Promise<Message> {
    if (this.#isClosed) return Promise.reject(this.closedError("receive"));
    if (this.#recvWaiters.length === 0) {
      try {
        const message = this.xrecv();
        if (message) return Promise.resolve(message);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#recvWaiters.wait(this.options.receiveTimeout);
  }

  /**
   * Receives every message that is ready (at least one; at most `max`): the batch path for
   * throughput, one promise for many messages.
   */
  protected async receiveReady(max = 1024): Promise<Message[]> {
    const first = await this.receiveFrames();
    const out = [first];
    while (out.length < max && this.#recvWaiters.length === 0) {
      let next: Message | undefined;
      try {
        next = this.xrecv();
      } catch {
        break; // e.g. REP owes a reply first: the next receive reports it
      }
      if (!next) break;
      out.push(next);
    }
    return out;
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  /** Whether `close()` has been called. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Closes the socket, synchronously and idempotently: stops listening and connecting, rejects
   * pending sends and receives with `ECLOSED`, and lingers (the `linger` option, ms): every
   * message whose `send()` resolved is still written to its peer — including those queued on a
   * back-pressured pipe and on a dialer still connecting — until written, until `linger`
   * runs out (-1: no limit), or until the peer is gone. `linger` 0 drops them at once.
   * {@link SocketCore.closed} settles when that is done.
   */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const linger = this.options.linger;
    const pending = this.#listeners.closeAll();
    const kept = new Set<Pipe>();
    for (const [url, dialer] of this.#dialers) {
      const held = this.#lingering.hold(dialer, linger);
      if (held) {
        kept.add(dialer.pipe!);
        pending.push(held);
        continue; // still connecting: a connection it makes is tracked through the map
      }
      dialer.halt();
      this.#dialers.delete(url);
    }
    for (const pipe of [...this.#pipes]) {
      if (kept.has(pipe)) continue;
      pending.push(pipe.close(linger));
      this.#dropPipe(pipe);
    }
    this.#sendWaiters.rejectAll(() => this.closedError("send"));
    this.#recvWaiters.rejectAll(() => this.closedError("receive"));
    this.emit({ type: "close", endpoint: this.#lastEndpoint ?? "" });
    this.events.end();
    void Promise.all(pending).then(() => this.#resolveClosed());
  }

  /** `await using sock = …` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.closed;
  }

  #checkOpen(what: string): void {
    if (this.#isClosed) throw this.closedError(what);
  }

  // ── pipes ────────────────────────────────────────────────────────────────────────────────

  #newPipe(endpoint: string, fromDialer: boolean): Pipe {
    const pipe = new Pipe(this.#host, this.#nextPipeId++, endpoint, fromDialer);
    this.#pipes.add(pipe);
    return pipe;
  }

  #dialerPipe(dialer: Dialer): Pipe {
    const pipe = this.#newPipe(dialer.url, true);
    dialer.pipe = pipe;
    return pipe;
  }

  #dropPipe(pipe: Pipe): void {
    if (!this.#pipes.delete(pipe)) return;
    if (!pipe.closed) pipe.close(0);
    this.#listeners.forget(pipe);
    if (pipe.attached) {
      pipe.attached = false;
      this.xdetach(pipe);
    }
    // Waiting senders may now fail over to other pipes; receivers are unaffected.
    this.wakeSenders();
  }

  #pipeReady(pipe: Pipe): void {
    if (this.#isClosed) {
      // A lingering connection came up after close(): deliver what was queued, then stop.
      this.#lingering.release(pipe);
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
    this.wakeSenders();
  }

  #pipeDisconnected(pipe: Pipe, terminal: boolean): void {
    // Messages already received stay readable after the peer leaves (as in libzmq): a
    // finished pipe with queued input is dropped once drained (pipeDrained).
    if (terminal && pipe.readable === 0) this.#dropPipe(pipe);
    for (const dialer of this.#dialers.values()) {
      if (dialer.pipe === pipe && !dialer.stopped) {
        if (terminal) dialer.pipe = undefined;
        dialer.retry();
      }
    }
  }

  /** The one object pipes, dialers and listeners call back into (kept off the public API). */
  #makeHost(): PipeHost & DialerHost & ListenerHost {
    // deno-lint-ignore no-this-alias
    const socket = this;
    return {
      options: this.options,
      get isClosed() {
        return socket.#isClosed;
      },
      get passesMessages() {
        return socket.passesMessages;
      },
      createSession: (asServer, sink, link) => this.createSession(asServer, sink, link),
      dialOptions: () => this.dialOptions(),
      listenOptions: () => this.listenOptions(),
      dialerPipe: (dialer) => this.#dialerPipe(dialer),
      bound: (endpoint) => (this.#lastEndpoint = endpoint),
      acceptedPipe: (endpoint) => this.#newPipe(endpoint, false),
      dropPipe: (pipe) => this.#dropPipe(pipe),
      pipeReady: (pipe) => this.#pipeReady(pipe),
      pipeReadable: (pipe) => this.pipeReadable(pipe),
      pipeWritable: (pipe) => this.pipeWritable(pipe),
      pipeSubscription: (pipe, topic, subscribe) => this.xsubscription(pipe, topic, subscribe),
      pipeDisconnected: (pipe, terminal) => this.#pipeDisconnected(pipe, terminal),
      pipeDrained: (pipe) => this.#dropPipe(pipe),
      emit: (event) => this.emit(event),
    };
  }
}
