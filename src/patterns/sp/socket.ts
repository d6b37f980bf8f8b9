/**
 * The public face of SP sockets, in nng's terms: `listen`/`dial`, `send`/`recv` of byte
 * messages, options in milliseconds, contexts. Each socket wraps a protocol core (a
 * {@link SpCore}, i.e. the shared socket base with SP sessions) so the API stays nng's.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { EventStream } from "../../core/events.ts";
import type { TransportRegistry } from "../../transport/types.ts";
import { EMPTY } from "./core.ts";
import type { SpCore, SpCoreOptions, SpMessage } from "./core.ts";
import type { DialFlags } from "./core.ts";
import { concat } from "../../protocol/sp/backtrace.ts";
import type { CoreContext } from "./context.ts";

/** Options every SP socket accepts (in the constructor object or as properties; times in ms). */
export interface SpOptions {
  /** Raw mode: SP headers are exposed on receive and required on send (for devices). */
  raw?: boolean;
  /** Largest message accepted, bytes; larger closes that connection (EMSGSIZE). 0 = no limit. Default 1 MiB. */
  recvMaxSize?: number;
  /** send() fails with ETIMEDOUT after this many ms; -1 = wait forever (default). */
  sendTimeout?: number;
  /** recv() fails with ETIMEDOUT after this many ms; -1 = wait forever (default). */
  recvTimeout?: number;
  /** Most hops a routed message may have taken (1–15). Default 8. */
  maxTtl?: number;
  /** Messages queued per peer before send waits (or PUB/BUS/SURVEYOR drop). Default 128 (PUB 16). */
  sendBuffer?: number;
  /** Messages queued per peer before reading from it pauses. Default 128. */
  recvBuffer?: number;
  /** First re-dial delay, ms. Default 1000 (nng 1.5.2). */
  reconnectTime?: number;
  /** Cap of the doubling re-dial delay, ms; 0 = no back-off. Default 0. */
  reconnectMaxTime?: number;
  /** The transports to use (default: the runtime's tcp, ipc and ws, plus inproc). */
  transports?: TransportRegistry;
}

/** Default `sendBuffer` per socket (nng's PUB queues 16 per pipe). */
export const DEFAULT_BUFFER = 128;

/** Converts {@link SpOptions} into the core's options. */
export function coreOptions(options: SpOptions, sendBuffer = DEFAULT_BUFFER): SpCoreOptions {
  const out: SpCoreOptions = {
    sendHighWaterMark: Math.max(1, options.sendBuffer ?? sendBuffer),
    receiveHighWaterMark: Math.max(1, options.recvBuffer ?? DEFAULT_BUFFER),
    reconnectInterval: options.reconnectTime ?? 1000,
    reconnectMaxInterval: options.reconnectMaxTime ?? 0,
    sendTimeout: options.sendTimeout ?? -1,
    receiveTimeout: options.recvTimeout ?? -1,
  };
  if (options.transports) out.transports = options.transports;
  if (options.raw !== undefined) out.raw = options.raw;
  if (options.recvMaxSize !== undefined) out.recvMaxSize = options.recvMaxSize;
  if (options.maxTtl !== undefined) out.maxTtl = options.maxTtl;
  return out;
}

const encoder = new TextEncoder();

/** What `send` accepts: bytes, or a string sent as UTF-8. */
export type SpData = Uint8Array | string;

function toBytes(data: SpData): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** nng reports send/receive timeouts as ETIMEDOUT (the shared core says EAGAIN). */
function nngError(error: unknown): never {
  if (error instanceof WeftError && error.code === "EAGAIN") {
    throw new WeftError("ETIMEDOUT", error.message, { cause: error });
  }
  throw error;
}

const body = (m: SpMessage) => m.body;

/**
 * The base of every SP socket (see the module doc): `listen`/`dial`, `send`/`recv`, options and
 * events shared by Pair0 … Bus0. Construct the concrete socket from `weft/sp`.
 *
 * @example
 * ```ts
 * import { SpSocket } from "./socket.ts";
 * import { Pull0Socket, Push0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const pull = new Pull0Socket({ transports });
 * const push = new Push0Socket({ transports });
 * assert.ok(push instanceof SpSocket);
 * await pull.listen("inproc://sp-socket-doc");
 * await push.dial("inproc://sp-socket-doc");
 * await push.send("hello");
 * assert.equal(new TextDecoder().decode(await pull.recv()), "hello");
 * push.close();
 * pull.close();
 * ```
 */
export abstract class SpSocket implements AsyncIterable<Uint8Array>, AsyncDisposable {
  /**
   * The protocol core: the shared socket with this protocol's hooks.
   * @ignore
   */
  protected readonly core: SpCore;
  readonly #wholeRaw = (m: SpMessage) => m.header.length ? concat(m.header, m.body) : m.body;

  /** Wraps a core. */
  protected constructor(core: SpCore) {
    this.core = core;
  }

  /** The protocol's nng name (`req`, `pair1`…). */
  get protocol(): string {
    return this.core.protocol.name;
  }
  /** The peer protocol's name. */
  get peer(): string {
    return this.core.protocol.peerName;
  }
  /** The protocol id (`0x30` for req0). */
  get protocolId(): number {
    return this.core.protocol.id;
  }
  /** Whether the socket is raw. */
  get raw(): boolean {
    return this.core.raw;
  }
  /** Connection events (`for await`, or `events.on(type, fn)`). */
  get events(): EventStream {
    return this.core.events;
  }
  /** Settles when the socket is closed. */
  get closed(): Promise<void> {
    return this.core.closed;
  }
  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.core.isClosed;
  }
  /** The address of the last `listen`, with the real port (e.g. after `tcp://127.0.0.1:0`). */
  get lastEndpoint(): string | undefined {
    return this.core.lastEndpoint;
  }

  /** Listens on `url` (tcp://, ipc://, inproc://, ws://); resolves once bound. */
  listen(url: string): Promise<void> {
    return this.core.bind(url);
  }

  /**
   * Dials `url`: resolves on the first completed connection, rejects on the first failure
   * (and stops). `{ nonBlocking: true }` returns at once and keeps retrying in the background
   * every `reconnectTime` (doubling up to `reconnectMaxTime`). Lost connections are re-dialed.
   */
  dial(url: string, flags: DialFlags = {}): Promise<void> {
    return this.core.dial(url, flags);
  }

  /**
   * Sends a message. Cooked sockets add their header; raw sockets take it from the front of
   * `data` by the protocol's rules (use {@link SpSocket.sendMsg} to pass it apart).
   */
  send(data: SpData): Promise<void> {
    const bytes = toBytes(data);
    const m = this.core.raw ? this.core.splitRaw(bytes) : { header: EMPTY, body: bytes };
    const sent = this.core.sendMessage(m);
    // Only a timeout needs its code renamed: without one, hand the core's promise back as is
    // (a `.catch` costs a promise and two microtask hops per message, which also splits the
    // pipe's flush bursts of an `await send()` loop).
    return this.core.sendTimeout < 0 ? sent : sent.catch(nngError);
  }

  /** Receives the next message's body (raw sockets: header and body together). */
  recv(): Promise<Uint8Array> {
    return this.core.receiveMessage().then(this.core.raw ? this.#wholeRaw : body, nngError);
  }

  /** Sends a message with an explicit SP header (raw sockets; cooked ones ignore it). */
  sendMsg(message: { header?: Uint8Array; body: SpData }): Promise<void> {
    const m = { header: message.header ?? EMPTY, body: toBytes(message.body) };
    return this.core.sendMessage(m).catch(nngError);
  }

  /** Receives the next message with its SP header apart and the id of the pipe it came by. */
  recvMsg(): Promise<SpMessage> {
    return this.core.receiveMessage().catch(nngError);
  }

  /** Iterates received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // A plain iterator over batches of ready messages: one promise per batch, not per message.
    let batch: Uint8Array[] = [];
    let at = 0;
    const finish = (): Promise<IteratorResult<Uint8Array>> => {
      batch = [];
      at = 0;
      return Promise.resolve({ value: undefined, done: true });
    };
    const next = (got: Uint8Array[]): IteratorResult<Uint8Array> => {
      batch = got;
      at = 1;
      return { value: got[0]!, done: false };
    };
    const fail = (error: unknown): Promise<IteratorResult<Uint8Array>> => {
      if (error instanceof WeftError && error.code === "ECLOSED") return finish();
      return nngError(error);
    };
    return {
      next: () => {
        if (at < batch.length) return Promise.resolve({ value: batch[at++]!, done: false });
        if (this.core.isClosed) return finish();
        return this.core.receiveBodies().then(next, fail);
      },
      return: finish,
    };
  }

  /** Closes the socket: pending operations fail with ECLOSED. Idempotent. */
  close(): void {
    this.core.close();
  }

  /** `await using s = new Req0()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.closed;
  }

  /** Largest message accepted, bytes (0 = unlimited); applies to new connections. */
  get recvMaxSize(): number {
    return this.core.recvMaxSize;
  }
  set recvMaxSize(value: number) {
    if (!Number.isInteger(value) || value < 0) {
      throw new WeftError("EINVAL", `option recvMaxSize: expected an integer ≥ 0, got ${value}`);
    }
    this.core.recvMaxSize = value;
  }
  /** Most hops a routed message may have taken (1–15). */
  get maxTtl(): number {
    return this.core.maxTtl;
  }
  set maxTtl(value: number) {
    if (!Number.isInteger(value) || value < 1 || value > 15) {
      throw new WeftError("EINVAL", `option maxTtl: expected an integer 1..15, got ${value}`);
    }
    this.core.maxTtl = value;
  }
  /** send() timeout, ms (-1 = none). */
  get sendTimeout(): number {
    return this.core.sendTimeout;
  }
  set sendTimeout(value: number) {
    this.core.sendTimeout = value;
  }
  /** recv() timeout, ms (-1 = none). */
  get recvTimeout(): number {
    return this.core.receiveTimeout;
  }
  set recvTimeout(value: number) {
    this.core.receiveTimeout = value;
  }
  /** Messages queued per peer before send waits or drops. */
  get sendBuffer(): number {
    return this.core.sendHighWaterMark;
  }
  set sendBuffer(value: number) {
    this.core.sendHighWaterMark = Math.max(1, value);
  }
  /** Messages queued per peer before reading from it pauses. */
  get recvBuffer(): number {
    return this.core.receiveHighWaterMark;
  }
  set recvBuffer(value: number) {
    this.core.receiveHighWaterMark = Math.max(1, value);
  }
  /** First re-dial delay, ms. */
  get reconnectTime(): number {
    return this.core.reconnectInterval;
  }
  set reconnectTime(value: number) {
    this.core.reconnectInterval = value;
  }
  /** Cap of the re-dial back-off, ms (0 = none). */
  get reconnectMaxTime(): number {
    return this.core.reconnectMaxInterval;
  }
  set reconnectMaxTime(value: number) {
    this.core.reconnectMaxInterval = value;
  }
}

/**
 * An independent protocol state machine on a socket (nng's `nng_ctx`): its own request or
 * survey in flight, its own timeouts. Open many to have many requests in flight on one socket.
 */
export class Context implements AsyncDisposable {
  /**
   * The core context.
   * @ignore
   */
  protected readonly inner: CoreContext;

  /** Wraps a core context (sockets' `openContext()` make them). */
  constructor(inner: CoreContext) {
    this.inner = inner;
  }

  /** Sends on this context (a request, a reply, a survey or a response). */
  send(data: SpData): Promise<void> {
    return this.inner.send(toBytes(data));
  }

  /** Receives on this context; resolves with the body. */
  recv(): Promise<Uint8Array> {
    return this.inner.recv().then(body);
  }

  /** Receives with the pipe id the message came by. */
  recvMsg(): Promise<SpMessage> {
    return this.inner.recv();
  }

  /** send() timeout, ms (-1 = none); defaults to the socket's. */
  get sendTimeout(): number | undefined {
    return this.inner.sendTimeout;
  }
  set sendTimeout(value: number | undefined) {
    this.inner.sendTimeout = value;
  }
  /** recv() timeout, ms (-1 = none); defaults to the socket's. */
  get recvTimeout(): number | undefined {
    return this.inner.recvTimeout;
  }
  set recvTimeout(value: number | undefined) {
    this.inner.recvTimeout = value;
  }

  /** Closes the context: pending operations fail with ECLOSED. */
  close(): void {
    this.inner.close();
  }

  /** `await using ctx = req.openContext()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
