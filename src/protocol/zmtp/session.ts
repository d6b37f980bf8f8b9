/**
 * One ZMTP 3.1 connection as a pure state machine: bytes in (`feed`), events out (the sink),
 * no sockets and no timers of its own (callers pass the time in ms and call `tick`).
 *
 * Stages: greeting (64 octets each way; ours goes out whole on `start`) → mechanism handshake
 * (NULL: READY both ways, socket types checked) → traffic (messages, SUBSCRIBE/CANCEL,
 * PING/PONG). Frames go through the wasm codec (`src/codec/zmtp.ts`); over a WebSocket
 * (ZWS 2.0, option `zws`) there is no greeting and each frame is one message (`zws.ts`).
 * @module
 */

import type { Codec } from "../../codec/wasm.ts";
import { ZmtpFlag, ZmtpFrameDecoder, ZmtpFrameEncoder } from "../../codec/zmtp.ts";
import { describeFailure, statusErrorCode } from "../../codec/status.ts";
import { WeftError } from "../../core/errors.ts";
import type { WirePeer, WireSession, WireSessionError, WireSessionSink } from "../../core/wire.ts";
import {
  Command,
  errorCommand,
  parseCommand,
  parsePing,
  pingCommand,
  pongCommand,
  subscriptionCommand,
} from "./command.ts";
import { buildGreeting, checkGreeting, GREETING_SIZE } from "./greeting.ts";
import {
  type Mechanism,
  type MechanismHost,
  type MechanismStep,
  NullMechanism,
} from "./mechanism.ts";
import { isPropertyName, type Properties } from "./metadata.ts";
import { compatiblePeers, isCompatible, isSocketType, type SocketType } from "./socket_type.ts";
import { parseLibzmqPlainError } from "./plain.ts";
import { checkZapReply, type ZapReply, type ZapRequest } from "./zap.ts";
import { ZwsFraming, type ZwsFramingOptions } from "./zws.ts";

/** What the session learned about the peer when the handshake completed. */
export interface ZmtpPeer extends WirePeer {
  /** The peer's `Socket-Type` (empty if it sent none, which libzmq also tolerates). */
  readonly socketType: string;
  /** The peer's `Identity` property (empty if absent), passed on as sent. */
  readonly identity: Uint8Array;
  /** Every property of the peer's READY, keyed by lower-cased name. */
  readonly properties: Map<string, Uint8Array>;
  /** 0 for a ZMTP 3.0 peer, 1 for 3.1 (or newer). */
  readonly minor: number;
}

/** Error codes a session reports. */
export type ZmtpErrorCode = "EPROTO" | "EMSGSIZE" | "ETIMEDOUT" | "EACCES";

/**
 * Answers a mechanism's ZAP question (see {@link ZmtpSessionOptions.authenticate}). It may
 * answer at once or later; a throw or a rejection counts as status 500.
 */
export type ZmtpAuthenticator = (request: ZapRequest) => ZapReply | Promise<ZapReply>;

/** A fatal connection error: after it the session is silent and ignores input. */
export interface ZmtpSessionError extends WireSessionError {
  /** One of the codes a ZMTP session reports. */
  readonly code: ZmtpErrorCode;
}

/**
 * Where a session sends bytes and events: the wire contract's sink with ZMTP's peer and error.
 * Calls are synchronous, from inside session methods; `ready` comes once, then messages (frames
 * are views of the fed chunks: keep chunks unchanged) and, for PUB/XPUB, subscriptions in
 * either wire form; after `error` nothing more is emitted.
 */
export type ZmtpSessionSink = WireSessionSink<ZmtpPeer, ZmtpSessionError>;

/** Options of {@link ZmtpSession}. */
export interface ZmtpSessionOptions {
  /** Our socket type, sent as `Socket-Type` and checked against the peer's. */
  readonly socketType: SocketType;
  /** Whether we accepted the connection (the binder); NULL ignores it, PLAIN/CURVE will not. */
  readonly asServer: boolean;
  /** Sent as `Identity` by REQ, DEALER and ROUTER (0..255 octets; default empty). */
  readonly routingId?: Uint8Array;
  /** Largest incoming message frame in octets; -1 (default) for no limit. */
  readonly maxMessageSize?: number;
  /** Extra READY properties; names must start with `X-` (as libzmq's ZMQ_METADATA). */
  readonly properties?: Readonly<Record<string, Uint8Array | string>>;
  /** Send a PING every this many ms once ready; 0 (default) for none. */
  readonly heartbeatIntervalMs?: number;
  /** Close if nothing arrives this long after a PING; default = the interval; 0 for never. */
  readonly heartbeatTimeoutMs?: number;
  /** TTL advertised in our PINGs, in ms (sent in deciseconds, so < 100 means none). */
  readonly heartbeatTtlMs?: number;
  /** Longest handshake (greeting to both READYs) in ms; default 30000; 0 for no limit. */
  readonly handshakeIntervalMs?: number;
  /** The codec instance for framing (default: the shared one). */
  readonly codec?: Codec;
  /** The security mechanism (default: a new {@link NullMechanism}). */
  readonly mechanism?: Mechanism;
  /**
   * Who answers the mechanism's `authenticate` steps. The handshake is held (input buffered,
   * not fed to the mechanism) until the answer comes; the handshake limit still applies, and
   * an answer after the session failed is ignored. Without one every request gets 200.
   */
  readonly authenticate?: ZmtpAuthenticator;
  /**
   * ZMTP over WebSocket (ZWS 2.0): no greeting, one frame per message (fed and written whole),
   * subscriptions as `0x01|topic` messages, heartbeats as WebSocket pings (`ping`; without it,
   * none). The mode follows the negotiated subprotocol (see `zws.ts`).
   */
  readonly zws?: ZwsFramingOptions;
}

/** The longest `Identity` a peer may announce (RFC 23: a routing id is 0..255 octets). */
const MAX_IDENTITY = 255;

/** Commands whose frames are larger than this still pass a small `maxMessageSize` limit. */
const COMMAND_ALLOWANCE = 8192;

/** Octets a peer may send while its authentication is pending (a real peer sends ~nothing). */
const MAX_HELD_OCTETS = 65536;

/** A held frame costs its body plus this (so empty frames cannot be sent without limit). */
const HELD_FRAME_COST = 16;

type AuthenticateStep = Extract<MechanismStep, { kind: "authenticate" }>;
type PendingStep = Extract<MechanismStep, { kind: "pending" }>;

const Phase = { GREETING: 0, HANDSHAKE: 1, TRAFFIC: 2, CLOSED: 3 } as const;
type Phase = typeof Phase[keyof typeof Phase];

type Pending =
  | { readonly frames: readonly Uint8Array[] }
  | { readonly topic: Uint8Array; readonly subscribe: boolean };

/** Where frames are staged and written: the wasm encoder, or ZWS's one message per frame. */
interface FrameOut {
  add(body: Uint8Array, flags: number): void;
  flush(write: (bytes: Uint8Array) => void): unknown;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

/**
 * A ZMTP 3.1 session over the NULL mechanism (or another {@link Mechanism}).
 *
 * Output written on its own (greeting, READY, ERROR, PONG, PING) goes to `sink.write` at the
 * end of the `start`/`feed`/`tick` call that produced it, together with any queued messages.
 * Messages from `send` wait for `flush`, so a caller can batch a burst into one write.
 *
 * @example
 * ```ts
 * import { ZmtpSession } from "./session.ts";
 * import assert from "node:assert/strict";
 * const got: string[] = [];
 * const mk = (type: "DEALER" | "ROUTER", other: () => ZmtpSession) => new ZmtpSession(
 *   { socketType: type, asServer: type === "ROUTER" },
 *   {
 *     write: (b) => other().feed(b, 0),
 *     ready: (p) => got.push(`${type} sees ${p.socketType}`),
 *     message: (f) => got.push(`${type} got ${new TextDecoder().decode(f[0])}`),
 *     subscription: () => {},
 *     error: (e) => got.push(e.reason),
 *   },
 * );
 * const a: ZmtpSession = mk("DEALER", () => b);
 * const b: ZmtpSession = mk("ROUTER", () => a);
 * a.start(0);
 * b.start(0);
 * a.send([new TextEncoder().encode("hi")]);
 * a.flush();
 * assert.deepEqual(got, ["ROUTER sees DEALER", "DEALER sees ROUTER", "ROUTER got hi"]);
 * ```
 */
export class ZmtpSession implements WireSession {
  readonly #sink: ZmtpSessionSink;
  readonly #type: SocketType;
  readonly #pubLike: boolean;
  readonly #maxMessageSize: number;
  readonly #heartbeatIvl: number;
  readonly #heartbeatTimeout: number;
  readonly #heartbeatTtlDs: number;
  readonly #handshakeIvl: number;
  readonly #mechanism: Mechanism;
  readonly #authenticate: ZmtpAuthenticator | undefined;
  readonly #host: MechanismHost;
  readonly #decoder: ZmtpFrameDecoder | undefined;
  readonly #encoder: FrameOut;
  readonly #zws: ZwsFraming | undefined;
  readonly #greeting = new Uint8Array(GREETING_SIZE);
  #greetingLength = 0;
  #phase: Phase = Phase.GREETING;
  #started = false;
  #feeding = false;
  #inbox: Uint8Array[] = [];
  #owed = false;
  #peerMinor = 1;
  #pending: Pending[] = [];
  #parts: Uint8Array[] = [];
  #now = 0;
  #handshakeDeadline = Infinity;
  #nextPing = Infinity;
  #pingTimeout = Infinity;
  #ttlDeadline = Infinity;
  /** The authenticate or pending step being waited for (frames are held meanwhile). */
  #waiting: AuthenticateStep | PendingStep | undefined;
  #held: Array<readonly [flags: number, body: Uint8Array]> = [];
  #heldOctets = 0;
  /** The accepted ZAP reply: its user id and metadata join the peer's properties. */
  #zapReply: ZapReply | undefined;

  /** Checks the options (throws `EINVAL` on a bad one); sends nothing until {@link start}. */
  constructor(options: ZmtpSessionOptions, sink: ZmtpSessionSink) {
    if (!isSocketType(options.socketType)) {
      throw new WeftError("EINVAL", `expected a ZMTP socket type, got "${options.socketType}"`);
    }
    this.#sink = sink;
    this.#type = options.socketType;
    this.#pubLike = this.#type === "PUB" || this.#type === "XPUB";
    this.#maxMessageSize = intOption("maxMessageSize", options.maxMessageSize ?? -1, -1);
    this.#heartbeatIvl = intOption("heartbeatIntervalMs", options.heartbeatIntervalMs ?? 0, 0);
    this.#heartbeatTimeout = intOption(
      "heartbeatTimeoutMs",
      options.heartbeatTimeoutMs ?? this.#heartbeatIvl,
      0,
    );
    this.#heartbeatTtlDs = Math.min(
      0xffff,
      Math.floor(intOption("heartbeatTtlMs", options.heartbeatTtlMs ?? 0, 0) / 100),
    );
    this.#handshakeIvl = intOption("handshakeIntervalMs", options.handshakeIntervalMs ?? 30000, 0);
    this.#mechanism = options.mechanism ?? new NullMechanism();
    this.#authenticate = options.authenticate;
    const metadata = buildMetadata(this.#type, options.routingId, options.properties);
    const type = this.#type;
    this.#host = {
      sendCommand: (body) => {
        this.#encoder.add(body, ZmtpFlag.COMMAND);
        this.#owed = true;
      },
      metadata,
      validate: (props) => {
        const identity = props.get("identity");
        if (identity !== undefined && identity.length > MAX_IDENTITY) {
          return `Invalid Identity: at most ${MAX_IDENTITY} octets (RFC 23), got ${identity.length}`;
        }
        const theirs = props.get("socket-type");
        if (theirs === undefined) return null; // libzmq accepts a READY without Socket-Type
        const name = ascii(theirs);
        if (isCompatible(type, name)) return null;
        return `Invalid socket type: ${type} expects ${compatiblePeers(type).join(" or ")}, ` +
          `got ${JSON.stringify(name)}`;
      },
    };
    const codec = options.codec;
    const max = this.#maxMessageSize;
    const maxBody = max < 0 ? 0xffffffff : Math.min(0xffffffff, Math.max(max, COMMAND_ALLOWANCE));
    if (options.zws) {
      // The WebSocket keeps frame boundaries: no length framing (and no wasm codec) needed.
      this.#zws = this.#encoder = new ZwsFraming(options.zws);
    } else {
      this.#decoder = new ZmtpFrameDecoder(codec ? { maxBody, codec } : { maxBody });
      this.#encoder = new ZmtpFrameEncoder(codec ? { codec } : {});
    }
  }

  /** True once both READYs are through (and until an error). */
  get isReady(): boolean {
    return this.#phase === Phase.TRAFFIC;
  }

  /** True after a fatal error: the session ignores input and emits nothing. */
  get isClosed(): boolean {
    return this.#phase === Phase.CLOSED;
  }

  /** The peer's minor version (0 = ZMTP 3.0, 1 = 3.1), once its greeting arrived. */
  get peerMinor(): number {
    return this.#peerMinor;
  }

  /** Sends our whole 64-octet greeting and starts the handshake clock. Idempotent. */
  start(now: number): void {
    if (this.#started || this.#phase === Phase.CLOSED) return;
    this.#started = true;
    this.#now = now;
    if (this.#handshakeIvl > 0) this.#handshakeDeadline = now + this.#handshakeIvl;
    if (this.#zws) {
      // ZWS: the subprotocol named the mechanism; its handshake starts at once.
      this.#phase = Phase.HANDSHAKE;
      const step = this.#mechanism.start(this.#host);
      if (step) this.#step(step);
      this.#settle();
      return;
    }
    this.#sink.write(
      buildGreeting({ mechanism: this.#mechanism.name, asServer: this.#mechanism.asServer }),
    );
  }

  /** A sign of life without data (a WebSocket ping or pong): as any received bytes. */
  alive(now: number): void {
    if (this.#phase === Phase.CLOSED) return;
    this.#now = now;
    this.#pingTimeout = Infinity;
    this.#ttlDeadline = Infinity;
  }

  /**
   * Takes bytes from the peer (any bytes count as a sign of life). The chunk is kept by
   * reference (message frames are views of it), so the caller must not reuse its buffer.
   */
  feed(chunk: Uint8Array, now: number): void {
    if (this.#phase === Phase.CLOSED) return;
    if (this.#feeding) {
      // Re-entered from one of our own sink calls (e.g. a synchronous loopback): keep order.
      this.#inbox.push(chunk);
      return;
    }
    this.#guarded(() => {
      if (!this.#started) this.start(now);
      this.#now = now;
      this.#pingTimeout = Infinity;
      this.#ttlDeadline = Infinity;
      this.#consume(chunk);
    });
  }

  /** Runs `work` with re-entrant feeds queued behind it, then writes what is owed. */
  #guarded(work: () => void): void {
    this.#feeding = true;
    try {
      work();
      while (this.#inbox.length > 0 && !this.isClosed) this.#consume(this.#inbox.shift()!);
    } finally {
      this.#feeding = false;
      this.#inbox.length = 0;
    }
    this.#settle();
  }

  #consume(chunk: Uint8Array): void {
    if (this.#zws) {
      const bad = this.#zws.feed(chunk, this.#onFrame);
      if (bad !== null) this.#fail("EPROTO", bad);
      return;
    }
    let data = chunk;
    if (this.#phase === Phase.GREETING) {
      const take = Math.min(GREETING_SIZE - this.#greetingLength, data.length);
      this.#greeting.set(data.subarray(0, take), this.#greetingLength);
      this.#greetingLength += take;
      data = data.subarray(take);
      const r = checkGreeting(
        this.#greeting.subarray(0, this.#greetingLength),
        this.#mechanism.name,
      );
      if (r.ok === false) return this.#fail("EPROTO", r.reason);
      if (r.ok === "partial") return;
      this.#peerMinor = r.greeting.minor;
      this.#phase = Phase.HANDSHAKE;
      const step = this.#mechanism.start(this.#host);
      if (step) this.#step(step);
    }
    if (data.length === 0 || this.#phase === Phase.CLOSED) return;
    const status = this.#decoder!.feed(data, this.#onFrame);
    if (status < 0 && !this.isClosed) {
      const max = this.#maxMessageSize;
      this.#fail(
        statusErrorCode(status) as ZmtpErrorCode,
        `bad ZMTP frame: ${
          describeFailure(status, "frames", this.#decoder!.refusedLength, {
            option: "maxMessageSize",
            value: max >= 0 ? max : undefined,
          })
        }`,
      );
    }
  }

  /**
   * Queues a multipart message (MORE set on all but the last frame; sent atomically). Before
   * the handshake completes it waits. Returns false (and drops it) once the session failed.
   */
  send(frames: readonly Uint8Array[]): boolean {
    if (frames.length === 0) {
      throw new WeftError("EINVAL", "expected a message of at least one frame, got none");
    }
    if (this.#phase === Phase.CLOSED) return false;
    if (this.#phase !== Phase.TRAFFIC) this.#pending.push({ frames });
    else this.#encodeMessage(frames);
    return true;
  }

  /**
   * Queues a subscription (true) or cancellation (false) for a topic prefix: a SUBSCRIBE or
   * CANCEL command to a 3.1 peer, a `0x01|topic` / `0x00|topic` message to a 3.0 peer.
   */
  sendSubscription(topic: Uint8Array, subscribe: boolean): boolean {
    if (this.#phase === Phase.CLOSED) return false;
    if (this.#phase !== Phase.TRAFFIC) this.#pending.push({ topic, subscribe });
    else this.#encodeSubscription(topic, subscribe);
    return true;
  }

  /** Writes everything queued to `sink.write`, in as few writes as the encoder allows. */
  flush(): void {
    if (this.#phase === Phase.CLOSED) return;
    this.#owed = false;
    this.#encoder.flush(this.#write);
  }

  /**
   * Advances the clock: fails a handshake past its interval, sends a PING when due, fails when
   * nothing arrived within the heartbeat timeout after our PING or within the TTL of the
   * peer's PING. Returns when `tick` should next be called (ms), or Infinity.
   */
  tick(now: number): number {
    if (this.#phase === Phase.CLOSED || !this.#started) return Infinity;
    this.#now = now;
    if (this.#phase !== Phase.TRAFFIC) {
      if (now >= this.#handshakeDeadline) {
        this.#fail("ETIMEDOUT", `handshake not complete within ${this.#handshakeIvl} ms`);
        return Infinity;
      }
      return this.#handshakeDeadline;
    }
    if (now >= this.#pingTimeout) {
      this.#fail(
        "ETIMEDOUT",
        `no traffic within ${this.#heartbeatTimeout} ms (heartbeatTimeoutMs) after our PING`,
      );
      return Infinity;
    }
    if (now >= this.#ttlDeadline) {
      this.#fail("ETIMEDOUT", "no traffic within the TTL of the peer's PING");
      return Infinity;
    }
    if (now >= this.#nextPing) {
      if (this.#zws) this.#zws.ping!(); // ZWS: the WebSocket's ping (libzmq's mapping)
      else this.#encodeCommand(pingCommand(this.#heartbeatTtlDs));
      this.#nextPing = now + this.#heartbeatIvl;
      if (this.#heartbeatTimeout > 0 && this.#pingTimeout === Infinity) {
        this.#pingTimeout = now + this.#heartbeatTimeout;
      }
      this.#settle();
    }
    return Math.min(this.#nextPing, this.#pingTimeout, this.#ttlDeadline);
  }

  readonly #write = (bytes: Uint8Array): void => {
    this.#sink.write(bytes);
  };

  readonly #onFrame = (flags: number, body: Uint8Array): void => {
    if (this.#phase === Phase.CLOSED) return;
    if (this.#waiting === undefined && this.#held.length === 0) return this.#dispatch(flags, body);
    // Authentication or a mechanism step pending: hold the frame (the mechanism must not see it).
    this.#heldOctets += body.length + HELD_FRAME_COST;
    if (this.#heldOctets > MAX_HELD_OCTETS) {
      const what = this.#waiting?.kind === "pending" ? "our handshake step" : "its authentication";
      return this.#fail(
        "EPROTO",
        `the peer sent more than ${MAX_HELD_OCTETS} octets while ${what} was pending`,
      );
    }
    this.#held.push([flags, body]);
  };

  #dispatch(flags: number, body: Uint8Array): void {
    let f = flags;
    let b = body;
    const transform = this.#mechanism.transform;
    if (transform !== undefined && this.#phase === Phase.TRAFFIC) {
      const plain = transform.decode({ flags: f, body: b });
      if (typeof plain === "string") return this.#fail("EPROTO", plain);
      f = plain.flags;
      b = plain.body;
    }
    if ((f & ZmtpFlag.COMMAND) !== 0) {
      if (this.#phase === Phase.TRAFFIC) this.#trafficCommand(b);
      else this.#handshakeCommand(b);
      return;
    }
    if (this.#phase !== Phase.TRAFFIC) {
      return this.#fail(
        "EPROTO",
        "expected a command during the handshake, got a message frame (message before READY)",
      );
    }
    if (this.#maxMessageSize >= 0 && b.length > this.#maxMessageSize) {
      return this.#fail(
        "EMSGSIZE",
        `expected message frames of at most ${this.#maxMessageSize} octets (maxMessageSize), ` +
          `got ${b.length}`,
      );
    }
    if ((f & ZmtpFlag.MORE) === 0 && this.#parts.length === 0) {
      // A one-frame message: a literal, not an empty array grown by a push (a second, larger
      // allocation per message, which showed in the receiver's GC time).
      return this.#deliver([b]);
    }
    this.#parts.push(b);
    if ((f & ZmtpFlag.MORE) !== 0) return;
    const frames = this.#parts;
    this.#parts = [];
    this.#deliver(frames);
  }

  #deliver(frames: Uint8Array[]): void {
    const first = frames[0]!;
    if (this.#pubLike && frames.length === 1 && first.length > 0 && first[0]! <= 1) {
      this.#sink.subscription(first.subarray(1), first[0] === 1); // ZMTP 3.0 form
      return;
    }
    this.#sink.message(frames);
  }

  #handshakeCommand(body: Uint8Array): void {
    const cmd = parseCommand(body) ??
      (this.#mechanism.name === "PLAIN" ? parseLibzmqPlainError(body) : null);
    if (cmd === null) return this.#fail("EPROTO", "malformed command during the handshake");
    this.#step(this.#mechanism.handshakeCommand(cmd.name, cmd.data, this.#host));
  }

  /** Acts on what the mechanism said: wait, ask the authenticator, fail, or go to traffic. */
  #step(step: MechanismStep): void {
    if (step.kind === "authenticate") {
      // No authenticator: accept, as libzmq does when no ZAP handler is bound.
      if (this.#authenticate === undefined) return this.#step(step.resume({ status: 200 }));
      return this.#ask(step, this.#authenticate);
    }
    if (step.kind === "pending") return this.#await(step);
    if (step.kind === "continue") return;
    if (step.kind === "error") {
      if (step.reply !== undefined) {
        this.#encoder.add(errorCommand(step.reply), ZmtpFlag.COMMAND);
        this.flush();
      }
      return this.#fail(step.code ?? "EPROTO", step.reason);
    }
    const props = this.#withZap(step.properties);
    this.#phase = Phase.TRAFFIC;
    this.#handshakeDeadline = Infinity;
    if (this.#heartbeatIvl > 0 && (this.#zws === undefined || this.#zws.ping !== undefined)) {
      this.#nextPing = this.#now + this.#heartbeatIvl;
    }
    const pending = this.#pending;
    this.#pending = [];
    for (const item of pending) {
      if ("frames" in item) this.#encodeMessage(item.frames);
      else this.#encodeSubscription(item.topic, item.subscribe);
    }
    if (pending.length > 0) this.#owed = true;
    const type = props.get("socket-type");
    this.#sink.ready({
      socketType: type === undefined ? "" : ascii(type),
      identity: props.get("identity") ?? EMPTY,
      properties: props,
      minor: this.#peerMinor,
    });
  }

  /** Holds the handshake until `authenticate` answers (a throw or rejection answers 500). */
  #ask(step: AuthenticateStep, authenticate: ZmtpAuthenticator): void {
    this.#waiting = step;
    const answer = (reply: ZapReply) => this.#answered(step, reply);
    const failed = (error: unknown) =>
      answer({ status: 500, statusText: `the authenticator failed: ${describe(error)}` });
    let result: ZapReply | Promise<ZapReply>;
    try {
      result = authenticate(step.request);
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then((value) => {
      const reply = checkZapReply(value);
      answer(
        typeof reply === "string"
          ? { status: 500, statusText: `the authenticator answered wrongly: ${reply}` }
          : reply,
      );
    }, failed);
  }

  #answered(step: AuthenticateStep, reply: ZapReply): void {
    this.#resume(step, () => {
      if (reply.status === 200) this.#zapReply = reply;
      return step.resume(reply);
    });
  }

  /** Holds the handshake until the mechanism's own asynchronous work is done. */
  #await(step: PendingStep): void {
    this.#waiting = step;
    step.next.then(
      (next) => this.#resume(step, next),
      (error) =>
        this.#resume(step, () => ({
          kind: "error",
          reason: `${this.#mechanism.name}: a handshake step failed: ${describe(error)}`,
        })),
    );
  }

  /** Goes on from the step waited for, then feeds the frames held meanwhile. */
  #resume(step: AuthenticateStep | PendingStep, next: () => MechanismStep): void {
    // Too late (the handshake timed out, or the peer was dropped): nobody is waiting.
    if (this.#phase === Phase.CLOSED || this.#waiting !== step) return;
    this.#guarded(() => {
      this.#waiting = undefined;
      let result: MechanismStep;
      try {
        result = next();
      } catch (error) {
        result = { kind: "error", reason: `${this.#mechanism.name}: ${describe(error)}` };
      }
      this.#step(result);
      while (this.#waiting === undefined && this.#held.length > 0 && !this.isClosed) {
        const [flags, body] = this.#held.shift()!;
        this.#dispatch(flags, body);
      }
      if (this.#held.length === 0) this.#heldOctets = 0;
    });
  }

  /** The peer's properties with the ZAP reply's metadata and `User-Id` over them (libzmq). */
  #withZap(props: Map<string, Uint8Array>): Map<string, Uint8Array> {
    const zap = this.#zapReply;
    if (zap === undefined) return props;
    const merged = new Map(props);
    for (const [name, value] of zap.metadata ?? []) merged.set(name.toLowerCase(), value);
    merged.set("user-id", utf8.encode(zap.userId ?? ""));
    return merged;
  }

  #trafficCommand(body: Uint8Array): void {
    const cmd = parseCommand(body);
    if (cmd === null) return; // libzmq drops malformed commands after the handshake
    switch (cmd.name) {
      case Command.PING: {
        const ping = parsePing(cmd.data);
        if (ping.ttlDeciseconds > 0 && this.#ttlDeadline === Infinity) {
          this.#ttlDeadline = this.#now + ping.ttlDeciseconds * 100;
        }
        this.#encodeCommand(pongCommand(ping.context));
        return;
      }
      case Command.SUBSCRIBE:
      case Command.CANCEL:
        // libzmq hands these to every socket type; only (X)PUB gives them meaning.
        if (this.#pubLike) this.#sink.subscription(cmd.data, cmd.name === Command.SUBSCRIBE);
        return;
      default:
        return; // PONG, and unknown commands: libzmq ignores them
    }
  }

  #encodeMessage(frames: readonly Uint8Array[]): void {
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      this.#encodeFrame(frames[i]!, i < last ? ZmtpFlag.MORE : 0);
    }
  }

  #encodeSubscription(topic: Uint8Array, subscribe: boolean): void {
    if (this.#peerMinor >= 1 && this.#zws === undefined) {
      this.#encodeFrame(subscriptionCommand(topic, subscribe), ZmtpFlag.COMMAND);
      return;
    }
    const body = new Uint8Array(1 + topic.length);
    body[0] = subscribe ? 1 : 0;
    body.set(topic, 1);
    this.#encodeFrame(body, 0);
  }

  #encodeCommand(body: Uint8Array): void {
    this.#encodeFrame(body, ZmtpFlag.COMMAND);
    this.#owed = true;
  }

  #encodeFrame(body: Uint8Array, flags: number): void {
    const transform = this.#mechanism.transform;
    if (transform === undefined) return this.#encoder.add(body, flags);
    const wire = transform.encode({ flags, body });
    this.#encoder.add(wire.body, wire.flags);
  }

  /** Writes protocol output owed by the current call. */
  #settle(): void {
    if (this.#owed && this.#phase !== Phase.CLOSED) this.flush();
  }

  #fail(code: ZmtpErrorCode, reason: string): void {
    if (this.#phase === Phase.CLOSED) return;
    const phase = this.#phase === Phase.TRAFFIC ? "traffic" : "handshake";
    this.#phase = Phase.CLOSED;
    this.#pending = [];
    this.#parts = [];
    this.#held = [];
    this.#waiting = undefined;
    this.#handshakeDeadline =
      this.#nextPing =
      this.#pingTimeout =
      this.#ttlDeadline =
        Infinity;
    this.#sink.error({ code, reason, phase });
  }
}

function intOption(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new WeftError("EINVAL", `expected ${name} to be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ascii(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Socket-Type, Identity (REQ/DEALER/ROUTER only, as libzmq), then the X- properties. */
function buildMetadata(
  type: SocketType,
  routingId: Uint8Array | undefined,
  extra: Readonly<Record<string, Uint8Array | string>> | undefined,
): Properties {
  const props: Array<readonly [string, Uint8Array]> = [["Socket-Type", utf8.encode(type)]];
  if (routingId !== undefined && routingId.length > MAX_IDENTITY) {
    throw new WeftError("EINVAL", `expected a routingId of 0..255 octets, got ${routingId.length}`);
  }
  if (type === "REQ" || type === "DEALER" || type === "ROUTER") {
    props.push(["Identity", routingId ?? EMPTY]);
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (!isPropertyName(name) || !/^x-/i.test(name)) {
      throw new WeftError(
        "EINVAL",
        `expected an application property name "X-…" of characters A-Z a-z 0-9 - _ . +, ` +
          `got "${name}"`,
      );
    }
    props.push([name, typeof value === "string" ? utf8.encode(value) : value]);
  }
  return props;
}
