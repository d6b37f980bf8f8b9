/**
 * A {@link ByteStream} over a `node:net` socket. Deno and Bun both implement `node:net`; on Deno
 * its `write` goes to the kernel at once (Deno's own `conn.write` is an async op that runs later),
 * which makes a write to each of many connections — a nano broadcast — about half as costly.
 * @module
 */

import type { Socket } from "node:net";
import { formatEndpoint } from "../../core/endpoint.ts";
import type { ByteStream, StreamHandler } from "../types.ts";
import { HIGH_WATER_BYTES } from "../write_queue.ts";
import { posixToWeftError as toWeftError } from "../posix_errors.ts";
import { endSoon } from "../end_soon.ts";

/**
 * The turns of the event loop as every stream sees them: one microtask per turn (for all streams,
 * not one per stream) counts the turn and uncorks the sockets corked in it.
 */
const turn = {
  count: 0,
  scheduled: false,
  corked: [] as Socket[],
  watch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(endTurn);
  },
};

function endTurn(): void {
  turn.scheduled = false;
  turn.count++;
  const corked = turn.corked;
  if (corked.length === 0) return;
  turn.corked = [];
  for (const s of corked) s.uncork();
}

/**
 * A stream over a connected `node:net` socket.
 *
 * The socket must be paused when handed over (`pauseOnConnect` on a server, `pause()` right after
 * `connect`): nothing is delivered before {@link NodeNetStream.start}. A turn's first write goes
 * to the socket at once; later writes in that turn are corked and go out together when it ends;
 * the socket keeps what the kernel did not take,
 * and `write` returns `false` once that is above 1 MiB, with `drain()` when it has gone out.
 *
 * @example
 * ```ts
 * import { NodeNetStream } from "./stream.ts";
 * import net from "node:net";
 * import assert from "node:assert/strict";
 * const server = net.createServer({ pauseOnConnect: true });
 * await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
 * const { port } = server.address() as net.AddressInfo;
 * const accepted = new Promise<NodeNetStream>((r) =>
 *   server.once("connection", (s) => r(new NodeNetStream(s)))
 * );
 * const socket = net.connect(port, "127.0.0.1");
 * socket.pause();
 * const client = new NodeNetStream(socket);
 * const got = new Promise<string>(async (resolve) =>
 *   (await accepted).start({ data: (c) => resolve(new TextDecoder().decode(c)), drain() {}, end() {} })
 * );
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new TextEncoder().encode("hi"));
 * assert.equal(await got, "hi");
 * client.close();
 * (await accepted).close();
 * server.close();
 * await client.closed;
 * ```
 */
export class NodeNetStream implements ByteStream {
  #socket: Socket;
  #handler: StreamHandler | undefined;
  #wantDrain = false;
  #turn = -1; // the turn of this stream's last write (see `write`)
  #closing = false;
  #ended = false;
  #endError: Error | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #addresses: { local: string; remote: string } | undefined;
  #resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((r) => (this.#resolveClosed = r));

  /** Wraps a connected, paused socket (TCP_NODELAY is turned on here). */
  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("error", (error) => {
      this.#end(toWeftError(error, `the connection to ${this.remoteAddress}`));
    });
    socket.on("end", () => this.#end(undefined)); // the peer's FIN: node:net ends ours too
    socket.on("close", () => {
      clearTimeout(this.#lingerTimer);
      this.#end(undefined);
      this.#resolveClosed();
    });
    socket.on("drain", () => {
      if (this.#wantDrain && !this.#ended) {
        this.#wantDrain = false;
        this.#handler?.drain();
      }
    });
  }

  get localAddress(): string {
    return this.#addressed().local;
  }

  get remoteAddress(): string {
    return this.#addressed().remote;
  }

  start(handler: StreamHandler): void {
    if (this.#handler) return;
    this.#handler = handler;
    if (this.#ended) return endSoon(handler, this.#endError);
    this.#socket.on("data", (chunk: Uint8Array) => {
      // node:net hands each read a fresh buffer: pass a plain view, no copy.
      if (!this.#ended) handler.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    this.#socket.resume();
  }

  write(bytes: Uint8Array): boolean {
    if (this.#closing || this.#ended) return true;
    const socket = this.#socket;
    if (this.#turn !== turn.count) {
      // A turn's first write goes to the socket at once (a request's one answer, a broadcast's
      // one push: nothing to coalesce, so no cork, buffering and uncork to pay for).
      this.#turn = turn.count;
      turn.watch();
    } else if (socket.writableCorked === 0) {
      // More writes in the same turn go out together when it ends (one writev), as on the other
      // transports; a synchronous loop of writes fills our 1 MiB, not the kernel's buffers.
      socket.cork();
      turn.corked.push(socket);
    }
    socket.write(bytes);
    if (socket.writableLength > HIGH_WATER_BYTES) {
      // node:net has its own (lower) mark passed, so it will say "drain" once it is empty.
      this.#wantDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    if (!this.#closing) this.#socket.pause();
  }

  resume(): void {
    if (!this.#closing && this.#handler) this.#socket.resume();
  }

  close(lingerMs?: number): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    this.#addressed(); // keep the addresses for events after the socket is gone
    this.#end(undefined);
    const socket = this.#socket;
    if (lingerMs === 0 || socket.writableLength === 0) {
      socket.destroy();
      return;
    }
    if (lingerMs !== undefined && Number.isFinite(lingerMs)) {
      this.#lingerTimer = setTimeout(() => socket.destroy(), lingerMs);
    }
    // Keep reading (and discarding) while flushing, so a peer flushing to us cannot stall us.
    socket.resume();
    socket.end(() => socket.destroy());
  }

  #addressed(): { local: string; remote: string } {
    if (!this.#addresses) {
      const s = this.#socket;
      if (s.remoteAddress === undefined) return { local: "tcp://?", remote: "tcp://?" };
      this.#addresses = {
        local: formatEndpoint("tcp", s.localAddress ?? "?", s.localPort ?? 0),
        remote: formatEndpoint("tcp", s.remoteAddress, s.remotePort ?? 0),
      };
    }
    return this.#addresses;
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#addressed();
    this.#ended = true;
    this.#endError = error;
    this.#handler?.end(error);
    if (!this.#closing) {
      this.#closing = true;
      this.#socket.destroy();
    }
  }
}
