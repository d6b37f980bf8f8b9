/**
 * The client side of one pomelo/nano connection as a pure state machine: bytes in
 * ({@link PomeloClientSession.feed}), time in ({@link PomeloClientSession.tick}), events out
 * (bytes to write, the server's handshake, responses, pushes, kick, close with a reason) and the
 * next timer deadline out ({@link PomeloClientSession.nextDeadline}). No sockets, no timers.
 *
 * States: `start` → (open: HANDSHAKE written) → `handshake` → (the server's answer 200,
 * HANDSHAKE_ACK written) → `working` → `closed`. Once working, the client sends a heartbeat
 * every interval the server asked for, whatever else flows: pomelo servers count only
 * heartbeats as life, nano-style servers tick on their own clock, and answering each server
 * beat one interval later can leave twice the interval between ours. Any bytes from the server
 * count as life; silence for twice the interval (as pomelo clients) closes the session.
 * @module
 */

import {
  encodePacket,
  MessageFlag,
  MessageType,
  PacketType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  type PomeloSink,
  RouteDictionary,
} from "../../codec/pomelo.ts";
import { PomeloLimits } from "../../codec/pomelo_types.ts";
import { describeFailure } from "../../codec/status.ts";
import { type ErrorCode, WeftError } from "../../core/errors.ts";
import {
  clientHandshake,
  parseKickReason,
  parseServerHandshake,
  type ServerHandshake,
} from "./handshake.ts";

/**
 * Client session states.
 *
 * @example
 * ```ts
 * import { ClientSessionState, PomeloClientSession } from "./client_session.ts";
 * import assert from "node:assert/strict";
 * const s = new PomeloClientSession(
 *   { write: () => {}, response: () => {}, push: () => {}, close: () => {} },
 *   {},
 *   0,
 * );
 * assert.equal(s.state, ClientSessionState.START);
 * s.open();
 * assert.equal(s.state, ClientSessionState.HANDSHAKE);
 * ```
 */
export const ClientSessionState = {
  /** Created; the transport is not connected yet. */
  START: "start",
  /** HANDSHAKE written; waiting for the server's answer. */
  HANDSHAKE: "handshake",
  /** Handshake done: requests, notifies, responses, pushes, heartbeats. */
  WORKING: "working",
  /** Done; every later input is ignored. */
  CLOSED: "closed",
} as const;

/** One of the {@link ClientSessionState} values. */
export type ClientSessionState = typeof ClientSessionState[keyof typeof ClientSessionState];

/**
 * What a client session reports. `write` gets bytes the transport must send, in order; `close`
 * is called once (after a `kick` when the server kicked). Bodies are views into the fed chunk:
 * use or copy them before the call returns.
 *
 * @example
 * ```ts
 * import { type PomeloClientEvents, PomeloClientSession } from "./client_session.ts";
 * import assert from "node:assert/strict";
 * const pushes: string[] = [];
 * const events: PomeloClientEvents = {
 *   write: () => {}, // bytes for the server would go to the transport here
 *   response: () => {},
 *   push: (route, body) => pushes.push(`${route} ${new TextDecoder().decode(body)}`),
 *   close: () => {},
 * };
 * const s = new PomeloClientSession(events, {}, 0);
 * s.open();
 * const answer = new TextEncoder().encode('{"code":200,"sys":{}}');
 * const push = [0x06, 6, ...new TextEncoder().encode("onChat{}")]; // PUSH onChat {}
 * s.feed(new Uint8Array([1, 0, 0, answer.length, ...answer, 4, 0, 0, push.length, ...push]), 0);
 * assert.deepEqual(pushes, ["onChat {}"]);
 * ```
 */
export interface PomeloClientEvents {
  /** Bytes to send (owned by the receiver). */
  write(bytes: Uint8Array): void;
  /** The server accepted the handshake (HANDSHAKE_ACK is written): the session is `working`. */
  ready?(handshake: ServerHandshake): void;
  /** A RESPONSE to request `id`; `isError` when the server flagged it (0x20, weft/nano, pitaya). */
  response(id: number, body: Uint8Array, isError: boolean): void;
  /** A PUSH on `route`. */
  push(route: string, body: Uint8Array): void;
  /** The server sent KICK with this reason; `close` follows. */
  kick?(reason: string): void;
  /**
   * The session closed: `reason` in words; `code` is `EPROTO` for bad bytes or a refused
   * handshake, `ETIMEDOUT` for a handshake or heartbeat timeout, unset otherwise.
   */
  close(reason: string, code?: ErrorCode): void;
}

/**
 * Options of {@link PomeloClientSession}.
 *
 * @example
 * ```ts
 * import { PomeloClientSession, type PomeloClientSessionOptions } from "./client_session.ts";
 * import assert from "node:assert/strict";
 * const options: PomeloClientSessionOptions = {
 *   sys: { type: "my-client" }, user: { token: "t" }, handshakeTimeout: 2000,
 * };
 * const written: Uint8Array[] = [];
 * const closed: string[] = [];
 * const events = {
 *   write: (b: Uint8Array) => written.push(b), response() {}, push() {},
 *   close: (_reason: string, code?: string) => closed.push(code!),
 * };
 * const s = new PomeloClientSession(events, options, 0);
 * s.open();
 * const hello = JSON.parse(new TextDecoder().decode(written[0]!.subarray(4))); // after the header
 * assert.deepEqual([hello.sys.type, hello.user], ["my-client", { token: "t" }]);
 * s.tick(2000); // no answer within handshakeTimeout
 * assert.deepEqual(closed, ["ETIMEDOUT"]);
 * ```
 */
export interface PomeloClientSessionOptions {
  /** Handshake `sys` fields; `type` defaults to "js-websocket", `version` to weft's version. */
  readonly sys?: Readonly<Record<string, unknown>> | undefined;
  /** The handshake's `user` object (default `{}`). */
  readonly user?: unknown;
  /** Time allowed from creation to the server's answer, in ms (default 10 000; 0 = none). */
  readonly handshakeTimeout?: number | undefined;
  /** Largest packet body accepted (default 2^24 − 1, the format's limit). */
  readonly maxBody?: number | undefined;
}

const HANDSHAKE_ACK = encodePacket(PacketType.HANDSHAKE_ACK, new Uint8Array(0));
const HEARTBEAT = encodePacket(PacketType.HEARTBEAT, new Uint8Array(0));
const NO_BYTES = new Uint8Array(0);

/**
 * One pomelo/nano client connection. Bad input from the server never throws: it ends the
 * session with a reason (`close` event, code `EPROTO`) and every later call is ignored.
 *
 * The owner calls {@link open} once the transport is connected, {@link feed} with what it
 * receives, and {@link tick} when {@link nextDeadline} comes (any later time is fine too).
 *
 * @example
 * ```ts
 * import { PomeloClientSession } from "./client_session.ts";
 * import assert from "node:assert/strict";
 * const out: number[] = []; // the type byte of each packet written
 * const s = new PomeloClientSession(
 *   { write: (b) => out.push(b[0]!), response: () => {}, push: () => {}, close: () => {} },
 *   {},
 *   0,
 * );
 * s.open();
 * const answer = new TextEncoder().encode('{"code":200,"sys":{"heartbeat":1}}');
 * s.feed(new Uint8Array([1, 0, 0, answer.length, ...answer]), 5);
 * assert.equal(s.state, "working");
 * assert.deepEqual(out, [1, 2]); // HANDSHAKE, HANDSHAKE_ACK
 * assert.equal(s.nextDeadline(), 1005); // the first heartbeat
 * s.tick(1005);
 * assert.deepEqual(out, [1, 2, 3]);
 * s.tick(2005); // silent for twice the interval
 * assert.equal(s.state, "closed");
 * ```
 */
export class PomeloClientSession {
  #events: PomeloClientEvents;
  #state: ClientSessionState = ClientSessionState.START;
  #sys: Readonly<Record<string, unknown>> | undefined;
  #user: unknown;
  #handshakeTimeout: number;
  #maxBody: number;
  #created: number;
  #lastReceived: number;
  #interval = 0;
  #nextBeat = Infinity;
  /** Bytes of an unfinished packet before the handshake answer. */
  #early = NO_BYTES;
  #handshake: ServerHandshake | undefined;
  #dictionary: RouteDictionary | undefined;
  #decoder: PomeloDecoder | undefined;
  #encoder: PomeloEncoder | undefined;
  /** Inside feed(): a close then waits to free the dictionary the decoder may still read. */
  #feeding = false;
  #closeReason: string | undefined;
  #sink: PomeloSink = {
    packet: (type, body) => this.#packet(type, body),
    message: (m) => this.#message(m),
  };

  /** Throws `WeftError("EINVAL")` for bad options (a bad `maxBody`, a negative timeout). */
  constructor(events: PomeloClientEvents, options: PomeloClientSessionOptions, now: number) {
    const handshakeTimeout = options.handshakeTimeout ?? 10_000;
    if (!(handshakeTimeout >= 0 && Number.isFinite(handshakeTimeout))) {
      throw new WeftError(
        "EINVAL",
        `handshakeTimeout: expected a finite number ≥ 0, got ${handshakeTimeout}`,
      );
    }
    const maxBody = options.maxBody ?? PomeloLimits.MAX_BODY;
    if (!Number.isInteger(maxBody) || maxBody < 0 || maxBody > PomeloLimits.MAX_BODY) {
      throw new WeftError("EINVAL", `maxBody: expected an integer in 0..16777215, got ${maxBody}`);
    }
    this.#events = events;
    this.#sys = options.sys;
    this.#user = options.user;
    this.#handshakeTimeout = handshakeTimeout;
    this.#maxBody = maxBody;
    this.#created = now;
    this.#lastReceived = now;
  }

  /** The current state. */
  get state(): ClientSessionState {
    return this.#state;
  }

  /** The server's handshake answer, once accepted. */
  get handshake(): ServerHandshake | undefined {
    return this.#handshake;
  }

  /** Why the session closed (undefined while open). */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  /**
   * When {@link tick} has work next, in ms on the clock passed in: the handshake timeout, the
   * next heartbeat or the heartbeat timeout. Undefined when nothing is due (closed, or no
   * timeouts and no heartbeats). Received bytes move it later, the handshake answer may move
   * it earlier.
   */
  nextDeadline(): number | undefined {
    switch (this.#state) {
      case ClientSessionState.WORKING:
        if (this.#interval === 0) return undefined;
        return Math.min(this.#nextBeat, this.#lastReceived + 2 * this.#interval);
      case ClientSessionState.CLOSED:
        return undefined;
      default:
        return this.#handshakeTimeout > 0 ? this.#created + this.#handshakeTimeout : undefined;
    }
  }

  /** The transport is connected: writes the HANDSHAKE. Only the first call counts. */
  open(): void {
    if (this.#state !== ClientSessionState.START) return;
    this.#state = ClientSessionState.HANDSHAKE;
    this.#events.write(encodePacket(PacketType.HANDSHAKE, clientHandshake(this.#sys, this.#user)));
  }

  /** Feeds received bytes at time `now` (ms). Packets are handled in wire order. */
  feed(chunk: Uint8Array, now: number): void {
    if (this.#state === ClientSessionState.CLOSED) return;
    this.#lastReceived = now;
    this.#feeding = true;
    try {
      if (this.#decoder === undefined) {
        chunk = this.#beforeWorking(chunk, now);
        if (chunk.length === 0) return;
      }
      const r = this.#decoder!.feed(chunk, this.#sink);
      if (r < 0 && (this.#state as ClientSessionState) !== ClientSessionState.CLOSED) {
        const limit = { option: "maxBody", value: this.#maxBody };
        const why = describeFailure(r, "a packet body", this.#decoder!.refusedLength, limit);
        this.#close(`bad packet: ${why}`, "EPROTO");
      }
    } finally {
      this.#feeding = false;
      if ((this.#state as ClientSessionState) === ClientSessionState.CLOSED) this.#release();
    }
  }

  /**
   * Advances time: closes a session whose handshake is late or whose server fell silent
   * (twice the heartbeat interval), and writes the heartbeat when one is due.
   */
  tick(now: number): void {
    const state = this.#state;
    if (state === ClientSessionState.CLOSED) return;
    if (state !== ClientSessionState.WORKING) {
      if (this.#handshakeTimeout > 0 && now - this.#created >= this.#handshakeTimeout) {
        this.#close(
          `handshake timeout: expected the server's answer within ${this.#handshakeTimeout} ms`,
          "ETIMEDOUT",
        );
      }
      return;
    }
    const interval = this.#interval;
    if (interval === 0) return;
    const idle = now - this.#lastReceived;
    if (idle >= 2 * interval) {
      this.#close(
        `heartbeat timeout: expected a packet within ${2 * interval} ms, none for ${idle} ms`,
        "ETIMEDOUT",
      );
      return;
    }
    if (now >= this.#nextBeat) {
      this.#events.write(HEARTBEAT);
      // Keep the beat on its grid; after a long stall (a sleeping tab) restart it from now.
      this.#nextBeat += interval;
      if (this.#nextBeat <= now) this.#nextBeat = now + interval;
    }
  }

  /**
   * Writes a REQUEST (route compressed when the server's dictionary has it). Throws
   * `ESTATE` unless working, `EINVAL` for a bad id or route (nothing is written then).
   */
  request(id: number, route: string, body: Uint8Array): void {
    this.#events.write(
      this.#working().encodeMessage({ type: MessageType.REQUEST, id, route, body }),
    );
  }

  /** Writes a NOTIFY; throws as {@link request} does. */
  notify(route: string, body: Uint8Array): void {
    this.#events.write(this.#working().encodeMessage({ type: MessageType.NOTIFY, route, body }));
  }

  /** Closes without a word to the server (the owner closes the transport). */
  close(reason = "closed by the client"): void {
    if (this.#state !== ClientSessionState.CLOSED) this.#close(reason);
  }

  /** The transport ended: closes with `reason` (no bytes are written). */
  ended(reason = "connection closed by the peer"): void {
    if (this.#state !== ClientSessionState.CLOSED) this.#close(reason);
  }

  #working(): PomeloEncoder {
    if (this.#state !== ClientSessionState.WORKING) {
      throw new WeftError("ESTATE", `pomelo client session: expected working, is ${this.#state}`);
    }
    return this.#encoder!;
  }

  /**
   * Frames by hand until the handshake answer, so that the dictionary it carries is in the
   * decoder before any DATA packet that uses it. Returns what follows the answer (empty while
   * waiting, or once closed).
   */
  #beforeWorking(chunk: Uint8Array, now: number): Uint8Array {
    let buf = chunk;
    if (this.#early.length > 0) {
      buf = new Uint8Array(this.#early.length + chunk.length);
      buf.set(this.#early);
      buf.set(chunk, this.#early.length);
    }
    for (;;) {
      if (buf.length < 4) break;
      const type = buf[0]!;
      const length = (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!;
      if (length > this.#maxBody) {
        this.#close(`handshake: packet body of ${length} bytes, above ${this.#maxBody}`, "EPROTO");
        return NO_BYTES;
      }
      if (buf.length < 4 + length) break;
      const body = buf.subarray(4, 4 + length);
      buf = buf.subarray(4 + length);
      if (type === PacketType.HANDSHAKE) {
        this.#early = NO_BYTES;
        this.#answer(body, now);
        return this.#state === ClientSessionState.WORKING ? buf : NO_BYTES;
      }
      if (type === PacketType.KICK) {
        this.#kick(body);
        return NO_BYTES;
      }
      if (type !== PacketType.HEARTBEAT) {
        this.#close(`handshake: expected a HANDSHAKE packet, got type ${type}`, "EPROTO");
        return NO_BYTES;
      }
    }
    // Kept across feeds: copied, as the caller may reuse its chunk.
    this.#early = buf.slice();
    return NO_BYTES;
  }

  #answer(body: Uint8Array, now: number): void {
    const answer = parseServerHandshake(body);
    if (typeof answer === "string") return this.#close(answer, "EPROTO");
    try {
      if (Object.keys(answer.dict).length > 0) {
        this.#dictionary = new RouteDictionary(answer.dict);
      }
      const withDict = this.#dictionary ? { dictionary: this.#dictionary } : {};
      this.#decoder = new PomeloDecoder({ ...withDict, maxBody: this.#maxBody });
      this.#encoder = new PomeloEncoder(withDict);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return this.#close(`handshake: bad route dictionary (${why})`, "EPROTO");
    }
    this.#handshake = answer;
    this.#state = ClientSessionState.WORKING;
    this.#interval = answer.heartbeatMs;
    this.#nextBeat = answer.heartbeatMs > 0 ? now + answer.heartbeatMs : Infinity;
    this.#events.write(HANDSHAKE_ACK);
    this.#events.ready?.(answer);
  }

  #packet(type: PacketType, body: Uint8Array): void {
    if (this.#state === ClientSessionState.CLOSED) return;
    // Server heartbeats need no answer (ours go out every interval); a repeated HANDSHAKE or
    // a HANDSHAKE_ACK from a server is ignored, as pomelo clients do.
    if (type === PacketType.KICK) this.#kick(body);
  }

  #message(m: PomeloMessage): void {
    if (this.#state === ClientSessionState.CLOSED) return;
    if (m.type === MessageType.RESPONSE) {
      return this.#events.response(m.id, m.body, (m.flags & MessageFlag.ERROR) !== 0);
    }
    if (m.type === MessageType.PUSH) return this.#events.push(m.route, m.body);
    this.#close(`expected a RESPONSE or PUSH message, got type ${m.type}`, "EPROTO");
  }

  #kick(body: Uint8Array): void {
    const reason = parseKickReason(body);
    this.#events.kick?.(reason);
    if (this.#state !== ClientSessionState.CLOSED) this.#close(`kicked: ${reason}`);
  }

  #close(reason: string, code?: ErrorCode): void {
    this.#state = ClientSessionState.CLOSED;
    this.#closeReason = reason;
    if (!this.#feeding) this.#release();
    if (code) this.#events.close(reason, code);
    else this.#events.close(reason);
  }

  /** Gives the dictionary's wasm memory back; the codecs go with it. */
  #release(): void {
    this.#dictionary?.dispose();
    this.#dictionary = this.#decoder = this.#encoder = undefined;
    this.#early = NO_BYTES;
  }
}
