/**
 * A {@link ByteStream} over a Bun socket (tcp or unix). Bun pushes `data` callbacks and its
 * `write` may be partial; the stream keeps the rest queued and flushes it on Bun's `drain`.
 * @module
 */

import type { ByteStream, StreamHandler } from "../types.ts";
import { HIGH_WATER_BYTES, WriteQueue } from "../write_queue.ts";
import type { BunSocket, BunSocketHandler } from "./_bun_types.ts";
import { toWeftError } from "./errors.ts";
import { endSoon } from "../end_soon.ts";

/** Options of a {@link BunStream}. */
export interface BunStreamOptions {
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
 * A stream over a connected Bun socket. Create it in the socket's `open` callback and route the
 * socket's callbacks to it with {@link socketHandler}.
 *
 * Inbound back-pressure uses Bun's `socket.pause()`/`resume()` (they stop and restart reading
 * from the kernel); a chunk Bun had already read when `pause()` came is held until `resume()`.
 * Bun hands each `data` callback a freshly allocated array; {@link socketHandler} asks for plain
 * `Uint8Array`s (so `slice()` copies, as protocols expect), which the stream passes on as they
 * are.
 * A turn's first write goes to the socket at once (inside Bun's callback, the cheapest place);
 * later writes in that turn are queued and go out coalesced when it ends.
 *
 * @example
 * ```ts
 * import { BunStream, socketHandler } from "./stream.ts";
 * import { bun } from "./_bun_types.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const echo = socketHandler((socket) => {
 *     const stream = new BunStream(socket, { local: "server", remote: "client" });
 *     stream.start({ data: (b) => stream.write(b), drain() {}, end: () => stream.close() });
 *   });
 *   const server = bun().listen({ hostname: "127.0.0.1", port: 0, socket: echo });
 *   const echoed = Promise.withResolvers<string>();
 *   const client = await bun().connect({
 *     hostname: "127.0.0.1", port: server.port,
 *     socket: { data: (_s, b) => echoed.resolve(new TextDecoder().decode(b)) },
 *   });
 *   client.write(new TextEncoder().encode("ping"));
 *   assert.equal(await echoed.promise, "ping");
 *   client.end();
 *   server.stop(true);
 * }
 * ```
 */
export class BunStream implements ByteStream {
  readonly localAddress: string;
  readonly remoteAddress: string;
  #socket: BunSocket<BunStream | undefined>;
  #handler: StreamHandler | undefined;
  #held: Uint8Array[] = [];
  #paused = false;
  #queue = new WriteQueue();
  #flushScheduled = false;
  #blocked = false;
  #turn = -1; // the turn of this stream's last direct write (see `write`)
  #wantDrain = false;
  #closing = false;
  #ended = false;
  #endError: Error | undefined;
  #socketClosed = false;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #awaitPeerClose: boolean;
  #halfClosed = false;
  #resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((r) => (this.#resolveClosed = r));

  /**
   * Wraps an open socket; `addresses` are the endpoint texts shown in events and errors.
   * `options.awaitPeerClose` (unix sockets): see {@link BunStreamOptions}.
   */
  constructor(
    socket: BunSocket<BunStream | undefined>,
    addresses: { local: string; remote: string },
    options?: BunStreamOptions,
  ) {
    this.#socket = socket;
    this.#awaitPeerClose = options?.awaitPeerClose ?? false;
    this.localAddress = addresses.local;
    this.remoteAddress = addresses.remote;
    socket.data = this;
    // Nothing is delivered before start(): let the kernel hold it.
    socket.pause();
  }

  start(handler: StreamHandler): void {
    if (this.#handler) return;
    this.#handler = handler;
    if (this.#ended) return endSoon(handler, this.#endError);
    if (!this.#paused) queueMicrotask(() => this.#deliverHeld());
  }

  write(bytes: Uint8Array): boolean {
    if (this.#closing || this.#ended) return true;
    if (this.#turn !== turn.count && this.#queue.bytes === 0 && !this.#blocked) {
      // A turn's first write goes to the socket at once (a request's one answer, a broadcast's
      // one push); later writes in the turn are queued and coalesced when it ends.
      this.#turn = turn.count;
      turn.watch();
      if (this.#socketClosed) return true;
      const n = Math.max(0, this.#socket.write(bytes));
      if (n === bytes.length) return true;
      bytes = bytes.subarray(n);
      this.#blocked = true;
    }
    this.#queue.push(bytes);
    this.#scheduleFlush();
    if (this.#queue.bytes > HIGH_WATER_BYTES) {
      this.#wantDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    if (!this.#socketClosed) this.#socket.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#handler) this.#deliverHeld();
  }

  close(lingerMs?: number): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    this.#end(undefined);
    this.#held = [];
    // A lingering close of a unix socket waits for the peer to read everything and close.
    this.#awaitPeerClose &&= lingerMs !== undefined && lingerMs > 0;
    const flushing = this.#queue.bytes > 0;
    if (lingerMs === 0 || (!flushing && !this.#awaitPeerClose)) {
      this.#closeSocket(false);
      return;
    }
    if (lingerMs !== undefined && Number.isFinite(lingerMs)) {
      this.#lingerTimer = setTimeout(() => this.#closeSocket(true), lingerMs);
    }
    // Keep reading (and discarding) while flushing, so a peer flushing to us cannot stall us.
    if (!this.#socketClosed) this.#socket.resume();
    if (flushing) this.#scheduleFlush();
    else this.#written();
  }

  /** Closing, and every queued byte is written: close, or half-close and wait for the peer. */
  #written(): void {
    if (!this.#awaitPeerClose) return this.#closeSocket(false);
    if (this.#halfClosed || this.#socketClosed) return;
    this.#halfClosed = true;
    // The peer reads to the end of our bytes, sees the end and closes; Bun's `end` or `close`
    // callback (onGone) then closes the socket.
    this.#socket.shutdown();
  }

  /** Bun's `data` callback. */
  onData(bytes: Uint8Array): void {
    if (this.#closing || this.#ended) return;
    // Plain arrays come from `binaryType: "uint8array"`; a Buffer (its `slice` is a view) is
    // rewrapped. Reading a Buffer's `buffer` cost 2 % of a nano server's samples.
    const chunk = bytes.constructor === Uint8Array
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.#handler || this.#paused || this.#held.length > 0) this.#held.push(chunk);
    else this.#handler.data(chunk);
  }

  /** Bun's `drain` callback: the kernel takes writes again. */
  onDrain(): void {
    this.#blocked = false;
    this.#flush();
  }

  /** Bun's `end`, `close` and `error` callbacks: the stream is over. */
  onGone(error?: Error): void {
    const wasClosed = this.#socketClosed;
    this.#socketClosed = true;
    this.#end(error ? toWeftError(error, `the connection to ${this.remoteAddress}`) : undefined);
    if (!wasClosed) this.#closeSocket(false);
  }

  #deliverHeld(): void {
    while (this.#held.length > 0 && !this.#paused && !this.#ended) {
      this.#handler!.data(this.#held.shift()!);
    }
    if (!this.#paused && !this.#ended && !this.#socketClosed) this.#socket.resume();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#blocked) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const queue = this.#queue;
    while (!this.#blocked && !this.#socketClosed) {
      const next = queue.take();
      if (!next) break;
      const n = Math.max(0, this.#socket.write(next));
      queue.written(n);
      if (n < next.length) {
        queue.unshift(next.subarray(n));
        this.#blocked = true;
      }
    }
    if (this.#wantDrain && queue.bytes <= HIGH_WATER_BYTES / 2 && !this.#ended) {
      this.#wantDrain = false;
      this.#handler?.drain();
    }
    if (this.#closing && queue.bytes === 0) this.#written();
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    this.#handler?.end(error);
  }

  #closeSocket(abort: boolean): void {
    const wasClosed = this.#socketClosed;
    this.#socketClosed = true;
    this.#closing = true;
    clearTimeout(this.#lingerTimer);
    this.#queue.clear();
    this.#held = [];
    if (!wasClosed) {
      if (abort) this.#socket.terminate();
      else this.#socket.end();
    }
    this.#resolveClosed();
  }
}

/** The turns of the event loop as every stream sees them: one microtask per turn counts them. */
const turn = {
  count: 0,
  scheduled: false,
  watch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.count++;
    });
  },
};

/**
 * The Bun socket callbacks that route to the {@link BunStream} in `socket.data`. `onOpen` runs
 * for each new socket and must create the stream (its constructor attaches itself).
 *
 * @example
 * ```ts
 * import { BunStream, socketHandler } from "./stream.ts";
 * import { bun } from "./_bun_types.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const got = Promise.withResolvers<string>();
 *   const handler = socketHandler((socket) => {
 *     new BunStream(socket, { local: "server", remote: "client" }) // attaches itself to the socket
 *       .start({ data: (b) => got.resolve(new TextDecoder().decode(b)), drain() {}, end() {} });
 *   });
 *   const server = bun().listen({ hostname: "127.0.0.1", port: 0, socket: handler });
 *   const client = await bun().connect({
 *     hostname: "127.0.0.1", port: server.port, socket: { data() {} },
 *   });
 *   client.write(new TextEncoder().encode("hi"));
 *   assert.equal(await got.promise, "hi"); // Bun's data callback reached the stream's handler
 *   client.end();
 *   server.stop(true);
 * }
 * ```
 */
export function socketHandler(
  onOpen?: (socket: BunSocket<BunStream | undefined>) => void,
): BunSocketHandler<BunStream | undefined> {
  return {
    binaryType: "uint8array",
    open(socket) {
      onOpen?.(socket);
    },
    data(socket, data) {
      socket.data?.onData(data);
    },
    drain(socket) {
      socket.data?.onDrain();
    },
    end(socket) {
      socket.data?.onGone();
    },
    close(socket, error) {
      socket.data?.onGone(error);
    },
    error(socket, error) {
      socket.data?.onGone(error);
    },
  };
}
