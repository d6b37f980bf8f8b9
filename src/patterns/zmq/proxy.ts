/**
 * The built-in proxy (libzmq's `zmq_proxy` and `zmq_proxy_steerable`, zeromq.js's `Proxy`):
 * shuttles whole messages between a frontend and a backend socket, in every direction the two
 * socket types allow, optionally copying each message to a capture socket and obeying PAUSE,
 * RESUME, TERMINATE and STATISTICS commands from a control socket.
 *
 * Classic shapes: ROUTER ⇄ DEALER (a shared queue between clients and workers), XSUB ⇄ XPUB (a
 * forwarder; subscriptions flow back from XPUB to XSUB), PULL → PUSH (a streamer).
 *
 * Messages move in batches (`receiveBatch` + `sendBatch`): one promise per burst, not per
 * message. Back-pressure is the sockets' own: when the receiving side's peers are at their
 * high-water mark the proxy stops reading, and messages wait in the sending side's queues.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { Message } from "../../core/pipe.ts";
import type { Socket } from "./socket.ts";

/** Counters for one side of a proxy. Each frame of a multipart message counts as a message. */
export interface ProxySideStatistics {
  /** Frames received by this socket and taken by the proxy. */
  messagesReceived: number;
  /** Bytes in those frames. */
  bytesReceived: number;
  /** Frames the proxy handed to this socket to send. */
  messagesSent: number;
  /** Bytes in those frames. */
  bytesSent: number;
}

/** What {@link Proxy.statistics} returns (and STATISTICS replies with, as 8 × u64). */
export interface ProxyStatistics {
  /** The frontend socket's counters. */
  frontend: ProxySideStatistics;
  /** The backend socket's counters. */
  backend: ProxySideStatistics;
}

/** Options of {@link Proxy}. */
export interface ProxyOptions {
  /** Every message the proxy moves is also sent (as a copy) to this socket: PUB, PUSH, DEALER or PAIR. */
  capture?: Socket;
  /** A REP or PAIR socket the proxy reads commands from (see {@link ProxyCommand}). */
  control?: Socket;
  /** Most messages moved per batch (default 1024). */
  batchSize?: number;
}

/**
 * The commands a control socket accepts (the first frame of a message, as text). A REP control
 * socket replies to each: an empty frame, the statistics, or an `ERROR …` text for anything
 * else; a PAIR control socket only answers STATISTICS.
 *
 * @example
 * ```ts
 * import { Proxy, ProxyCommand, Pull, Push, Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using inlet = new Pull();
 * await using outlet = new Push();
 * await using control = new Rep();
 * await control.bind("inproc://proxy-command-doc");
 * const running = new Proxy(inlet, outlet, { control }).run();
 * await using commander = new Req();
 * commander.connect("inproc://proxy-command-doc");
 * await commander.send(ProxyCommand.TERMINATE);
 * await commander.receive(); // the REP control socket acknowledges
 * await running; // run() ends on TERMINATE
 * ```
 */
export const ProxyCommand = {
  /** Stop moving messages; they stay queued in the sockets (bounded by their HWM). */
  PAUSE: "PAUSE",
  /** Move messages again. */
  RESUME: "RESUME",
  /** End {@link Proxy.run}. */
  TERMINATE: "TERMINATE",
  /** Reply with 8 frames of u64 little-endian counters (see {@link statisticsFrames}). */
  STATISTICS: "STATISTICS",
} as const;

/** One of the {@link ProxyCommand} names. */
export type ProxyCommand = typeof ProxyCommand[keyof typeof ProxyCommand];

/** Where a proxy is in its life. */
export type ProxyState = "idle" | "running" | "paused" | "terminated";

const RECEIVERS: ReadonlySet<string> = new Set([
  "PULL",
  "SUB",
  "XSUB",
  "XPUB",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "PAIR",
]);
const SENDERS: ReadonlySet<string> = new Set([
  "PUSH",
  "PUB",
  "XPUB",
  "XSUB",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "PAIR",
]);

const STOP: unique symbol = Symbol("stop");
const decoder = new TextDecoder();

function emptySide(): ProxySideStatistics {
  return { messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0 };
}

function count(batch: readonly Message[]): [frames: number, bytes: number] {
  let frames = 0;
  let bytes = 0;
  for (const message of batch) {
    frames += message.length;
    for (const frame of message) bytes += frame.byteLength;
  }
  return [frames, bytes];
}

/**
 * Encodes statistics as the STATISTICS reply: 8 frames of u64 little-endian (the byte order of
 * libzmq's native `uint64_t` on x86 and ARM): frontend messages received, bytes received,
 * messages sent, bytes sent, then the same four for the backend.
 *
 * @example
 * ```ts
 * import { statisticsFrames } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const side = { messagesReceived: 3, bytesReceived: 300, messagesSent: 1, bytesSent: 2 };
 * const frames = statisticsFrames({ frontend: side, backend: side });
 * assert.equal(frames.length, 8);
 * assert.equal(new DataView(frames[1]!.buffer).getBigUint64(0, true), 300n);
 * ```
 */
export function statisticsFrames(stats: ProxyStatistics): Uint8Array[] {
  const values = [stats.frontend, stats.backend].flatMap((s) => [
    s.messagesReceived,
    s.bytesReceived,
    s.messagesSent,
    s.bytesSent,
  ]);
  return values.map((v) => {
    const frame = new Uint8Array(8);
    new DataView(frame.buffer).setBigUint64(0, BigInt(v), true);
    return frame;
  });
}

/**
 * A steerable proxy between two sockets (see the module doc). Construct it with sockets that
 * are already bound or connected, then `await proxy.run()`; steer it with the methods or the
 * control socket. The proxy never closes the sockets it was given.
 *
 * @example
 * ```ts
 * import { Proxy, Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using inlet = new Pull();
 * await using outlet = new Push();
 * await inlet.bind("inproc://proxy-doc-in");
 * await outlet.bind("inproc://proxy-doc-out");
 * await using producer = new Push();
 * await using consumer = new Pull();
 * producer.connect("inproc://proxy-doc-in");
 * consumer.connect("inproc://proxy-doc-out");
 * const proxy = new Proxy(inlet, outlet);
 * const running = proxy.run();
 * await producer.send(["hello", "world"]);
 * const frames = await consumer.receive();
 * assert.deepEqual(frames.map((f) => new TextDecoder().decode(f)), ["hello", "world"]);
 * proxy.terminate();
 * await running;
 * assert.equal(proxy.statistics().frontend.messagesReceived, 2);
 * ```
 */
export class Proxy {
  /** The frontend socket (zeromq.js's name). */
  readonly frontEnd: Socket;
  /** The backend socket (zeromq.js's name). */
  readonly backEnd: Socket;

  #capture: Socket | undefined;
  #control: Socket | undefined;
  #batchSize: number;
  #stats: ProxyStatistics = { frontend: emptySide(), backend: emptySide() };
  #state: ProxyState = "idle";
  #paused = false;
  #started = false;
  #resumers: (() => void)[] = [];
  #stop!: (value: typeof STOP) => void;
  #stopped: Promise<typeof STOP> = new Promise((r) => (this.#stop = r));

  /** Wraps two sockets (and optionally capture and control sockets) without starting. */
  constructor(frontend: Socket, backend: Socket, options?: ProxyOptions) {
    this.frontEnd = frontend;
    this.backEnd = backend;
    this.#capture = options?.capture;
    this.#control = options?.control;
    this.#batchSize = options?.batchSize ?? 1024;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new WeftError("EINVAL", `Proxy: expected batchSize ≥ 1, got ${options?.batchSize}`);
    }
    const control = options?.control;
    if (control && control.socketType !== "REP" && control.socketType !== "PAIR") {
      throw new WeftError(
        "EINVAL",
        `Proxy: expected a REP or PAIR control socket, got ${control.socketType}`,
      );
    }
    const capture = options?.capture;
    if (capture && !SENDERS.has(capture.socketType)) {
      throw new WeftError(
        "EINVAL",
        `Proxy: expected a capture socket that can send (PUB, PUSH, DEALER, PAIR), got ${capture.socketType}`,
      );
    }
  }

  /** `idle` before `run`, then `running`/`paused`, and `terminated` at the end. */
  get state(): ProxyState {
    return this.#state;
  }

  /**
   * Moves messages until `terminate()` (or TERMINATE on the control socket) or until the
   * frontend or backend socket closes; then resolves. Rejects with `ESTATE` when called twice,
   * `EINVAL` when neither direction is possible (e.g. PUB and PUSH), or the first unexpected
   * socket error (such as `EHOSTUNREACH` from a ROUTER with `mandatory`).
   */
  async run(): Promise<void> {
    if (this.#started) throw new WeftError("ESTATE", "Proxy.run: this proxy already ran");
    this.#started = true;
    if (this.#state === "terminated") return;
    const front = this.frontEnd;
    const back = this.backEnd;
    for (const s of [front, back]) {
      if (s.isClosed) {
        throw new WeftError("ECLOSED", `Proxy.run: the ${s.socketType} socket is already closed`);
      }
    }
    const forward = RECEIVERS.has(front.socketType) && SENDERS.has(back.socketType);
    const backward = RECEIVERS.has(back.socketType) && SENDERS.has(front.socketType);
    if (!forward && !backward) {
      throw new WeftError(
        "EINVAL",
        `Proxy.run: expected a frontend and backend that can pass messages (e.g. ROUTER/DEALER, ` +
          `XSUB/XPUB, PULL/PUSH), got ${front.socketType}/${back.socketType}`,
      );
    }
    this.#state = this.#paused ? "paused" : "running";
    const stopOnClose = () => this.#finish();
    void front.closed.then(stopOnClose);
    void back.closed.then(stopOnClose);
    const tasks: Promise<void>[] = [];
    const { frontend, backend } = this.#stats;
    if (forward) tasks.push(this.#pump(front, back, frontend, backend));
    if (backward) tasks.push(this.#pump(back, front, backend, frontend));
    if (this.#control) void this.#listen(this.#control);
    try {
      await Promise.all(tasks);
    } finally {
      this.#finish();
    }
  }

  /** Stops moving messages until `resume()`; they wait in the sockets' queues. */
  pause(): void {
    if (this.#state === "terminated") return;
    this.#paused = true;
    if (this.#state === "running") this.#state = "paused";
  }

  /** Moves messages again after `pause()`. */
  resume(): void {
    if (this.#state === "terminated") return;
    this.#paused = false;
    if (this.#state === "paused") this.#state = "running";
    for (const r of this.#resumers.splice(0)) r();
  }

  /** Ends `run()` (at once, also while paused). The sockets stay open. */
  terminate(): void {
    this.#finish();
  }

  /** A snapshot of the counters (each frame counts as one message, as in libzmq). */
  statistics(): ProxyStatistics {
    return { frontend: { ...this.#stats.frontend }, backend: { ...this.#stats.backend } };
  }

  #finish(): void {
    if (this.#state === "terminated") return;
    this.#state = "terminated";
    this.#stop(STOP);
    for (const r of this.#resumers.splice(0)) r();
  }

  get #done(): boolean {
    return this.#state === "terminated";
  }

  async #pump(
    from: Socket,
    to: Socket,
    input: ProxySideStatistics,
    output: ProxySideStatistics,
  ): Promise<void> {
    while (!this.#done) {
      const receiving = from.receiveBatch(this.#batchSize);
      let got: Message[] | typeof STOP;
      try {
        got = await Promise.race([receiving, this.#stopped]);
      } catch (error) {
        if (isCode(error, "ECLOSED")) return this.#finish();
        if (isCode(error, "EAGAIN")) continue; // the socket's receiveTimeout: keep waiting
        throw error;
      }
      if (got === STOP) {
        // A receive cannot be withdrawn: whatever it still yields is delivered, not lost.
        receiving.then((late) => this.#deliverLate(to, late), () => {});
        return;
      }
      const [frames, bytes] = count(got);
      input.messagesReceived += frames;
      input.bytesReceived += bytes;
      if (this.#paused) await new Promise<void>((r) => this.#resumers.push(r));
      if (this.#done) return this.#deliverLate(to, got);
      output.messagesSent += frames;
      output.bytesSent += bytes;
      const sending = [this.#send(to, got)];
      if (this.#capture) sending.push(this.#copy(this.#capture, got));
      const sent = await Promise.race([Promise.all(sending), this.#stopped]);
      if (sent === STOP) return;
    }
  }

  async #send(to: Socket, batch: Message[]): Promise<void> {
    try {
      await to.sendBatch(batch);
    } catch (error) {
      if (isCode(error, "ECLOSED")) return this.#finish();
      if (isCode(error, "EAGAIN")) return; // the socket's sendTimeout dropped the rest
      throw error;
    }
  }

  async #copy(capture: Socket, batch: Message[]): Promise<void> {
    // Copies: the forwarded frames now belong to the other socket's transport.
    const copies = batch.map((m) => m.map((f) => f.slice()));
    try {
      await capture.sendBatch(copies);
    } catch {
      // Capture is best effort: a closed or timed-out capture socket never stops the proxy.
    }
  }

  #deliverLate(to: Socket, batch: Message[]): void {
    to.sendBatch(batch).catch(() => {});
  }

  async #listen(control: Socket): Promise<void> {
    while (!this.#done && !control.isClosed) {
      const receiving = control.receive();
      let got: Message | typeof STOP;
      try {
        got = await Promise.race([receiving, this.#stopped]);
      } catch (error) {
        if (isCode(error, "EAGAIN")) continue;
        return; // the control socket closed: the proxy runs on without it
      }
      if (got === STOP) {
        // A REP control socket must still answer a command that arrives late.
        receiving.then((late) => this.#command(control, late), () => {});
        return;
      }
      await this.#command(control, got);
    }
  }

  async #command(control: Socket, message: Message): Promise<void> {
    const name = decoder.decode(message[0] ?? new Uint8Array(0)).trim().toUpperCase();
    const rep = control.socketType === "REP";
    let reply: Uint8Array[] | undefined = rep ? [new Uint8Array(0)] : undefined;
    if (name === ProxyCommand.PAUSE) this.pause();
    else if (name === ProxyCommand.RESUME) this.resume();
    else if (name === ProxyCommand.TERMINATE) this.terminate();
    else if (name === ProxyCommand.STATISTICS) reply = statisticsFrames(this.#stats);
    else if (rep) {
      reply = [
        new TextEncoder().encode(
          `ERROR unknown command "${name}" (expected PAUSE, RESUME, TERMINATE or STATISTICS)`,
        ),
      ];
    }
    if (!reply) return;
    try {
      await control.send(reply);
    } catch {
      // The controller went away; nothing to tell it.
    }
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof WeftError && error.code === code;
}

/**
 * Runs a proxy between `frontend` and `backend` (copying every message to `capture` when
 * given) until either socket closes: libzmq's `zmq_proxy`. For pause, resume, terminate and
 * statistics use {@link Proxy}.
 *
 * @example
 * ```ts
 * import { proxy, Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const inlet = new Pull();
 * const outlet = new Push();
 * await inlet.bind("inproc://streamer-in");
 * await outlet.bind("inproc://streamer-out");
 * const done = proxy(inlet, outlet);
 * await using producer = new Push();
 * await using consumer = new Pull();
 * producer.connect("inproc://streamer-in");
 * consumer.connect("inproc://streamer-out");
 * await producer.send("tick");
 * assert.equal(new TextDecoder().decode((await consumer.receive())[0]), "tick");
 * inlet.close();
 * await done; // resolves once either socket closes
 * outlet.close();
 * ```
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): Promise<void> {
  return new Proxy(frontend, backend, capture ? { capture } : {}).run();
}
