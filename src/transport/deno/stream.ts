/**
 * A {@link ByteStream} over a `Deno.Conn` (tcp or unix): a read loop that pushes owned chunks,
 * and an ordered write queue that coalesces bursts and handles partial writes.
 * @module
 */

import type { ByteStream, StreamHandler } from "../types.ts";
import { HIGH_WATER_BYTES, WriteQueue } from "../write_queue.ts";
import { isClosedLocally, toWeftError } from "./errors.ts";
import { endSoon } from "../end_soon.ts";

/**
 * Reads land in slabs of at most this size; each chunk is a fresh view, never overwritten.
 * Measured: 256 KiB reads give about twice the throughput of 64 KiB ones (fewer read ops).
 */
const SLAB_BYTES = 256 * 1024;

/**
 * A connection's first slab. Idle connections (most of a server's) keep one pending read on
 * their slab, so it is small; reads that fill a slab make the next one 4× bigger (and a slab
 * of small reads the next one 4× smaller).
 */
const FIRST_SLAB_BYTES = 4 * 1024;

/** When less than this (or a quarter of the slab size) is left, the next read starts a new slab. */
const SLAB_MIN_TAIL = 8 * 1024;

const EMPTY = new Uint8Array(0);

/** Options of a {@link DenoStream}. */
export interface DenoStreamOptions {
  /**
   * Unix sockets: a lingering close (`close(lingerMs)` with `lingerMs` > 0) writes the queue
   * out, shuts down the write side and closes only once the peer has closed (its end of
   * stream) or the linger ran out. Closing a unix socket at once raises a hang-up on the peer
   * even while our last bytes sit unread in its receive queue, and libzmq (4.3) then drops
   * those bytes when its receive high-water mark had stopped it reading; a half-close only
   * tells it the stream ends after them. Tcp needs none of this: a FIN is no hang-up.
   */
  readonly awaitPeerClose?: boolean;
}

/**
 * A stream over a connected `Deno.Conn`.
 *
 * Inbound chunks are views into slabs that are filled front to back and then dropped, so a chunk
 * is never reused after hand-off and no read copies (a chunk may keep its slab alive). Slabs
 * start at 4 KiB and grow to 256 KiB while reads fill them, so idle connections stay small.
 * Outbound writes are queued and flushed on a microtask, so writes made in one turn go out as
 * one system call.
 *
 * @example
 * ```ts
 * import { DenoStream } from "./stream.ts";
 * import assert from "node:assert/strict";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept();
 * const client = new DenoStream(
 *   await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
 *   { local: "tcp://client", remote: "tcp://server" },
 * );
 * const server = new DenoStream(await accepted, { local: "tcp://server", remote: "tcp://client" });
 * const got = new Promise<string>((resolve) =>
 *   server.start({ data: (c) => resolve(new TextDecoder().decode(c)), drain() {}, end() {} })
 * );
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new TextEncoder().encode("hi"));
 * assert.equal(await got, "hi");
 * client.close();
 * server.close();
 * listener.close();
 * await Promise.all([client.closed, server.closed]);
 * ```
 */
export class DenoStream implements ByteStream {
  #conn: Deno.Conn;
  #addresses: { local: string; remote: string } | ((addr: Deno.Addr) => string);
  #handler: StreamHandler | undefined;
  // Made by the first write and kept: remaking it per write was a few hundred bytes of garbage
  // per message (minor GCs); an empty queue holds a small slot array only.
  #queue: WriteQueue | undefined;
  #paused = false;
  // reading (callbacks rather than an async loop: a suspended loop costs an idle connection
  // a generator, its registers and an await's closures)
  #free: Uint8Array = EMPTY; // the unfilled rest of the slab: where the next read lands
  #biggest = 0; // the largest read into this slab
  #held: Uint8Array | undefined; // read while paused: delivered on resume
  #reading = false; // a read op is pending
  #readNext = false; // the next read waits for resume()
  #onRead = (n: unknown) => this.#afterRead(n); // a count, null at the end, or an error
  #writing = false; // a write op is pending (or the flush is between two)
  #inFlight: Uint8Array | undefined; // the buffer being written
  #inFlightAt = 0; // how much of it is written
  #flushScheduled = false;
  #wantDrain = false;
  #closing = false;
  #ended = false;
  #endError: Error | undefined;
  #connClosed = false;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #awaitPeerClose: boolean;
  #halfClosed = false;
  #settled = false;
  #closed: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * Wraps a connected conn. `addresses` are the endpoint texts shown in events and errors, or
   * a function that formats the conn's addresses when they are asked for (idle connections
   * then hold no address strings). `options.awaitPeerClose` (unix sockets): see
   * {@link DenoStreamOptions}.
   */
  constructor(
    conn: Deno.Conn,
    addresses: { local: string; remote: string } | ((addr: Deno.Addr) => string),
    options?: DenoStreamOptions,
  ) {
    this.#conn = conn;
    this.#addresses = addresses;
    this.#awaitPeerClose = options?.awaitPeerClose ?? false;
  }

  get localAddress(): string {
    const a = this.#addresses;
    return typeof a === "function" ? a(this.#conn.localAddr) : a.local;
  }

  get remoteAddress(): string {
    const a = this.#addresses;
    return typeof a === "function" ? a(this.#conn.remoteAddr) : a.remote;
  }

  /** Settles once the conn is closed and no read or write op is pending (made on first use). */
  get closed(): Promise<void> {
    if (!this.#closed) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#closed = { promise, resolve };
      if (this.#settled) resolve();
    }
    return this.#closed.promise;
  }

  start(handler: StreamHandler): void {
    if (this.#handler) return;
    this.#handler = handler;
    if (this.#ended) return endSoon(handler, this.#endError);
    this.#free = new Uint8Array(FIRST_SLAB_BYTES);
    this.#read();
  }

  write(bytes: Uint8Array): boolean {
    if (this.#closing || this.#ended) return true;
    const queue = this.#queue ??= new WriteQueue();
    queue.push(bytes);
    this.#scheduleFlush();
    if (queue.bytes > HIGH_WATER_BYTES) {
      this.#wantDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    // Later, as a woken loop would: the caller may be inside its own data handler.
    if (this.#held || this.#readNext) queueMicrotask(() => this.#continue());
  }

  close(lingerMs?: number): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    this.#end(undefined);
    // A lingering close of a unix socket waits for the peer to read everything and close.
    this.#awaitPeerClose &&= lingerMs !== undefined && lingerMs > 0 && !!this.#handler;
    const flushing = !!this.#queue?.bytes || this.#writing;
    if (lingerMs === 0 || (!flushing && !this.#awaitPeerClose)) {
      this.#closeConn();
      return;
    }
    // Keep reading (and discarding) while flushing, so a peer that is also flushing to us
    // cannot deadlock the two of us until the linger runs out.
    if (lingerMs !== undefined && Number.isFinite(lingerMs)) {
      this.#lingerTimer = setTimeout(() => this.#closeConn(), lingerMs);
    }
    this.#held = undefined; // dropped: the handler has ended
    this.#read(); // even when paused
    if (flushing) this.#scheduleFlush();
    else this.#written();
  }

  /** Closing, and every queued byte is written: close, or half-close and wait for the peer. */
  #written(): void {
    if (!this.#awaitPeerClose) return this.#closeConn();
    if (this.#halfClosed || this.#connClosed) return;
    this.#halfClosed = true;
    try {
      // The peer reads to the end of our bytes, sees the end and closes; its close ends our
      // read loop (#afterRead), which closes the conn.
      this.#conn.closeWrite();
    } catch {
      this.#closeConn(); // the conn is already gone
    }
  }

  /** Starts the next read, unless one is pending, the user paused, or the conn is gone. */
  #read(): void {
    if (this.#reading || this.#connClosed || !this.#handler) return;
    if (this.#paused && !this.#closing) {
      this.#readNext = true;
      return;
    }
    this.#readNext = false;
    this.#reading = true;
    this.#conn.read(this.#free).then(this.#onRead, this.#onRead);
  }

  #afterRead(n: unknown): void {
    this.#reading = false;
    if (typeof n !== "number" && n !== null) return this.#readFailed(n);
    if (this.#connClosed) return this.#settle();
    if (n === null) return this.#fail(undefined);
    if (this.#closing) return this.#read(); // discarding while lingering; the space is reused
    const free = this.#free;
    const chunk = free.subarray(0, n);
    this.#free = free.subarray(n);
    if (n > this.#biggest) this.#biggest = n;
    const size = free.buffer.byteLength;
    if (free.length - n < Math.min(SLAB_MIN_TAIL, size >> 2)) {
      // Reads that filled most of a slab want a bigger one; a slab of small reads, a smaller
      // one (a burst is over: an idle connection should not keep 256 KiB).
      const next = this.#biggest > size >> 1
        ? Math.min(SLAB_BYTES, size * 4)
        : this.#biggest < size >> 4
        ? Math.max(FIRST_SLAB_BYTES, size >> 2)
        : size;
      this.#free = new Uint8Array(next);
      this.#biggest = 0;
    }
    // A read that completed after pause() waits for resume() before delivery.
    if (this.#paused) {
      this.#held = chunk;
      return;
    }
    this.#deliver(chunk);
  }

  #deliver(chunk: Uint8Array): void {
    if (!this.#ended) this.#handler!.data(chunk);
    this.#read();
  }

  /** After resume(): delivers what was held back and reads on. */
  #continue(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held && !this.#paused) this.#deliver(held);
    else if (held) this.#held = held; // paused again before this ran
    else this.#read();
  }

  #readFailed(error: unknown): void {
    if (!this.#connClosed && !isClosedLocally(error)) {
      this.#fail(toWeftError(error, `reading from ${this.remoteAddress}`));
    }
    this.#settle();
  }

  #scheduleFlush(): void {
    if (this.#writing || this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flushTask);
  }

  // The write loop runs on bound callbacks rather than an async function: per write that saves
  // the function's promise and suspended frame, and a closure per flush (fewer minor GCs, so
  // fewer round trips that meet one).
  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    if (this.#writing || this.#connClosed) return;
    this.#writing = true;
    this.#writeNext();
  };
  // a count, or an error
  readonly #onWrite = (n: unknown): void =>
    typeof n === "number" ? this.#afterWrite(n) : this.#writeFailed(n);

  /** Writes the queue's next buffer, or ends the flush once it is empty or the conn gone. */
  #writeNext(): void {
    const next = this.#connClosed ? undefined : this.#queue!.take();
    if (!next) return this.#flushDone();
    this.#inFlight = next;
    this.#inFlightAt = 0;
    this.#writeSome();
  }

  /** One write op for what is left of the buffer in flight (writes may be partial). */
  #writeSome(): void {
    const bytes = this.#inFlight!;
    const at = this.#inFlightAt;
    let op: Promise<number>;
    try {
      op = this.#conn.write(at === 0 ? bytes : bytes.subarray(at));
    } catch (error) {
      return this.#writeFailed(error);
    }
    op.then(this.#onWrite, this.#onWrite);
  }

  #afterWrite(n: number): void {
    if (this.#connClosed) return this.#flushDone();
    const bytes = this.#inFlight!;
    this.#inFlightAt += n;
    if (this.#inFlightAt < bytes.length) return this.#writeSome();
    this.#inFlight = undefined;
    const queue = this.#queue!;
    queue.written(bytes.length);
    if (this.#wantDrain && queue.bytes <= HIGH_WATER_BYTES / 2 && !this.#ended) {
      this.#wantDrain = false;
      this.#handler?.drain();
    }
    this.#writeNext();
  }

  #writeFailed(error: unknown): void {
    if (!this.#connClosed && !isClosedLocally(error)) {
      this.#fail(toWeftError(error, `writing to ${this.remoteAddress}`));
    }
    this.#flushDone();
  }

  /** The flush is over (written out, failed or closed): what follows it is done here. */
  #flushDone(): void {
    const queue = this.#queue!;
    this.#writing = false;
    this.#inFlight = undefined;
    if (this.#closing && queue.bytes === 0) this.#written();
    else if (!queue.empty) this.#scheduleFlush();
    this.#settle();
  }

  /** Calls `end` once, whoever ended the stream. */
  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    this.#handler?.end(error);
  }

  #fail(error: Error | undefined): void {
    this.#end(error);
    this.#closeConn();
  }

  #closeConn(): void {
    if (this.#connClosed) return;
    this.#connClosed = true;
    this.#closing = true;
    clearTimeout(this.#lingerTimer);
    this.#queue?.clear();
    try {
      this.#conn.close();
    } catch {
      // already closed by the runtime
    }
    this.#held = undefined;
    this.#settle();
  }

  /** `closed` settles once the conn is closed and no read or write op is still pending. */
  #settle(): void {
    if (this.#settled || !this.#connClosed || this.#reading || this.#writing) return;
    this.#settled = true;
    this.#closed?.resolve();
  }
}
