/**
 * A WebSocket connection after its opening handshake, as a message {@link ByteStream}: each
 * `data` chunk is one whole received message (fragments joined), each `write` sends one binary
 * message (fragmented above `fragmentSize`). Pings are answered, the close handshake is run,
 * protocol violations close the connection with the RFC 6455 status code.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { smallBytes } from "../../core/byte_slab.ts";
import type { ByteStream, StreamHandler, TextMessages } from "../types.ts";
import {
  applyMask,
  CloseCode,
  FrameDecoder,
  type FrameEvents,
  Opcode,
  writeHeader,
} from "./frame.ts";
import type { SharedMessage } from "../shared_message.ts";
import { serverFrame } from "./prepared.ts";
import { PeekStream } from "./peek.ts";
import { endSoon } from "../end_soon.ts";

/** nng 1.5.2 fragments outgoing messages at 1 MiB; so do we by default. */
export const DEFAULT_FRAGMENT_SIZE = 1 << 20;

/** The largest message accepted when no limit is given (64 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 << 20;

/** How long a closing side waits for the peer's close frame when no linger is given. */
const CLOSE_WAIT_MS = 5_000;

/** Below this size a frame header and its payload go out as one buffer. */
const JOIN_BELOW = 16 * 1024;

/** Options of {@link WsStream}. */
export interface WsStreamOptions {
  /** `client` masks what it sends and expects unmasked frames; `server` the reverse. */
  readonly role: "client" | "server";
  /** The negotiated subprotocol, if any. */
  readonly protocol?: string;
  /** The request path the connection was opened on (e.g. `/x`). */
  readonly path?: string;
  /** Largest message accepted, in bytes (close 1009 beyond). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Outgoing messages larger than this are sent as several frames. Default 1 MiB. */
  readonly fragmentSize?: number;
  /** `"refuse"`: a text message closes the connection with 1003. Default `"deliver"`. */
  readonly textMessages?: TextMessages;
}

const EMPTY = new Uint8Array(0);
/** What a stream whose peer vanished without a close frame reports. */
const VANISHED = { code: 1006, reason: "" } as const;
const OPEN = 0;
const CLOSING = 1; // we sent a close frame and wait for the peer's
const CLOSED = 2;

function wsAddress(address: string): string {
  if (address.startsWith("tcp://")) return "ws://" + address.slice(6);
  if (address.startsWith("tls+tcp://")) return "wss://" + address.slice(10);
  return address;
}

/**
 * A WebSocket message stream over an upgraded, not-yet-started byte stream (what
 * {@link upgradeServerStream} and {@link upgradeClientStream} return). Text messages are
 * delivered as their UTF-8 bytes, with {@link WsStream.lastText} set, unless `textMessages` is
 * `"refuse"`: then one closes the connection with 1003 (what nng does, SP being binary only).
 *
 * @example
 * ```ts
 * import { WsStream } from "./stream.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * // Two raw streams that already did their handshake (here: none), framed as ws.
 * const inproc = new InprocTransport(new InprocNamespace());
 * const accepted = Promise.withResolvers<WsStream>();
 * const listener = await inproc.listen(parseEndpoint("inproc://ws-demo"), (raw) => {
 *   accepted.resolve(new WsStream(raw, { role: "server" }));
 * });
 * const client = new WsStream(await inproc.dial(parseEndpoint("inproc://ws-demo")), {
 *   role: "client",
 * });
 * const server = await accepted.promise;
 * const got = new Promise<string>((resolve) =>
 *   server.start({ data: (m) => resolve(new TextDecoder().decode(m)), drain() {}, end() {} })
 * );
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new TextEncoder().encode("one message"));
 * assert.equal(await got, "one message");
 * client.close();
 * await Promise.all([client.closed, server.closed]);
 * listener.close();
 * ```
 */
export class WsStream implements ByteStream {
  readonly protocol?: string;
  /** The request path the connection was opened on. */
  readonly path: string;
  #closed: Promise<void> | undefined;
  #raw: ByteStream;
  // Where frames are written: the stream beneath a PeekStream (which only buffers reads), so a
  // write, e.g. each of a broadcast's, skips that hop.
  #sink: ByteStream;
  #client: boolean;
  #fragment: number;
  #decoder: FrameDecoder;
  #handler: StreamHandler | undefined;
  #rawStarted = false;
  #state = OPEN;
  #userEnded = false;
  #endError: Error | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #lastText = false;
  // The close code and reason received (or 1006 when the peer vanished); made when known.
  #closeInfo: { code: number; reason: string } | undefined;

  /**
   * The frame decoder's events and the raw stream's handler in one small object per
   * connection, instead of eight closures (idle connections are what servers hold most of).
   */
  static #Wiring = class implements FrameEvents, StreamHandler {
    readonly w: WsStream;
    constructor(w: WsStream) {
      this.w = w;
    }
    // frames
    message(payload: Uint8Array, text: boolean): void {
      const w = this.w;
      if (w.#state !== OPEN) return; // closing: data after our close frame is dropped
      w.#lastText = text;
      w.#handler?.data(payload);
    }
    ping(payload: Uint8Array): void {
      if (this.w.#state !== OPEN) return;
      this.w.#sendFrame(Opcode.PONG, payload.slice());
      this.w.#handler?.alive?.();
    }
    pong(): void {
      if (this.w.#state === OPEN) this.w.#handler?.alive?.();
    }
    close(code: number, reason: string): void {
      this.w.#peerClose(code, reason);
    }
    error(code: number, message: string): void {
      this.w.#protocolError(code, message);
    }
    // raw stream
    data(chunk: Uint8Array): void {
      if (this.w.#state !== CLOSED) this.w.#decoder.feed(chunk);
    }
    drain(): void {
      if (this.w.#state === OPEN) this.w.#handler?.drain();
    }
    end(error?: Error): void {
      const w = this.w;
      clearTimeout(w.#closeTimer);
      if (w.#closeInfo === undefined && w.#state === OPEN) w.#closeInfo = VANISHED;
      w.#state = CLOSED;
      w.#endUser(error);
    }
  };
  #wiring: FrameEvents & StreamHandler;

  /** Frames `raw` (which must not have been started) as one side of a WebSocket. */
  constructor(raw: ByteStream, options: WsStreamOptions) {
    this.#raw = raw;
    this.#sink = raw instanceof PeekStream ? raw.writer : raw;
    this.#client = options.role === "client";
    if (options.protocol !== undefined) this.protocol = options.protocol;
    this.path = options.path ?? "/";
    this.#fragment = Math.max(1, options.fragmentSize ?? DEFAULT_FRAGMENT_SIZE);
    this.#wiring = new WsStream.#Wiring(this);
    this.#decoder = new FrameDecoder(this.#wiring, {
      expectMasked: !this.#client,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      refuseText: options.textMessages === "refuse",
    });
  }

  /** WebSocket streams carry messages (a getter: idle streams hold no field for it). */
  get framing(): "messages" {
    return "messages";
  }

  /** The raw stream's local address in its ws form (formatted when asked: idle streams hold none). */
  get localAddress(): string {
    return wsAddress(this.#raw.localAddress);
  }

  /** The raw stream's remote address in its ws form. */
  get remoteAddress(): string {
    return wsAddress(this.#raw.remoteAddress);
  }

  /** Settles once the underlying stream is closed (made on first use). */
  get closed(): Promise<void> {
    return this.#closed ??= this.#raw.closed.then(() => {
      clearTimeout(this.#closeTimer);
      this.#state = CLOSED;
    });
  }

  /** Whether the last delivered message came as a text message (its UTF-8 bytes). */
  get lastText(): boolean {
    return this.#lastText;
  }

  /** The close code received from the peer (1005 for none), or 1006 if it vanished; else undefined. */
  get closeCode(): number | undefined {
    return this.#closeInfo?.code;
  }

  /** The close reason received from the peer. */
  get closeReason(): string {
    return this.#closeInfo?.reason ?? "";
  }

  start(handler: StreamHandler): void {
    this.#handler = handler;
    if (this.#userEnded) endSoon(handler, this.#endError);
    this.#startRaw();
  }

  write(bytes: Uint8Array): boolean {
    if (this.#state !== OPEN) return true;
    const n = bytes.length;
    if (n <= this.#fragment) return this.#sendData(true, Opcode.BINARY, bytes);
    let ok = true;
    for (let at = 0; at < n; at += this.#fragment) {
      const end = Math.min(n, at + this.#fragment);
      const opcode = at === 0 ? Opcode.BINARY : Opcode.CONTINUATION;
      ok = this.#sendData(end === n, opcode, bytes.subarray(at, end)) && ok;
    }
    return ok;
  }

  /**
   * Sends a message shared by many connections: a server writes its one shared frame (built by
   * the first server stream, then no framing and no copy); a client (which must mask) or a
   * message above `fragmentSize` goes as {@link WsStream.write} would send it. Returns what
   * `write` returns.
   */
  writeShared(message: SharedMessage): boolean {
    if (this.#state !== OPEN) return true;
    if (this.#client || message.bytes.length > this.#fragment) return this.write(message.bytes);
    return this.#sink.write(message.framed(serverFrame));
  }

  /** Sends a ping (payload ≤ 125 bytes); the peer answers with a pong. */
  ping(payload: Uint8Array = new Uint8Array(0)): void {
    if (payload.length > 125) {
      throw new WeftError("EINVAL", `expected a ping payload ≤ 125 bytes, got ${payload.length}`);
    }
    if (this.#state === OPEN) this.#sendFrame(Opcode.PING, payload);
  }

  pause(): void {
    this.#raw.pause();
  }

  resume(): void {
    this.#raw.resume();
  }

  /**
   * Starts the close handshake (code 1000): ends the handler now, waits up to `lingerMs`
   * (default and at most 5 s) for the peer's close frame, then closes the connection, still
   * writing out what is queued for the rest of `lingerMs`. `0` closes at once.
   */
  close(lingerMs?: number): void {
    this.closeWith(CloseCode.NORMAL, "", lingerMs);
  }

  /** Like {@link WsStream.close} with a chosen status code (1000, 1001, 3000–4999) and reason. */
  closeWith(code: number, reason: string, lingerMs?: number): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#endUser(undefined);
    this.#sendFrame(Opcode.CLOSE, closeBody(code, reason));
    if (lingerMs === 0) {
      this.#raw.close(0);
      return;
    }
    // Keep reading (the peer's close frame is what we wait for), whatever the user paused.
    this.#startRaw();
    this.#raw.resume();
    // The peer's answer is awaited for at most CLOSE_WAIT_MS, whatever the linger: nng's ws
    // (1.5) often never answers a close frame that follows data. Then the raw stream closes
    // with the linger left, which still writes out what is queued (a slow reader's backlog).
    const wait = lingerMs ?? CLOSE_WAIT_MS;
    const answer = Math.min(wait, CLOSE_WAIT_MS);
    this.#closeTimer = setTimeout(() => this.#raw.close(wait - answer), answer);
  }

  #startRaw(): void {
    if (this.#rawStarted) return;
    this.#rawStarted = true;
    this.#raw.start(this.#wiring);
  }

  #peerClose(code: number, reason: string): void {
    this.#closeInfo = { code, reason };
    if (this.#state === CLOSING) {
      // Our close was answered: the handshake is complete.
      clearTimeout(this.#closeTimer);
      this.#state = CLOSED;
      this.#raw.close();
      return;
    }
    if (this.#state !== OPEN) return;
    // Echo the code (RFC 6455 §5.5.1), then close our side.
    this.#sendFrame(
      Opcode.CLOSE,
      code === CloseCode.NO_STATUS ? new Uint8Array(0) : closeBody(code, ""),
    );
    this.#state = CLOSED;
    this.#raw.close(CLOSE_WAIT_MS);
    const normal = code === CloseCode.NORMAL || code === CloseCode.GOING_AWAY ||
      code === CloseCode.NO_STATUS;
    this.#endUser(
      normal ? undefined : new WeftError(
        "ECLOSED",
        `the peer closed the WebSocket with code ${code}${reason ? ` (${reason})` : ""}`,
      ),
    );
  }

  #protocolError(code: number, message: string): void {
    if (this.#state === CLOSED) return;
    const wasOpen = this.#state === OPEN;
    this.#closeInfo = { code, reason: "" };
    this.#state = CLOSED;
    this.#sendFrame(Opcode.CLOSE, closeBody(code, message.slice(0, 120)), true);
    this.#raw.close(CLOSE_WAIT_MS);
    if (!wasOpen) return;
    this.#endUser(
      new WeftError(
        code === CloseCode.TOO_BIG ? "EMSGSIZE" : "EPROTO",
        `WebSocket closed with ${code}: ${message}`,
      ),
    );
  }

  #endUser(error: Error | undefined): void {
    if (this.#userEnded) return;
    this.#userEnded = true;
    this.#endError = error;
    this.#handler?.end(error);
  }

  #sendData(fin: boolean, opcode: number, payload: Uint8Array): boolean {
    const n = payload.length;
    const headLen = 2 + (n < 126 ? 0 : n < 65536 ? 2 : 8) + (this.#client ? 4 : 0);
    if (this.#client) {
      // Masking needs a copy (the caller's buffer may be shared): header and payload in one.
      const out = new Uint8Array(headLen + n);
      const mask = nextMask();
      writeHeader(out, 0, { fin, opcode, length: n, mask });
      out.set(payload, headLen);
      applyMask(out.subarray(headLen), mask, 0);
      return this.#sink.write(out);
    }
    if (n < JOIN_BELOW) {
      const out = smallBytes(headLen + n);
      writeHeader(out, 0, { fin, opcode, length: n });
      out.set(payload, headLen);
      return this.#sink.write(out);
    }
    const head = new Uint8Array(headLen);
    writeHeader(head, 0, { fin, opcode, length: n });
    this.#sink.write(head);
    return this.#sink.write(payload);
  }

  #sendFrame(opcode: number, payload: Uint8Array, force = false): void {
    if (this.#state === CLOSED && !force) return;
    this.#sendData(true, opcode, payload);
  }
}

/** Random mask keys in bulk, shared by every client stream: one getRandomValues per 1024 frames. */
const masks = { pool: EMPTY, at: 0 };

function nextMask(): Uint8Array {
  if (masks.at + 4 > masks.pool.length) {
    masks.pool = crypto.getRandomValues(new Uint8Array(4096));
    masks.at = 0;
  }
  const mask = masks.pool.subarray(masks.at, masks.at + 4);
  masks.at += 4;
  return mask;
}

function closeBody(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + Math.min(text.length, 123));
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text.subarray(0, 123), 2);
  return out;
}
