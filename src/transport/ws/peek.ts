/**
 * A byte stream that can be read ahead of its owner: {@link PeekStream} starts the underlying
 * stream at once, buffers what arrives, lets a sniffer or a handshake look at (and consume) the
 * first bytes, then replays the rest to whoever calls `start`. This is how one port can serve
 * raw TCP, WebSocket and plain HTTP: look at the first bytes, then hand the stream on.
 * @module
 */

import type { ByteStream, StreamHandler } from "../types.ts";

/** Buffered bytes, before `start`, above which the underlying stream is paused. */
const BUFFER_LIMIT = 64 * 1024;

// PeekStream's flags.
const ENDED = 1;
const DELIVERED = 2;
const USER_PAUSED = 4;
const BUFFER_PAUSED = 8;
const SCHEDULED = 16;

/** The empty buffer list shared by every stream that holds nothing. */
const NONE: Uint8Array[] = [];

/**
 * Wraps a not-yet-started stream (starting it now) so its first bytes can be peeked.
 *
 * @example
 * ```ts
 * import { PeekStream } from "./peek.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const inproc = new InprocTransport(new InprocNamespace());
 * const accepted: PeekStream[] = [];
 * const listener = await inproc.listen(parseEndpoint("inproc://peek"), (s) => {
 *   accepted.push(new PeekStream(s));
 * });
 * const client = await inproc.dial(parseEndpoint("inproc://peek"));
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
 * const server = accepted[0]!;
 * assert.equal(new TextDecoder().decode(await server.peek(3)).slice(0, 3), "GET");
 * server.consume(4); // drop "GET "
 * const got: string[] = [];
 * server.start({ data: (c) => got.push(new TextDecoder().decode(c)), drain() {}, end() {} });
 * await new Promise((r) => setTimeout(r, 0));
 * assert.deepEqual(got, ["/ HTTP/1.1\r\n"]);
 * client.close();
 * listener.close();
 * ```
 */
export class PeekStream implements ByteStream {
  #raw: ByteStream;
  #handler: StreamHandler | undefined;
  #buffer: Uint8Array[] = NONE; // replaced, never mutated, while empty
  #buffered = 0;
  #endError: Error | undefined;
  // Five flags in one number (idle streams are what servers hold most of): ENDED, DELIVERED
  // (the end was passed on), USER_PAUSED, BUFFER_PAUSED, SCHEDULED; read with #is.
  #flags = 0;
  #waiters: (() => void)[] | undefined;

  /** The raw stream's handler: one small object per stream rather than three closures. */
  static #Wiring = class implements StreamHandler {
    readonly p: PeekStream;
    constructor(p: PeekStream) {
      this.p = p;
    }
    data(chunk: Uint8Array): void {
      this.p.#data(chunk);
    }
    drain(): void {
      this.p.#handler?.drain();
    }
    end(error?: Error): void {
      this.p.#end(error);
    }
  };

  /** Starts `raw` (which must not have been started) and buffers its data. */
  constructor(raw: ByteStream) {
    this.#raw = raw;
    raw.start(new PeekStream.#Wiring(this));
  }

  /** The underlying stream's local address. */
  get localAddress(): string {
    return this.#raw.localAddress;
  }

  /** The underlying stream's remote address. */
  get remoteAddress(): string {
    return this.#raw.remoteAddress;
  }

  /** The underlying stream's `closed`. */
  get closed(): Promise<void> {
    return this.#raw.closed;
  }

  /** The bytes buffered and not yet consumed (before `start`). */
  get buffered(): number {
    return this.#buffered;
  }

  /** Whether the underlying stream has ended. */
  get ended(): boolean {
    return this.#is(ENDED);
  }

  /**
   * Waits until at least `n` bytes are buffered or the stream ends, then returns all
   * buffered bytes (joined, not consumed; possibly fewer than `n` after the end).
   */
  async peek(n = 1): Promise<Uint8Array> {
    while (this.#buffered < n && !this.#is(ENDED)) await this.more();
    return this.#joined();
  }

  /** Resolves at the next arrival of data or the end (not when already ended). */
  more(): Promise<void> {
    if (this.#is(ENDED)) return Promise.resolve();
    const resumed = this.#is(BUFFER_PAUSED);
    if (resumed) {
      // The reader asked for more: lift the buffer's pause (it wants to look further).
      this.#flags &= ~BUFFER_PAUSED;
      if (!this.#is(USER_PAUSED)) this.#raw.resume();
    }
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Drops the first `n` buffered bytes (the part a handshake has used). */
  consume(n: number): void {
    const joined = this.#joined();
    const rest = joined.subarray(Math.min(n, joined.length));
    this.#buffer = rest.length > 0 ? [rest] : NONE;
    this.#buffered = rest.length;
  }

  start(handler: StreamHandler): void {
    this.#handler = handler;
    this.#schedule();
  }

  write(bytes: Uint8Array): boolean {
    return this.#raw.write(bytes);
  }

  /**
   * The stream writes go to (writes pass straight through; only reads are buffered): a layer
   * above may write there itself and skip this hop (a broadcast writes once per connection).
   */
  get writer(): ByteStream {
    return this.#raw;
  }

  pause(): void {
    this.#flags |= USER_PAUSED;
    this.#raw.pause();
  }

  resume(): void {
    if (!this.#is(USER_PAUSED)) return;
    this.#flags &= ~USER_PAUSED;
    if (!this.#is(BUFFER_PAUSED)) this.#raw.resume();
    this.#schedule();
  }

  close(lingerMs?: number): void {
    this.#raw.close(lingerMs);
  }

  #is(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  #joined(): Uint8Array {
    if (this.#buffer.length > 1) {
      const out = new Uint8Array(this.#buffered);
      let at = 0;
      for (const c of this.#buffer) {
        out.set(c, at);
        at += c.length;
      }
      this.#buffer = [out];
    }
    return this.#buffer[0] ?? new Uint8Array(0);
  }

  #data(chunk: Uint8Array): void {
    if (this.#handler && this.#buffer.length === 0 && !this.#is(USER_PAUSED)) {
      this.#handler.data(chunk);
      return;
    }
    if (this.#buffer === NONE) this.#buffer = [];
    this.#buffer.push(chunk);
    this.#buffered += chunk.length;
    if (!this.#handler && this.#buffered > BUFFER_LIMIT && !this.#is(BUFFER_PAUSED)) {
      this.#flags |= BUFFER_PAUSED;
      this.#raw.pause();
    }
    this.#wake();
    this.#schedule();
  }

  #end(error: Error | undefined): void {
    this.#flags |= ENDED;
    this.#endError = error;
    this.#wake();
    this.#schedule();
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (!waiters) return;
    this.#waiters = undefined;
    for (const w of waiters) w();
  }

  #schedule(): void {
    if (this.#is(SCHEDULED) || !this.#handler) return;
    this.#flags |= SCHEDULED;
    queueMicrotask(() => this.#replay());
  }

  #replay(): void {
    this.#flags &= ~SCHEDULED;
    const handler = this.#handler;
    if (!handler) return;
    if (this.#is(BUFFER_PAUSED)) {
      this.#flags &= ~BUFFER_PAUSED;
      if (!this.#is(USER_PAUSED)) this.#raw.resume();
    }
    while (this.#buffer.length > 0 && !this.#is(USER_PAUSED) && !this.#is(DELIVERED)) {
      const chunk = this.#buffer.shift()!;
      this.#buffered -= chunk.length;
      handler.data(chunk);
    }
    if (this.#buffer.length === 0) this.#buffer = NONE;
    if (this.#is(ENDED) && this.#buffer.length === 0 && !this.#is(DELIVERED)) {
      this.#flags |= DELIVERED;
      handler.end(this.#endError);
    }
  }
}
