/**
 * A pipe: the socket's view of one peer. It owns the peer's outbound queue (bounded by the send
 * high-water mark) and inbound queue (bounded by the receive high-water mark), and carries the
 * current connection: a byte stream with a wire session (ZMTP, SP…) on it. A pipe made by `connect` outlives
 * its connections (unless `immediate`), so messages queued while the peer is away are sent
 * after the reconnect, as libzmq does.
 *
 * Outbound messages are flushed in bursts: a lone message goes out one microtask after it was
 * queued; messages queued in consecutive microtasks (a loop of `await send()`) go out once the
 * event loop's turn ends, or every {@link FLUSH_BATCH} messages, in one encoder burst each.
 *
 * Direct pipes (inproc): when the stream offers a rendezvous ({@link ByteStream.direct}) and
 * the socket's family takes it, the handshake still runs over the bytes (socket types,
 * identities, security), then the flush moves messages from this pipe's outbox straight into
 * the peer pipe's inbox, by reference, as libzmq's inproc pipe pair: at most the peer's
 * receive high-water mark waits there, at most ours in our outbox, and the peer's reads make
 * room again. The stream lives on for the protocol's own traffic (heartbeats) and for the
 * end of the connection (disconnect events, close, reconnect work as on any stream).
 * @module
 */

import { Fifo } from "./fifo.ts";
import type { SocketEvent } from "./events.ts";
import type { ByteStream, DirectEnd } from "../transport/types.ts";
import type { CoreOptions } from "./options.ts";
import type { WireLink, WirePeer, WireSession, WireSessionError, WireSessionSink } from "./wire.ts";

/**
 * A flush goes ahead once this many messages wait, even while a sender keeps adding. Above the
 * default send HWM (1,000) on purpose: a streaming sender then fills the outbox to its HWM,
 * yields, and the turn's end flushes it in one burst (~18 KB at 16 B). Measured against 256,
 * 2026-12-03, 16 B across processes into libzmq: sender CPU per message Deno 164–205 → 139–183
 * ns, Bun 190–243 → 176–224 ns; Bun → Bun 2.84–3.08 → 3.47–3.64 M msg/s (bench/README.md).
 */
const FLUSH_BATCH = 2048;
/** …or until this many bytes are waiting: large messages go out without waiting for more. */
const FLUSH_BYTES = 256 * 1024;

/**
 * Runs `fn` once the current turn of the event loop is over (its microtasks included): after a
 * few µs on an idle loop. `setTimeout(0)` would clamp to 1–4 ms inside a chain of awaits.
 */
const afterTurn: (fn: () => void) => void = typeof globalThis.setImmediate === "function"
  ? (fn) => void globalThis.setImmediate(fn)
  : (fn) => void setTimeout(fn, 0);

/** How long a connection failed in its handshake may take to flush our ERROR command. */
const FAIL_FLUSH_MS = 250;

/** A linger of -1 ("until sent") as a timer can hold it (about 24 days). */
const FOREVER_MS = 2 ** 31 - 1;

/**
 * A new array of the same frames. Literals for the common one- and two-frame messages: on V8
 * `slice()` costs about three times as much, which shows at ten million messages a second.
 */
function ownArray(frames: Message): Message {
  if (frames.length === 1) return [frames[0]!];
  if (frames.length === 2) return [frames[0]!, frames[1]!];
  return frames.slice();
}

/** A multipart message: one or more frames. */
export type Message = Uint8Array[];

/** A subscription change queued in order with messages. */
interface Subscription {
  readonly topic: Uint8Array;
  readonly subscribe: boolean;
}

/** What a pipe needs from its socket: the socket core's contract with its pipes. */
export interface PipeHost {
  /** Makes the wire session for a new connection of this pipe. */
  createSession(asServer: boolean, sink: WireSessionSink, link: WireLink): WireSession;
  /**
   * Whether this socket's messages may pass by reference to a peer in the same process: true
   * when a message arrives with the frames it was sent with (ZeroMQ), false when the wire
   * reshapes it (SP joins header and body into one payload).
   */
  readonly passesMessages: boolean;
  /** The socket's current options. */
  readonly options: CoreOptions;
  /** The handshake completed; `peer` is now known. */
  pipeReady(pipe: Pipe): void;
  /** A message arrived in the pipe's inbound queue. */
  pipeReadable(pipe: Pipe): void;
  /** The outbound queue has room again. */
  pipeWritable(pipe: Pipe): void;
  /** The peer (un)subscribed (PUB/XPUB only). */
  pipeSubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void;
  /** The pipe's connection ended; `terminal` when the pipe itself is finished. */
  pipeDisconnected(pipe: Pipe, terminal: boolean): void;
  /** A finished pipe handed out its last queued inbound message. */
  pipeDrained(pipe: Pipe): void;
  /** Records a monitor event. */
  emit(event: SocketEvent): void;
}

/** The socket's view of one peer (see the module doc). */
export class Pipe {
  /** Unique within its socket; stable across reconnects. */
  readonly id: number;
  /** The endpoint this pipe came from (bound or connected URL). */
  readonly endpoint: string;
  /** True when made by `connect` (reconnects), false when accepted by `bind`. */
  readonly fromDialer: boolean;
  /** The peer as its handshake described it (undefined until the first handshake). */
  peer: WirePeer | undefined;
  /** Routing id assigned by a ROUTER socket (peer identity or generated). */
  routingId: Uint8Array = new Uint8Array(0);
  /** Whether the socket's pattern has this pipe attached. */
  attached = false;
  /** Pattern-private state (e.g. subscriptions of a PUB peer). */
  state: unknown;
  /** Remote address of the current (or last) connection. */
  remoteAddress = "";

  #host: PipeHost;
  #outbox = new Fifo<Message | Subscription>(64);
  #inbox = new Fifo<Message>(64);
  #session: WireSession | undefined;
  #stream: ByteStream | undefined;
  #ready = false;
  #blocked = false;
  #paused = false;
  #flushQueued = false; // a flush is due (see #scheduleFlush)
  #flushAtTurnEnd = false; // …and waits for the end of the turn (the sender is streaming)
  #turnHookSet = false; // an afterTurn callback is pending
  #flushSoon = false; // a full batch asked for its flush on the next microtask
  #outboxBytes = 0;
  #flushSeen = -1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #closed = false;
  // close(linger) on a connected pipe: the outbox is still being flushed (see close())
  #draining = false;
  #lingerUntil = Infinity;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #letGone: { promise: Promise<void>; resolve: () => void } | undefined;
  // The current stream's rendezvous when this pipe takes it (see the module doc), and the peer
  // pipe once both handshakes are done: then messages skip the session.
  #directEnd: DirectEnd | undefined;
  #direct: Pipe | undefined;

  /** A pipe of `host` (the socket core makes them, in `connect` and on accept). */
  constructor(host: PipeHost, id: number, endpoint: string, fromDialer: boolean) {
    this.#host = host;
    this.id = id;
    this.endpoint = endpoint;
    this.fromDialer = fromDialer;
  }

  /** True while a connection has completed its handshake. */
  get connected(): boolean {
    return this.#ready;
  }

  /** Whether another message fits under the send high-water mark. */
  get writable(): boolean {
    const hwm = this.#host.options.sendHighWaterMark;
    return !this.#closed && (hwm === 0 || this.#outbox.length < hwm);
  }

  /** Messages (and subscription changes) not yet handed to a connection. */
  get pendingOutbound(): number {
    return this.#outbox.length;
  }

  /** Messages waiting in the inbound queue. */
  get readable(): number {
    return this.#inbox.length;
  }

  /** Queues a message if it fits under the HWM; returns whether it was queued. */
  send(message: Message): boolean {
    if (!this.writable) return false;
    this.queue(message);
    return true;
  }

  /** Queues a message the caller has just seen fit under the HWM (`writable` was true). */
  queue(message: Message): void {
    if (this.#host.options.conflate) this.#dropQueuedMessages();
    for (let i = 0; i < message.length; i++) this.#outboxBytes += message[i]!.length;
    this.#outbox.push(message);
    this.#scheduleFlush();
  }

  /** Queues a subscription change (not counted against the HWM). */
  sendSubscription(topic: Uint8Array, subscribe: boolean): void {
    if (this.#closed) return;
    this.#outbox.push({ topic, subscribe });
    this.#scheduleFlush();
  }

  /** Takes the oldest inbound message. */
  read(): Message | undefined {
    const message = this.#inbox.shift();
    if (this.#closed && this.#inbox.length === 0) {
      queueMicrotask(() => this.#host.pipeDrained(this));
      return message;
    }
    if (this.#paused && this.#inbox.length <= this.#host.options.receiveHighWaterMark >> 1) {
      this.#paused = false;
      if (this.#direct) this.#direct.#scheduleFlush(); // the peer holds what did not fit
      else this.#stream?.resume();
    }
    return message;
  }

  /** A message for the inbound queue (from the session, or from a direct peer). */
  #arrive(frames: Message): void {
    if (this.#host.options.conflate) this.#inbox = new Fifo(4);
    this.#inbox.push(frames);
  }

  #dropQueuedMessages(): void {
    const keep = this.#outbox.drain().filter((item) => !Array.isArray(item));
    for (const item of keep) this.#outbox.push(item);
  }

  /** Drops queued outbound messages (e.g. REQ abandoning a request). */
  clearOutbox(): void {
    this.#outbox = new Fifo(64);
    this.#outboxBytes = 0;
  }

  /** Starts a connection on `stream`; `asServer` for accepted streams. */
  attachStream(stream: ByteStream, asServer: boolean): void {
    if (this.#closed) {
      stream.close(0);
      return;
    }
    const o = this.#host.options;
    this.#stream = stream;
    this.remoteAddress = stream.remoteAddress;
    this.#ready = false;
    this.#blocked = false;
    const end = this.#host.passesMessages ? stream.direct : undefined;
    this.#directEnd = end;
    if (end) end.owner = this;
    const session = this.#host.createSession(asServer, {
      write: (bytes) => {
        if (this.#stream === stream && !stream.write(bytes)) this.#blocked = true;
      },
      ready: (peer) => {
        // A handshake held for an authenticator may finish after its connection is gone.
        if (this.#stream !== stream) return;
        this.peer = peer;
        this.#ready = true;
        if (end && this.#stream === stream) this.#meetDirect(end);
        this.#host.pipeReady(this);
        this.#scheduleFlush();
        // It may also finish outside feed(): arm the heartbeat timer now, not at the next input.
        if (this.#session !== undefined) this.#armTimer(this.#session);
      },
      message: (frames) => {
        if (this.#closed) return; // closing: what the peer still sends has no reader
        this.#arrive(frames);
        const hwm = o.receiveHighWaterMark;
        if (hwm > 0 && this.#inbox.length >= hwm && !this.#paused) {
          this.#paused = true;
          stream.pause();
        }
        this.#host.pipeReadable(this);
      },
      subscription: (topic, subscribe) => this.#host.pipeSubscription(this, topic, subscribe),
      error: (error) => this.#fail(stream, error),
    }, {
      endpoint: this.endpoint,
      framing: stream.framing ?? "bytes",
      remoteAddress: stream.remoteAddress,
      ...(stream.protocol !== undefined ? { protocol: stream.protocol } : {}),
      ...(stream.ping ? { ping: () => stream.ping!() } : {}),
    });
    this.#session = session;
    stream.start({
      data: (chunk) => {
        if (this.#session === session) {
          session.feed(chunk, performance.now());
          this.#armTimer(session);
        }
      },
      alive: () => {
        if (this.#session === session) session.alive?.(performance.now());
      },
      drain: () => {
        if (this.#stream !== stream) return;
        this.#blocked = false;
        this.#flush();
        if (this.#draining) this.#drainStep();
      },
      end: (error) => this.#ended(stream, error ? error.message : undefined),
    });
    session.start(performance.now());
    this.#armTimer(session);
  }

  /**
   * Closes the pipe. With `lingerMs` ≠ 0 on a connected pipe every queued message is still
   * written: the outbox keeps flushing as the transport drains (a back-pressured pipe waits for
   * its peer to read), then the stream closes after handing its own queue to the kernel — all
   * within `lingerMs` (-1: no limit), or until the peer goes away. `0` drops what is queued.
   * The promise settles once the connection is let go (at once when there is none).
   */
  close(lingerMs: number): Promise<void> {
    if (this.#closed) return this.#letGone?.promise ?? Promise.resolve();
    this.#closed = true;
    const letGone = this.#letGone = Promise.withResolvers<void>();
    if (lingerMs !== 0 && this.#stream && this.#ready) {
      this.#draining = true;
      this.#inbox = new Fifo(4); // nobody reads a closed socket
      if (this.#paused) {
        // Keep reading (and dropping): a peer that writes to us while we write to it must not
        // stall both sides until the linger runs out.
        this.#paused = false;
        this.#stream.resume();
      }
      if (lingerMs > 0) {
        this.#lingerUntil = performance.now() + lingerMs;
        this.#lingerTimer = setTimeout(() => this.#letGo(0), lingerMs);
      }
      this.#flush();
      this.#drainStep();
    } else {
      this.#flush();
      this.#letGo(lingerMs);
    }
    return letGone.promise;
  }

  /**
   * Our handshake is done on a stream with a rendezvous: when the peer's is done too, link the
   * two pipes (each flushes what it held); when the peer's side does not take the rendezvous,
   * this connection stays on the bytes.
   */
  #meetDirect(end: DirectEnd): void {
    const other = end.peer.owner;
    if (!(other instanceof Pipe) || other.#directEnd !== end.peer) {
      this.#directEnd = undefined;
      end.owner = undefined;
      return;
    }
    if (!other.#ready) return; // it links us when its handshake completes
    this.#direct = other;
    other.#direct = this;
    other.#scheduleFlush();
  }

  /** Forgets the direct peer (our connection ends); the peer holds its outbox from now on. */
  #unlinkDirect(): void {
    const peer = this.#direct;
    if (this.#directEnd) this.#directEnd.owner = undefined;
    this.#directEnd = undefined;
    this.#direct = undefined;
    if (peer && peer.#direct === this) peer.#direct = undefined;
  }

  /** Draining: once the outbox is empty, the stream flushes the rest in the linger left. */
  #drainStep(): void {
    if (this.#outbox.length > 0) return;
    const left = this.#lingerUntil - performance.now();
    this.#letGo(Number.isFinite(left) ? Math.max(1, Math.ceil(left)) : -1);
  }

  /** Drops the outbox and closes the stream with `lingerMs` for its own queue. */
  #letGo(lingerMs: number): void {
    this.#draining = false;
    clearTimeout(this.#lingerTimer);
    this.#clearTimer();
    this.clearOutbox();
    this.#unlinkDirect();
    const stream = this.#stream;
    this.#stream = undefined;
    this.#session = undefined;
    this.#ready = false;
    stream?.close(lingerMs < 0 ? FOREVER_MS : lingerMs);
    this.#released(stream);
  }

  /** The socket's close waits on this: settles once `stream` (if any) is closed. */
  #released(stream: ByteStream | undefined): void {
    const letGone = this.#letGone;
    if (!letGone) return;
    if (stream) void stream.closed.then(letGone.resolve);
    else letGone.resolve();
  }

  /**
   * Fails the current connection from the pattern's side (a peer that sent garbage): emits a
   * `disconnect` with the code and reason, then detaches the pipe as if the stream had failed
   * (so the socket drops it and its dialer reconnects).
   */
  abort(code: string, reason: string): void {
    const stream = this.#stream;
    if (!stream) return;
    this.#fail(stream, { code, reason, phase: this.#ready ? "traffic" : "handshake" });
  }

  /** Whether {@link Pipe.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues a flush. A lone message is flushed one microtask later. When more arrived in that
   * microtask, the sender is streaming (a loop of `await send()` adds one per microtask): the
   * flush then waits for the end of the turn, or for a full batch ({@link FLUSH_BATCH}
   * messages or {@link FLUSH_BYTES}), whichever comes first — one encoder burst and one write
   * per batch, and no wake-up per message to look whether the sender is done.
   */
  #scheduleFlush(): void {
    // Blocked: the transport's drain flushes everything queued by then.
    if (!this.#ready || this.#blocked) return;
    if (this.#flushQueued) {
      if (
        this.#flushAtTurnEnd && !this.#flushSoon &&
        (this.#outbox.length >= FLUSH_BATCH || this.#outboxBytes >= FLUSH_BYTES)
      ) {
        this.#flushSoon = true;
        queueMicrotask(this.#flushNow);
      }
      return;
    }
    this.#flushQueued = true;
    this.#flushSeen = -1;
    queueMicrotask(this.#flushTask);
  }

  readonly #flushTask = (): void => {
    if (!this.#flushQueued) return;
    const n = this.#outbox.length;
    const full = n >= FLUSH_BATCH || this.#outboxBytes >= FLUSH_BYTES;
    if (this.#flushSeen < 0 && !full) {
      // We were queued inside send(), ahead of the sender's own continuation: look again
      // after it had its turn.
      this.#flushSeen = n;
      queueMicrotask(this.#flushTask);
      return;
    }
    if (n > this.#flushSeen && !full) {
      this.#flushAtTurnEnd = true;
      if (!this.#turnHookSet) {
        this.#turnHookSet = true;
        afterTurn(this.#turnEnded);
      }
      return;
    }
    this.#flushNow();
  };

  // No microtask is left when this runs, so any flush still due waits for the turn's end.
  readonly #turnEnded = (): void => {
    this.#turnHookSet = false;
    this.#flushNow();
  };

  readonly #flushNow = (): void => {
    if (!this.#flushQueued) return;
    this.#flushQueued = false;
    this.#flushAtTurnEnd = false;
    this.#flushSoon = false;
    this.#flush();
    if (this.#draining && this.#directEnd) this.#drainStep(); // a direct peer made room
  };

  #flush(): void {
    const session = this.#session;
    if (!session || !this.#ready || this.#blocked) return;
    if (this.#directEnd) return this.#flushDirect();
    let moved = 0;
    for (let item = this.#outbox.shift(); item !== undefined; item = this.#outbox.shift()) {
      if (Array.isArray(item)) session.send(item);
      else session.sendSubscription(item.topic, item.subscribe);
      moved++;
    }
    this.#outboxBytes = 0;
    if (moved === 0) return;
    session.flush();
    // Room again: let waiting senders in (the host ignores this when nobody waits).
    this.#host.pipeWritable(this);
  }

  /**
   * Moves the outbox into the direct peer's inbox, in order, until the peer's receive
   * high-water mark (its reads call us back); holds everything until the peer is linked.
   */
  #flushDirect(): void {
    const peer = this.#direct;
    if (!peer) return;
    const outbox = this.#outbox;
    const inbox = peer.#inbox;
    const hwm = peer.#host.options.receiveHighWaterMark;
    const dropping = peer.#closed; // closing: what we still send has no reader
    const room = hwm > 0 && !peer.#host.options.conflate ? hwm - inbox.length : Infinity;
    let moved = 0;
    let arrived = 0;
    while (outbox.length > 0) {
      if (arrived >= room) {
        peer.#paused = true; // its read() wakes us at half the mark
        break;
      }
      const item = outbox.shift()!;
      moved++;
      if (!Array.isArray(item)) {
        peer.#host.pipeSubscription(peer, item.topic, item.subscribe);
        if (this.#direct !== peer) break; // the subscription made the peer drop us
        continue;
      }
      if (dropping) continue;
      // The peer gets its own array (patterns such as ROUTER prepend to it; a fan-out shares
      // one); the frames themselves are shared, not copied.
      if (peer.#host.options.conflate) peer.#arrive(ownArray(item));
      else inbox.push(ownArray(item));
      arrived++;
    }
    this.#outboxBytes = 0;
    if (moved === 0) return;
    if (arrived > 0) peer.#host.pipeReadable(peer);
    this.#host.pipeWritable(this);
  }

  #fail(stream: ByteStream, error: WireSessionError): void {
    if (this.#stream !== stream) return;
    const handshake = error.phase === "handshake";
    this.#host.emit({
      type: handshake ? "handshake:error" : "disconnect",
      endpoint: this.endpoint,
      remoteAddress: stream.remoteAddress,
      reason: error.reason,
      code: error.code,
    });
    this.#detachStream(stream, true);
    // Give what the session wrote last (our READY, an ERROR saying why) a moment to leave:
    // close(0) would discard it and the peer would only see the connection drop.
    stream.close(handshake ? FAIL_FLUSH_MS : 0);
  }

  #ended(stream: ByteStream, reason: string | undefined): void {
    if (this.#stream !== stream) return;
    this.#host.emit({
      type: "disconnect",
      endpoint: this.endpoint,
      remoteAddress: stream.remoteAddress,
      reason: reason ?? "peer closed the connection",
    });
    this.#detachStream(stream, false);
  }

  #detachStream(stream: ByteStream, _failed: boolean): void {
    if (this.#stream !== stream) return;
    const draining = this.#draining;
    if (draining) {
      // It ended while draining after close(): the peer is gone, so is what was queued.
      this.#draining = false;
      clearTimeout(this.#lingerTimer);
      this.clearOutbox();
      this.#released(stream);
    }
    this.#unlinkDirect();
    this.#stream = undefined;
    this.#session = undefined;
    this.#ready = false;
    this.#paused = false;
    this.#clearTimer();
    if (draining) return; // the socket is done with this pipe
    const terminal = !this.fromDialer || this.#host.options.immediate;
    if (terminal) this.#closed = true;
    this.#host.pipeDisconnected(this, terminal);
  }

  #armTimer(session: WireSession): void {
    const deadline = session.tick(performance.now());
    if (deadline >= this.#timerAt || !Number.isFinite(deadline)) {
      if (!Number.isFinite(deadline)) this.#clearTimer();
      return;
    }
    this.#clearTimer();
    this.#timerAt = deadline;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      if (this.#session === session) this.#armTimer(session);
    }, Math.max(0, deadline - performance.now()));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}
