/**
 * The SP socket core: the shared {@link SocketBase} (endpoints, reconnect, pipes, queues) with
 * SP sessions on its connections, nng's dial semantics, ws subprotocol rules, and the message
 * shape every SP pattern uses (`[header, body]`).
 * @module
 */

import { SocketBase } from "../../core/socket.ts";
import type { SocketOptions } from "../../core/options.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import type { SocketEvent } from "../../core/events.ts";
import { ErrorCode, WeftError } from "../../core/errors.ts";
import type { WireLink, WireSession, WireSessionSink } from "../../core/wire.ts";
import type { DialOptions, ListenOptions } from "../../transport/types.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import { wsSubprotocol } from "../../protocol/sp/ids.ts";
import { SpSession } from "../../protocol/sp/session.ts";
import { concat } from "../../protocol/sp/backtrace.ts";

/** An SP message: the protocol header (backtrace, hop count…; empty for most) and the body. */
export interface SpMessage {
  /** The SP header (raw sockets read and write it; cooked sockets never see it). */
  header: Uint8Array;
  /** The user's data. */
  body: Uint8Array;
  /** The id of the pipe it came from (received messages only). */
  pipe?: number;
}

/** What the core needs beyond the shared socket options. */
export interface SpCoreOptions extends SocketOptions {
  /** Raw mode (headers exposed, for devices). */
  raw?: boolean;
  /** Largest message accepted, bytes; 0 = unlimited. */
  recvMaxSize?: number;
  /** Most hops a routed message may have taken. */
  maxTtl?: number;
}

/** The empty header. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Options of {@link SpCore.dial}. */
export interface DialFlags {
  /** Return at once and keep dialing in the background (nng's `NNG_FLAG_NONBLOCK`). */
  nonBlocking?: boolean;
}

interface DialWait {
  resolve: () => void;
  reject: (error: Error) => void;
}

const CODES = new Set<string>(Object.values(ErrorCode));

/** The base of every SP protocol's socket core (see the module doc). */
export abstract class SpCore extends SocketBase {
  /** The protocol this socket speaks. */
  readonly protocol: SpProtocol;
  /** Raw mode: headers are the user's to read and write. */
  readonly raw: boolean;
  /** Largest message accepted, bytes (0 = unlimited); applies to later connections. */
  recvMaxSize: number;
  /** Most hops a routed message may have taken (1–15, as nng caps it). */
  maxTtl: number;
  #dialWaits = new Map<string, DialWait>();

  /** Subclasses pass their protocol and the resolved options (with transports). */
  protected constructor(protocol: SpProtocol, options: SpCoreOptions) {
    // Every connection is its own pipe, as in nng: no pipe outlives its connection, so a
    // dropped peer is detached at once (REQ resends, PAIR frees its slot).
    super(protocol.name, { ...options, immediate: true });
    this.protocol = protocol;
    this.raw = options.raw ?? false;
    this.recvMaxSize = checkSize(options.recvMaxSize ?? 1 << 20);
    this.maxTtl = checkTtl(options.maxTtl ?? 8);
  }

  /** An SP session for a new connection (screened by {@link SpCore.refuseArrival}). */
  createSession(_asServer: boolean, sink: WireSessionSink, link: WireLink): WireSession {
    return new SpSession({
      selfId: this.protocol.id,
      peerId: this.protocol.peer,
      framing: link.framing,
      ipc: /^(ipc|unix|abstract):/.test(link.endpoint),
      recvMaxSize: this.recvMaxSize,
    }, this.screensArrivals ? screen(sink, (payload) => this.refuseArrival(payload)) : sink);
  }

  /** Whether {@link SpCore.refuseArrival} looks at each message (patterns that do set it). */
  protected get screensArrivals(): boolean {
    return false;
  }

  /**
   * Looks at a message's payload as it arrives, before it is queued: a reason closes that
   * connection (EPROTO, a `disconnect` event naming it), as nng does with garbage headers,
   * whether or not anyone is receiving. Called only when {@link SpCore.screensArrivals}.
   */
  protected refuseArrival(_payload: Uint8Array): string | undefined {
    return undefined;
  }

  /** A ws dialer offers `<peer>.sp.nanomsg.org`; a text message closes it (1003, as nng). */
  protected override dialOptions(): DialOptions {
    return { protocols: [wsSubprotocol(this.protocol.peerName)], textMessages: "refuse" };
  }

  /** A ws listener accepts only `<self>.sp.nanomsg.org`; text messages close with 1003. */
  protected override listenOptions(): ListenOptions {
    const own = wsSubprotocol(this.protocol.name);
    return {
      selectProtocol: (offered) => offered.includes(own) ? own : undefined,
      textMessages: "refuse",
      ...(this.recvMaxSize > 0 ? { maxMessageSize: this.recvMaxSize } : {}),
    };
  }

  /**
   * Dials `url`. Resolves once the first connection completed its SP handshake; the first
   * failure rejects and stops the dialer (as nng's synchronous dial). With `nonBlocking` it
   * resolves at once and keeps retrying with back-off. Either way a dropped connection is
   * re-dialed until `close`.
   */
  dial(url: string, flags: DialFlags = {}): Promise<void> {
    try {
      this.connect(url);
    } catch (error) {
      return Promise.reject(error);
    }
    if (flags.nonBlocking) return Promise.resolve();
    return new Promise((resolve, reject) => this.#dialWaits.set(url, { resolve, reject }));
  }

  /** @internal Watches the dialer's first attempt for {@link SpCore.dial}. */
  override emit(event: SocketEvent): void {
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

  /** Sends one SP message (cooked: body only; raw: the header too). */
  sendMessage(message: SpMessage): Promise<void> {
    return this.send([message.header, message.body]);
  }

  /** Receives one SP message. */
  receiveMessage(): Promise<SpMessage> {
    return this.receive().then(toSpMessage);
  }

  /**
   * Receives every message that is ready (at least one) as `recv()` would return them: bodies
   * (raw sockets: header and body together). The batch path `for await` uses.
   */
  receiveBodies(): Promise<Uint8Array[]> {
    return this.receiveBatch().then(this.#bodies);
  }

  readonly #bodies = (got: Message[]): Uint8Array[] => {
    const out = new Array<Uint8Array>(got.length);
    for (let i = 0; i < got.length; i++) {
      const header = got[i]![0]!;
      const body = got[i]![1]!;
      out[i] = this.raw && header.length > 0 ? concat(header, body) : body;
    }
    return out;
  };

  /** Splits what a raw socket's `send(bytes)` got into header and body (protocol rules). */
  splitRaw(data: Uint8Array): SpMessage {
    return { header: EMPTY, body: data };
  }

  override close(): void {
    if (this.isClosed) return;
    super.close();
    for (const [url, wait] of this.#dialWaits) {
      wait.reject(new WeftError("ECLOSED", `dial ${url}: the socket was closed`));
    }
    this.#dialWaits.clear();
  }
}

/** The message a pattern hands up: `[header, body]` frames plus the pipe id. */
export function toSpMessage(frames: Message): SpMessage {
  const m = frames as Message & { pipe?: number };
  const out: SpMessage = { header: frames[0] ?? EMPTY, body: frames[1] ?? EMPTY };
  if (m.pipe !== undefined) out.pipe = m.pipe;
  return out;
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

/** A one-message batch for {@link SpCore.receiveBodies} (contexts deliver one at a time). */
export function bodyList(message: SpMessage): Uint8Array[] {
  return [message.body];
}

/** Frames for the user from a header, body and source pipe. */
export function fromPipe(header: Uint8Array, body: Uint8Array, pipe: Pipe): Message {
  const m = [header, body] as Message & { pipe?: number };
  m.pipe = pipe.id;
  return m;
}

/** Checks `recvMaxSize`. */
export function checkSize(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WeftError(
      "EINVAL",
      `option recvMaxSize: expected an integer 0..2^32-1, got ${value}`,
    );
  }
  return value;
}

/** Checks `maxTtl` (nng accepts 1–15). */
export function checkTtl(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 15) {
    throw new WeftError("EINVAL", `option maxTtl: expected an integer 1..15, got ${value}`);
  }
  return value;
}
