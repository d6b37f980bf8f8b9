/**
 * The server side of one pomelo/nano connection as a pure state machine: bytes in
 * ({@link PomeloServerSession.feed}), time in ({@link PomeloServerSession.tick}), events out
 * (bytes to write, decoded messages, readiness, close with a reason). No sockets, no timers.
 *
 * States: `start` → (client HANDSHAKE, answered 200) → `handshake` → (HANDSHAKE_ACK) →
 * `working` → `closed`. Heartbeats are driven by the server: one on HANDSHAKE_ACK, then one
 * per interval from `tick`, and one in answer to each client heartbeat (as pomelo's server
 * does: it keeps stock clients beating once per interval); any packet from the client counts as
 * life, and silence for the heartbeat timeout (twice the interval by default) closes the
 * session.
 * @module
 */

import {
  PacketType,
  PomeloDecoder,
  type PomeloMessage,
  type PomeloSink,
  type RouteDictionary,
} from "../../codec/pomelo.ts";
import { encodePacket } from "../../codec/pomelo_encoder.ts";
import { PomeloLimits } from "../../codec/pomelo_types.ts";
import { describeFailure, statusErrorCode } from "../../codec/status.ts";
import { type ErrorCode, WeftError } from "../../core/errors.ts";
import {
  type ClientHandshake,
  HandshakeCode,
  handshakeFail,
  handshakeOk,
  kickBody,
  parseClientHandshake,
} from "./handshake.ts";

/**
 * Session states.
 *
 * @example
 * ```ts
 * import { PomeloServerSession, SessionState } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const s = new PomeloServerSession({ write() {}, message() {}, ready() {}, close() {} }, { now: 0 });
 * assert.equal(s.state, SessionState.START);
 * const hs = new TextEncoder().encode('{"sys":{"type":"t","version":"1"}}');
 * s.feed(new Uint8Array([1, 0, 0, hs.length, ...hs]), 0); // HANDSHAKE
 * assert.equal(s.state, SessionState.HANDSHAKE);
 * s.feed(new Uint8Array([2, 0, 0, 0]), 1); // HANDSHAKE_ACK
 * assert.equal(s.state, SessionState.WORKING);
 * ```
 */
export const SessionState = {
  /** Waiting for the client's HANDSHAKE. */
  START: "start",
  /** Handshake answered; waiting for HANDSHAKE_ACK. */
  HANDSHAKE: "handshake",
  /** Exchanging DATA. */
  WORKING: "working",
  /** Done; every later input is ignored. */
  CLOSED: "closed",
} as const;

/** One of the {@link SessionState} values. */
export type SessionState = typeof SessionState[keyof typeof SessionState];

/**
 * What a session reports. `write` gets bytes the transport must send, in order; `close` is
 * called once, after any last bytes (a handshake refusal, a KICK) were written: the owner then
 * closes the stream with a linger so those bytes arrive.
 *
 * @example
 * ```ts
 * import type { PomeloSessionEvents } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const written: Uint8Array[] = [];
 * const events: PomeloSessionEvents = {
 *   write: (b) => written.push(b),
 *   message: () => {},
 *   close: () => {},
 * };
 * events.write(new Uint8Array([3, 0, 0, 0]));
 * assert.equal(written.length, 1);
 * ```
 */
export interface PomeloSessionEvents {
  /** Bytes to send (owned by the receiver). */
  write(bytes: Uint8Array): void;
  /** A DATA message received in the `working` state (body is a view; see PomeloMessage). */
  message(message: PomeloMessage): void;
  /** The client acknowledged the handshake: the session is `working`. */
  ready?(handshake: ClientHandshake): void;
  /** The session closed: `reason` in words, `code` set when it was an error. */
  close(reason: string, code?: ErrorCode): void;
}

/**
 * Options of {@link PomeloServerSession}.
 *
 * @example
 * ```ts
 * import { PomeloServerSession } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * let reason = "";
 * const s = new PomeloServerSession(
 *   { write() {}, message() {}, ready() {}, close: (r) => (reason = r) },
 *   { now: 0, handshakeTimeout: 1000, heartbeatInterval: 10_000 },
 * );
 * s.tick(999);
 * assert.equal(s.state, "start");
 * s.tick(1000); // no handshake within handshakeTimeout
 * assert.equal(s.state, "closed");
 * assert.ok(reason.length > 0);
 * ```
 */
export interface PomeloSessionOptions {
  /**
   * The time the connection was accepted, in ms (the clock `tick` and `feed` use); the
   * constructor's `now` argument, when given, wins (so one options object can serve many).
   */
  readonly now: number;
  /** Heartbeat interval in ms (default 30 000; 0 turns heartbeats and the timeout off). */
  readonly heartbeatInterval?: number;
  /** Silence that closes a working session, in ms (default twice the interval). */
  readonly heartbeatTimeout?: number;
  /** Time allowed from accept to HANDSHAKE_ACK, in ms (default 15 000; 0 = none). */
  readonly handshakeTimeout?: number;
  /** Largest packet body accepted (default 64 KiB as nano; at most 2^24 − 1). */
  readonly maxBody?: number;
  /** Route dictionary: sent in the handshake (`sys.dict`) and used to expand route codes. */
  readonly dictionary?: RouteDictionary;
  /** `sys.serializer` in the handshake answer (default "json"). */
  readonly serializer?: string;
  /** Unix time in ms for `sys.servertime` (default: `now`). */
  readonly wallClock?: () => number;
  /** Returns false to refuse a client by its `sys.type` and `sys.version` (answer 501). */
  readonly checkClient?: (type: unknown, version: unknown) => boolean;
  /**
   * Called with a well-formed handshake: return data for the answer's `user` field, or throw
   * to refuse it (answer 500; the error message becomes the close reason).
   */
  readonly onHandshake?: (handshake: ClientHandshake) => unknown;
}

const HEARTBEAT = encodePacket(PacketType.HEARTBEAT, new Uint8Array(0));
const KIND_NAMES = ["", "HANDSHAKE", "HANDSHAKE_ACK", "HEARTBEAT", "DATA", "KICK"];

/**
 * One pomelo/nano server connection. Bad input never throws: it ends the session with a
 * reason (`close` event) and every later call is ignored.
 *
 * @example
 * ```ts
 * import { PomeloServerSession } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const out: number[] = [];
 * let ready = false;
 * const s = new PomeloServerSession(
 *   { write: (b) => out.push(b[0]!), message: () => {}, ready: () => (ready = true), close: () => {} },
 *   { now: 0, heartbeatInterval: 1000 },
 * );
 * const hs = new TextEncoder().encode('{"sys":{"type":"t","version":"1"}}');
 * s.feed(new Uint8Array([1, 0, 0, hs.length, ...hs]), 0);
 * s.feed(new Uint8Array([2, 0, 0, 0]), 1);
 * assert.equal(s.state, "working");
 * assert.ok(ready);
 * assert.deepEqual(out, [1, 3]); // handshake answer, first heartbeat
 * s.tick(1001);
 * assert.deepEqual(out, [1, 3, 3]);
 * s.tick(3002); // silent for more than 2 intervals
 * assert.equal(s.state, "closed");
 * ```
 */
export class PomeloServerSession {
  #events: PomeloSessionEvents;
  #decoder: PomeloDecoder;
  #state: SessionState = SessionState.START;
  #interval: number;
  #timeout: number;
  #handshakeTimeout: number;
  #created: number;
  #lastReceived: number;
  #lastHeartbeat = 0;
  #options: PomeloSessionOptions;
  #handshake: ClientHandshake | undefined;
  #closeReason: string | undefined;
  #now = 0;

  /** The decoder's sink: one small object per session rather than two closures. */
  static #Sink = class implements PomeloSink {
    readonly s: PomeloServerSession;
    constructor(s: PomeloServerSession) {
      this.s = s;
    }
    packet(type: PacketType, body: Uint8Array): void {
      this.s.#packet(type, body);
    }
    message(m: PomeloMessage): void {
      this.s.#message(m);
    }
  };
  #sink: PomeloSink;

  /**
   * Throws `WeftError("EINVAL")` for bad options (a bad `maxBody`, negative intervals).
   * `options` is kept, not copied: a server may share one object among its sessions and pass
   * each one's accept time as `now`.
   */
  constructor(
    events: PomeloSessionEvents,
    options: PomeloSessionOptions,
    now: number = options.now,
  ) {
    const interval = options.heartbeatInterval ?? 30_000;
    const timeout = options.heartbeatTimeout ?? 2 * interval;
    const handshakeTimeout = options.handshakeTimeout ?? 15_000;
    for (
      const [name, v] of [["heartbeatInterval", interval], ["heartbeatTimeout", timeout], [
        "handshakeTimeout",
        handshakeTimeout,
      ]] as const
    ) {
      if (!(v >= 0 && Number.isFinite(v))) {
        throw new WeftError("EINVAL", `${name}: expected a finite number ≥ 0, got ${v}`);
      }
    }
    const maxBody = options.maxBody ?? PomeloLimits.DEFAULT_MAX_BODY;
    this.#decoder = new PomeloDecoder(
      options.dictionary ? { maxBody, dictionary: options.dictionary } : { maxBody },
    );
    this.#events = events;
    this.#options = options;
    this.#interval = interval;
    this.#timeout = timeout;
    this.#handshakeTimeout = handshakeTimeout;
    this.#created = now;
    this.#lastReceived = now;
    this.#sink = new PomeloServerSession.#Sink(this);
  }

  /** The current state. */
  get state(): SessionState {
    return this.#state;
  }

  /** The client's handshake, once received. */
  get handshake(): ClientHandshake | undefined {
    return this.#handshake;
  }

  /** Why the session closed (undefined while open). */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  /** Feeds received bytes at time `now` (ms). Packets are handled in wire order. */
  feed(chunk: Uint8Array, now: number): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#now = now;
    this.#lastReceived = now;
    const r = this.#decoder.feed(chunk, this.#sink);
    if (r < 0 && (this.#state as SessionState) !== SessionState.CLOSED) {
      const limit = { option: "maxBody", value: this.#decoder.maxBody };
      const why = describeFailure(r, "a packet body", this.#decoder.refusedLength, limit);
      this.#close(`bad packet: ${why}`, statusErrorCode(r));
    }
  }

  /**
   * Advances time: sends the heartbeat when one is due, closes a silent session (heartbeat
   * timeout) or one that did not finish its handshake in time.
   */
  tick(now: number): void {
    const state = this.#state;
    if (state === SessionState.CLOSED) return;
    this.#now = now;
    if (state !== SessionState.WORKING) {
      if (this.#handshakeTimeout > 0 && now - this.#created >= this.#handshakeTimeout) {
        this.#close(
          `handshake timeout: expected a finished handshake within ${this.#handshakeTimeout} ms ` +
            "(handshakeTimeout)",
          "ETIMEDOUT",
        );
      }
      return;
    }
    if (this.#interval === 0) return;
    if (this.#timeout > 0 && now - this.#lastReceived >= this.#timeout) {
      this.#close(
        `heartbeat timeout: expected a packet within ${this.#timeout} ms (heartbeatTimeout), ` +
          `none for ${now - this.#lastReceived} ms`,
        "ETIMEDOUT",
      );
      return;
    }
    if (now - this.#lastHeartbeat >= this.#interval) this.#sendHeartbeat(now);
  }

  /** Sends KICK with `{"reason": reason}` and closes (reason "kicked: …"). */
  kick(reason: string): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#events.write(encodePacket(PacketType.KICK, kickBody(reason)));
    this.#close(`kicked: ${reason}`);
  }

  /** Closes without a word to the client (as nano's `Session.Close`). */
  close(reason = "closed by the server"): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#close(reason);
  }

  /** The transport ended: closes with `reason` (no bytes are written). */
  ended(reason = "connection closed by the peer"): void {
    if (this.#state === SessionState.CLOSED) return;
    this.#close(reason);
  }

  #sendHeartbeat(now: number): void {
    this.#lastHeartbeat = now;
    this.#events.write(HEARTBEAT);
  }

  #packet(type: PacketType, body: Uint8Array): void {
    const state = this.#state;
    if (state === SessionState.CLOSED) return;
    switch (type) {
      case PacketType.HANDSHAKE:
        if (state !== SessionState.START) {
          return this.#close("protocol: a second HANDSHAKE", "EPROTO");
        }
        return this.#answer(body);
      case PacketType.HANDSHAKE_ACK:
        if (state === SessionState.START) {
          return this.#close("protocol: HANDSHAKE_ACK before HANDSHAKE", "EPROTO");
        }
        if (state === SessionState.HANDSHAKE) {
          this.#state = SessionState.WORKING;
          this.#lastReceived = this.#now;
          // Stock clients only start their heartbeats after they receive one.
          if (this.#interval > 0) this.#sendHeartbeat(this.#now);
          this.#events.ready?.(this.#handshake!);
        }
        return; // a repeated ACK is harmless
      case PacketType.HEARTBEAT:
        // Life was recorded in feed(). Answer at once, as pomelo's server does: stock clients
        // (pomelo's, nano's starx) send their next heartbeat one interval after they receive
        // one, and ignore one that comes while theirs is pending; with only the server's own
        // ticks their gaps could reach twice the interval, the timeout. The answer also
        // restarts our interval, so a talking client gets one heartbeat per beat, not two.
        if (state === SessionState.WORKING && this.#interval > 0) this.#sendHeartbeat(this.#now);
        return;
      default:
        return this.#close(
          `protocol: unexpected ${KIND_NAMES[type]} packet from a client`,
          "EPROTO",
        );
    }
  }

  #message(m: PomeloMessage): void {
    const state = this.#state;
    if (state === SessionState.WORKING) return this.#events.message(m);
    if (state !== SessionState.CLOSED) {
      this.#close("protocol: DATA before the handshake completed", "EPROTO");
    }
  }

  #answer(body: Uint8Array): void {
    const parsed = parseClientHandshake(body);
    if (typeof parsed === "string") return this.#refuse(HandshakeCode.FAIL, parsed);
    this.#handshake = parsed;
    const o = this.#options;
    if (o.checkClient && !o.checkClient(parsed.sys.type, parsed.sys.version)) {
      return this.#refuse(
        HandshakeCode.OLD_CLIENT,
        `handshake: client ${String(parsed.sys.type)} ${String(parsed.sys.version)} refused`,
      );
    }
    let user: unknown;
    try {
      user = o.onHandshake?.(parsed);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return this.#refuse(HandshakeCode.FAIL, `handshake refused: ${why}`);
    }
    const answer = handshakeOk({
      heartbeatMs: this.#interval,
      serverTimeMs: o.wallClock?.() ?? this.#now,
      serializer: o.serializer ?? "json",
      ...(o.dictionary ? { dict: o.dictionary.toJSON() } : {}),
      ...(user !== undefined ? { user } : {}),
    });
    this.#state = SessionState.HANDSHAKE;
    this.#events.write(encodePacket(PacketType.HANDSHAKE, answer));
  }

  #refuse(code: number, reason: string): void {
    this.#events.write(encodePacket(PacketType.HANDSHAKE, handshakeFail(code)));
    this.#close(reason, "EPROTO");
  }

  #close(reason: string, code?: ErrorCode): void {
    this.#state = SessionState.CLOSED;
    this.#closeReason = reason;
    if (code) this.#events.close(reason, code);
    else this.#events.close(reason);
  }
}
