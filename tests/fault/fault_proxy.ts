/**
 * A loopback TCP proxy that injects faults between two peers, for tests: it listens on
 * `127.0.0.1:0`, forwards each accepted connection to a target, and applies a {@link Fault} to it
 * — writes split into 1-byte chunks, a delay per chunk, a cut (FIN) or a reset (RST) after N
 * bytes, reads stalled for T ms. Test code on `node:net`, so it runs under Deno and Bun alike.
 * @module
 */
import { connect, createServer } from "node:net";
import { setImmediate } from "node:timers";
import type { Server, Socket } from "node:net";

/** Which way a fault acts: `up` is client → target, `down` is target → client. */
export type Direction = "up" | "down" | "both";

/**
 * What happens to one proxied connection. Fields combine (1-byte chunks with a delay each, say);
 * `{}` forwards untouched.
 */
export interface Fault {
  /** Forward in pieces of this many bytes, each written and flushed on its own (1: byte by byte). */
  readonly chunkSize?: number;
  /**
   * Bytes per direction that `chunkSize` and `delayMs` apply to; after that, reads pass whole and
   * at once (so bulk tests stay quick while every handshake and the first frames still go byte by
   * byte, or late). Default: all.
   */
  readonly shapeLimit?: number;
  /** Wait this long before each piece is written (order is kept: pieces go one at a time). */
  readonly delayMs?: number;
  /** After this many bytes (counted in `direction`), close both sides with a FIN: a cut. */
  readonly cutAfter?: number;
  /** After this many bytes (counted in `direction`), close both sides with an RST: a reset. */
  readonly resetAfter?: number;
  /** Stop reading for `ms` each time another `everyBytes` (default 4096) have been forwarded. */
  readonly stall?: { readonly ms: number; readonly everyBytes?: number };
  /** Which way the fault applies and which bytes `cutAfter`/`resetAfter` count. Default both. */
  readonly direction?: Direction;
}

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where connections go. */
  readonly target: { readonly host: string; readonly port: number };
  /** The fault for each connection, or a function of its index (0 for the first accepted). */
  readonly fault?: Fault | ((index: number) => Fault);
}

/** Counters a test can read (never timed). */
export interface FaultProxyStats {
  /** Connections accepted so far. */
  accepted: number;
  /** Connections ended by a cut (`cutAfter`) or by {@link FaultProxy.cutAll}. */
  cut: number;
  /** Connections ended by a reset (`resetAfter`) or by {@link FaultProxy.resetAll}. */
  reset: number;
  /** Bytes forwarded client → target. */
  up: number;
  /** Bytes forwarded target → client. */
  down: number;
  /** Separate writes made (a 1-byte chunk is one write). */
  writes: number;
  /** Read stalls applied. */
  stalls: number;
}

/** Bytes queued in one direction before the proxy stops reading its source (back-pressure). */
const QUEUE_LIMIT = 1 << 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes, waits until the bytes were handed to the kernel, then yields one event-loop turn so the
 * reader (often in this same process) reads them before the next piece: chunks stay separate.
 */
function flushed(socket: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.write(bytes, () => setImmediate(resolve));
  });
}

/** One proxied connection: the client side, the target side and a pump for each direction. */
class Link {
  readonly #client: Socket;
  readonly #target: Socket;
  readonly #fault: Fault;
  readonly #stats: FaultProxyStats;
  readonly #onGone: () => void;
  #counted = 0;
  #gone = false;

  constructor(
    client: Socket,
    target: Socket,
    fault: Fault,
    stats: FaultProxyStats,
    onGone: () => void,
  ) {
    this.#client = client;
    this.#target = target;
    this.#fault = fault;
    this.#stats = stats;
    this.#onGone = onGone;
    let closed = 0;
    for (const s of [client, target]) {
      s.setNoDelay(true);
      // An error on one side ends both; a side that closed cleanly (FIN both ways, after the
      // pumps forwarded everything) waits for the other one.
      s.on("error", () => this.#end("destroy"));
      s.on("close", () => ++closed === 2 && this.#end("destroy"));
    }
    this.#pump(client, target, "up");
    this.#pump(target, client, "down");
  }

  /** Ends both sides: `cut` half-closes with a FIN, `reset` sends an RST, `destroy` tidies up. */
  end(how: "cut" | "reset"): void {
    this.#end(how);
  }

  #end(how: "cut" | "reset" | "destroy"): void {
    if (this.#gone) return;
    this.#gone = true;
    if (how === "cut") this.#stats.cut++;
    if (how === "reset") this.#stats.reset++;
    for (const s of [this.#client, this.#target]) {
      if (how === "reset") s.resetAndDestroy();
      else s.destroy();
    }
    this.#onGone();
  }

  #applies(dir: "up" | "down"): boolean {
    const d = this.#fault.direction ?? "both";
    return d === "both" || d === dir;
  }

  /** Moves bytes from `from` to `to` in order, one piece at a time, applying the fault. */
  #pump(from: Socket, to: Socket, dir: "up" | "down"): void {
    const queue: Uint8Array[] = [];
    let queued = 0;
    let running = false;
    let sourceEnded = false;
    let forwarded = 0; // bytes of this direction, for chunkLimit and stalls
    let nextStall = this.#fault.stall ? (this.#fault.stall.everyBytes ?? 4096) : Infinity;
    const faulty = this.#applies(dir);
    const chunkSize = faulty ? this.#fault.chunkSize : undefined;
    const shapeLimit = this.#fault.shapeLimit ?? Infinity;
    const delay = faulty ? (this.#fault.delayMs ?? 0) : 0;
    const limit = this.#fault.cutAfter ?? this.#fault.resetAfter;
    const how = this.#fault.cutAfter !== undefined ? "cut" : "reset";

    const run = async () => {
      running = true;
      while (queue.length > 0 && !this.#gone) {
        let chunk = queue.shift()!;
        queued -= chunk.length;
        if (queued < QUEUE_LIMIT && !sourceEnded) from.resume();
        if (faulty && limit !== undefined) {
          const room = limit - this.#counted;
          if (chunk.length >= room) {
            if (room > 0) await flushed(to, chunk.subarray(0, room));
            this.#stats[dir] += Math.max(room, 0);
            this.#counted = limit;
            return this.#end(how);
          }
          this.#counted += chunk.length;
        }
        while (chunk.length > 0 && !this.#gone) {
          const shaped = forwarded < shapeLimit;
          const whole = chunkSize === undefined || !shaped;
          const size = whole ? chunk.length : Math.min(chunkSize, chunk.length);
          const delayMs = shaped ? delay : 0;
          const piece = chunk.subarray(0, size);
          chunk = chunk.subarray(size);
          if (delayMs > 0) await sleep(delayMs);
          if (whole && delayMs === 0) {
            this.#stats.writes++;
            if (!to.write(piece)) await new Promise((r) => to.once("drain", r));
          } else {
            this.#stats.writes++;
            await flushed(to, piece);
          }
          this.#stats[dir] += size;
          forwarded += size;
          if (faulty && forwarded >= nextStall && this.#fault.stall) {
            nextStall = forwarded + (this.#fault.stall.everyBytes ?? 4096);
            this.#stats.stalls++;
            from.pause();
            await sleep(this.#fault.stall.ms);
            if (!sourceEnded) from.resume();
          }
        }
      }
      running = false;
      if (sourceEnded && queue.length === 0 && !this.#gone) to.end();
    };

    from.on("data", (data: Uint8Array) => {
      queue.push(new Uint8Array(data));
      queued += data.length;
      if (queued >= QUEUE_LIMIT) from.pause();
      if (!running) void run();
    });
    from.on("end", () => {
      sourceEnded = true;
      if (!running && !this.#gone) to.end();
    });
  }
}

/**
 * A fault-injecting TCP proxy on loopback. Point a dialer at {@link FaultProxy.port} instead of
 * the target; each accepted connection is forwarded with the fault chosen for it.
 *
 * @example
 * ```ts
 * import { FaultProxy } from "./fault_proxy.ts";
 * import { createServer, connect } from "node:net";
 * import type { AddressInfo } from "node:net";
 * import assert from "node:assert/strict";
 * // An echo server, reached through the proxy byte by byte.
 * const echo = createServer((s) => s.pipe(s)).listen(0, "127.0.0.1");
 * await new Promise((r) => echo.once("listening", r));
 * const { port } = echo.address() as AddressInfo;
 * const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port }, fault: { chunkSize: 1 } });
 * const client = connect(proxy.port, "127.0.0.1");
 * client.write("hello");
 * let got = "";
 * await new Promise<void>((r) => client.on("data", (d) => (got += d) === "hello" && r()));
 * assert.equal(got, "hello");
 * assert.ok(proxy.stats.writes >= 10); // 5 bytes each way, one write per byte
 * client.destroy();
 * await proxy.close();
 * echo.close();
 * ```
 */
export class FaultProxy {
  readonly #server: Server;
  readonly #options: FaultProxyOptions;
  readonly #links = new Set<Link>();
  readonly #sockets = new Set<Socket>();
  readonly #ready: Socket[] = [];
  #fault: Fault | ((index: number) => Fault);
  /** Counters: connections, bytes, writes, cuts, resets, stalls. */
  readonly stats: FaultProxyStats = {
    accepted: 0,
    cut: 0,
    reset: 0,
    up: 0,
    down: 0,
    writes: 0,
    stalls: 0,
  };
  #port = 0;

  private constructor(options: FaultProxyOptions) {
    this.#server = createServer(
      { pauseOnConnect: true, allowHalfOpen: true },
      (client) => this.#accept(client),
    );
    this.#options = options;
    this.#fault = options.fault ?? {};
  }

  /**
   * Starts a proxy on `127.0.0.1:0` in front of `options.target`.
   *
   * @example
   * ```ts
   * import { FaultProxy } from "./fault_proxy.ts";
   * import assert from "node:assert/strict";
   * const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: 9 }, fault: { resetAfter: 0 } });
   * assert.ok(proxy.port > 0);
   * await proxy.close();
   * ```
   */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once("error", reject);
      proxy.#server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = proxy.#server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    proxy.#port = address.port;
    return proxy;
  }

  /** The port the proxy listens on (127.0.0.1). */
  get port(): number {
    return this.#port;
  }

  /** The fault given to connections accepted from now on. */
  set fault(fault: Fault | ((index: number) => Fault)) {
    this.#fault = fault;
  }

  /** Connections currently forwarded. */
  get open(): number {
    return this.#links.size;
  }

  /**
   * Opens the target side of the next accepted connection now, so a refused target rejects here
   * (with the `node:net` error, `code` `ECONNREFUSED`) before the client dials the proxy: a dialer
   * wrapped this way sees the same refusals as without the proxy.
   */
  async preconnect(): Promise<void> {
    const target = await this.#dialTarget();
    this.#ready.push(target);
  }

  /** Cuts every open connection with a FIN on both sides. */
  cutAll(): void {
    for (const link of [...this.#links]) link.end("cut");
  }

  /** Resets every open connection (RST on both sides). */
  resetAll(): void {
    for (const link of [...this.#links]) link.end("reset");
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const s of [...this.#sockets, ...this.#ready]) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #dialTarget(): Promise<Socket> {
    const { host, port } = this.#options.target;
    return new Promise((resolve, reject) => {
      const target = connect({ host, port, allowHalfOpen: true });
      target.pause();
      target.once("connect", () => {
        target.off("error", reject);
        resolve(target);
      });
      target.once("error", reject);
    });
  }

  #accept(client: Socket): void {
    const index = this.stats.accepted++;
    const fault = typeof this.#fault === "function" ? this.#fault(index) : this.#fault;
    this.#sockets.add(client);
    client.on("error", () => {});
    const ready = this.#ready.shift();
    const target = ready ? Promise.resolve(ready) : this.#dialTarget();
    target.then(
      (target) => {
        this.#sockets.add(target);
        if (client.destroyed) {
          target.destroy();
          return;
        }
        let link: Link | undefined = undefined;
        link = new Link(client, target, fault, this.stats, () => {
          this.#links.delete(link!);
          this.#sockets.delete(client);
          this.#sockets.delete(target);
        });
        this.#links.add(link);
        client.resume();
        target.resume();
      },
      () => {
        // The target refused: the client sees a reset, as if nothing listened.
        this.#sockets.delete(client);
        client.resetAndDestroy();
      },
    );
  }
}
