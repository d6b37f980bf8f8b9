/**
 * One SP connection as a pure state machine (bytes and time in, callbacks out). On byte
 * streams (tcp, ipc): both sides send the 8-byte header at once, each checks the other's
 * (magic, version, reserved bytes, then the peer protocol), then messages flow framed by a u64
 * BE length (ipc: a type byte 1 first). On message streams (ws): no header and no length —
 * the subprotocol already named the peer — and one SP message per transport message.
 *
 * A message is handed out as one frame (the payload: SP protocol header ++ body) and sent as
 * two (`[header, body]`, framed under one length so nobody concatenates). No heartbeats.
 * @module
 */

import { concat } from "../../core/bytes.ts";
import type { WireSession, WireSessionSink } from "../../core/wire.ts";
import { SpFrameDecoder, SpFrameEncoder } from "../../codec/sp.ts";
import type { Codec } from "../../codec/wasm.ts";
import { describeFailure, statusErrorCode } from "../../codec/status.ts";
import { buildHeader, HEADER_LENGTH, parseHeader } from "./header.ts";
import { protocolName } from "./ids.ts";

/** nng's handshake limit (`nni_aio_set_timeout(negoaio, 10000)`). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options of {@link SpSession}. */
export interface SpSessionOptions {
  /** Our protocol id (sent in our header). */
  readonly selfId: number;
  /** The protocol id the peer must announce. */
  readonly peerId: number;
  /** `"messages"` for ws (no header, no length framing); default `"bytes"`. */
  readonly framing?: "bytes" | "messages";
  /** ipc framing (a type byte 1 before each length). */
  readonly ipc?: boolean;
  /** Largest payload accepted, bytes; 0 = no limit. Larger closes the connection (EMSGSIZE). */
  readonly recvMaxSize?: number;
  /** Longest wait for the peer's header, ms; 0 = no limit. Default 10000. */
  readonly handshakeTimeoutMs?: number;
  /** The codec instance (default: the shared one). */
  readonly codec?: Codec;
}

const EMPTY = new Uint8Array(0);

/**
 * The SP wire session (see the module doc).
 *
 * @example
 * ```ts
 * import { SpSession } from "./session.ts";
 * import assert from "node:assert/strict";
 * const out: number[][] = [];
 * const got: number[][] = [];
 * const s = new SpSession({ selfId: 0x31, peerId: 0x30 }, {
 *   write: (b) => out.push([...b]),
 *   ready: () => {},
 *   message: ([p]) => got.push([...p!]),
 *   subscription: () => {},
 *   error: (e) => assert.fail(e.reason),
 * });
 * s.start(0);
 * assert.deepEqual(out[0], [0, 0x53, 0x50, 0, 0, 0x31, 0, 0]); // REP0 header
 * s.feed(new Uint8Array([0, 0x53, 0x50, 0, 0, 0x30, 0, 0]), 1); // REQ0 header
 * s.feed(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 6, 0x80, 0, 0x12, 0x34, 0x68, 0x69]), 2);
 * assert.deepEqual(got, [[0x80, 0, 0x12, 0x34, 0x68, 0x69]]);
 * ```
 */
export class SpSession implements WireSession {
  readonly #sink: WireSessionSink;
  readonly #selfId: number;
  readonly #peerId: number;
  readonly #messages: boolean;
  readonly #maxSize: number;
  readonly #timeout: number;
  readonly #decoder: SpFrameDecoder | undefined;
  readonly #encoder: SpFrameEncoder | undefined;
  #outbox: Uint8Array[] = [];
  #header = new Uint8Array(HEADER_LENGTH);
  #headerHave = 0;
  #ready = false;
  #failed = false;
  #deadline = Infinity;
  readonly #write: (bytes: Uint8Array) => void;
  readonly #onPayload: (payload: Uint8Array) => void;

  /** Makes a session; nothing is written until {@link SpSession.start}. */
  constructor(options: SpSessionOptions, sink: WireSessionSink) {
    this.#sink = sink;
    this.#selfId = options.selfId;
    this.#peerId = options.peerId;
    this.#messages = options.framing === "messages";
    this.#maxSize = options.recvMaxSize ?? 0;
    this.#timeout = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (!this.#messages) {
      const codec = options.codec ? { codec: options.codec } : {};
      const ipc = options.ipc ?? false;
      this.#decoder = new SpFrameDecoder({
        ipc,
        ...codec,
        ...(this.#maxSize > 0 ? { maxBody: this.#maxSize } : {}),
      });
      this.#encoder = new SpFrameEncoder({ ipc, ...codec });
    }
    this.#write = (bytes) => this.#sink.write(bytes);
    this.#onPayload = (payload) => {
      if (!this.#failed) this.#sink.message([payload]);
    };
  }

  /** Whether the peer's header has been received and accepted. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Sends our header (byte streams) or declares the session ready (message streams). */
  start(now: number): void {
    if (this.#messages) {
      this.#becomeReady();
      return;
    }
    this.#sink.write(buildHeader(this.#selfId));
    if (this.#timeout > 0) this.#deadline = now + this.#timeout;
  }

  /** Feeds received bytes (one whole message per call on message streams). */
  feed(chunk: Uint8Array, _now: number): void {
    if (this.#failed) return;
    if (this.#messages) {
      if (this.#maxSize > 0 && chunk.length > this.#maxSize) {
        return this.#fail(
          "EMSGSIZE",
          `expected a message of at most ${this.#maxSize} octets (recvMaxSize), got ${chunk.length}`,
        );
      }
      this.#sink.message([chunk]);
      return;
    }
    if (!this.#ready) {
      const take = Math.min(HEADER_LENGTH - this.#headerHave, chunk.length);
      this.#header.set(chunk.subarray(0, take), this.#headerHave);
      this.#headerHave += take;
      if (this.#headerHave < HEADER_LENGTH) return;
      const parsed = parseHeader(this.#header);
      if (!parsed.ok) return this.#fail("EPROTO", parsed.reason);
      if (parsed.protocolId !== this.#peerId) {
        return this.#fail(
          "EPROTO",
          `expected a ${protocolName(this.#peerId)} peer (0x${this.#peerId.toString(16)}) for our ${
            protocolName(this.#selfId)
          } socket (0x${this.#selfId.toString(16)}), got ${protocolName(parsed.protocolId)} (0x${
            parsed.protocolId.toString(16)
          })`,
        );
      }
      this.#becomeReady();
      chunk = chunk.subarray(take);
      if (chunk.length === 0 || this.#failed) return;
    }
    const status = this.#decoder!.feed(chunk, this.#onPayload);
    if (status < 0 && !this.#failed) {
      this.#fail(
        statusErrorCode(status),
        describeFailure(status, "a message", this.#decoder!.refusedLength, {
          option: "recvMaxSize",
          value: this.#maxSize > 0 ? this.#maxSize : undefined,
        }),
      );
    }
  }

  /** Queues `[header, body]` (or `[body]`) for the next flush. */
  send(frames: readonly Uint8Array[]): boolean {
    if (this.#failed) return false;
    const header = frames.length > 1 ? frames[0]! : EMPTY;
    const body = frames.length > 1 ? frames[1]! : frames[0] ?? EMPTY;
    if (this.#encoder) this.#encoder.add(body, header.length > 0 ? header : undefined);
    else this.#outbox.push(header.length > 0 ? concat([header, body]) : body);
    return true;
  }

  /** SP carries no subscriptions on the wire (SUB filters locally): ignored. */
  sendSubscription(_topic: Uint8Array, _subscribe: boolean): boolean {
    return false;
  }

  /** Writes every queued message (byte streams: one encoder burst; ws: one write each). */
  flush(): void {
    if (this.#failed) return;
    if (this.#encoder) {
      this.#encoder.flush(this.#write);
      return;
    }
    const out = this.#outbox;
    this.#outbox = [];
    for (const m of out) this.#sink.write(m);
  }

  /** Fails a handshake past its limit; returns the next deadline (or Infinity). */
  tick(now: number): number {
    if (this.#ready || this.#failed) return Infinity;
    if (now >= this.#deadline) {
      this.#fail("ETIMEDOUT", `expected the peer's SP header within ${this.#timeout} ms`);
      return Infinity;
    }
    return this.#deadline;
  }

  #becomeReady(): void {
    this.#ready = true;
    this.#deadline = Infinity;
    this.#sink.ready({ socketType: protocolName(this.#peerId), identity: EMPTY });
  }

  #fail(code: string, reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#sink.error({ code, reason, phase: this.#ready ? "traffic" : "handshake" });
  }
}
