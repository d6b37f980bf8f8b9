/**
 * The one place the cluster touches a NATS client: connect, publish, subscribe, request. The
 * rest of src/nano/cluster/ sees only {@link Bus}, so another client (e.g. a WebSocket one on
 * Deno) can replace `@nats-io/transport-node` here without changing anything else.
 *
 * `@nats-io/transport-node` 3.4.0 runs on Bun and on Deno's `node:net` (both checked against
 * Debian's nats-server 2.9.10; see docs/cluster.md).
 * @module
 */

import { connect, type NatsConnection, RequestError, TimeoutError } from "@nats-io/transport-node";
import { WeftError } from "../../core/errors.ts";

/** What the cluster needs from a NATS connection (internal). */
export interface Bus {
  /** Fire and forget (queued until the event loop's turn ends, or {@link Bus.flush}). */
  publish(subject: string, data: Uint8Array): void;
  /** Hands everything queued to the client now (discovery: announce before saying ready). */
  flush(): void;
  /** Resolves once the server has seen everything sent so far (a NATS PING/PONG). */
  roundTrip(): Promise<void>;
  /** Calls `fn` for every message on `subject`; `reply` answers a request. Returns an unsubscriber. */
  subscribe(
    subject: string,
    fn: (data: Uint8Array, reply: ((data: Uint8Array) => void) | undefined) => void,
  ): () => void;
  /**
   * One request, one reply. Rejects with `WeftError("ETIMEDOUT")` after `timeout` ms and with
   * `WeftError("EHOSTUNREACH")` when nobody listens on `subject` (NATS "no responders").
   */
  request(subject: string, data: Uint8Array, timeout: number): Promise<Uint8Array>;
  /** Calls `fn` each time the connection is back after a loss (to announce again). */
  onReconnect(fn: () => void): void;
  /** Calls `fn` each time the connection is lost (the client is reconnecting). */
  onDisconnect(fn: () => void): void;
  /** Flushes what was published, then closes (pending requests are answered first). */
  drain(): Promise<void>;
}

/** Connects to the first reachable of `servers` (reconnects forever once connected). */
export async function connectBus(servers: readonly string[], name: string): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...servers],
      name,
      maxReconnectAttempts: -1, // a node outlives a nats-server restart (pitaya #130, PR #16)
      reconnectTimeWait: 250,
      timeout: 5000,
      // no `new Error()` per request for an async stack trace: 5–7 % of a gate's CPU on Bun;
      // weft's own ETIMEDOUT / EHOSTUNREACH errors name the subject instead
      noAsyncTraces: true,
    });
  } catch (e) {
    throw new WeftError(
      "ECONNREFUSED",
      `cluster: cannot connect to NATS at ${servers.join(", ")}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return new NatsBus(nc);
}

/**
 * Publishes and requests wait in an outbox until the event loop has handled every socket that
 * was ready (one `setImmediate`), then go to the client in one synchronous run. The client
 * writes what was queued within one microtask as one socket write, but a gate forwards each
 * client request from its own I/O callback and a backend answers each from its own promise
 * chain: unbatched, every message was its own write. On Bun each write is a send() and a
 * wake-up of nats-server (2 reads, 1 write, ~64 µs of its CPU per forwarded request, against
 * 0.15 reads and ~15 µs on Deno, whose socket writes coalesce on their own).
 */
class NatsBus implements Bus {
  #nc: NatsConnection;
  #reconnectHooks: (() => void)[] = [];
  #disconnectHooks: (() => void)[] = [];
  #outbox: (() => void)[] = [];
  #flushQueued = false;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    void this.#watch();
  }

  async #watch(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === "reconnect") { for (const fn of this.#reconnectHooks) fn(); }
      if (s.type === "disconnect") { for (const fn of this.#disconnectHooks) fn(); }
    }
  }

  /** Queues `send` for the next outbox flush. */
  #queue(send: () => void): void {
    this.#outbox.push(send);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => this.#flush());
  }

  /** Hands every queued message to the client now (it writes them as one). */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    this.#flushQueued = false;
    const sends = this.#outbox;
    if (sends.length === 0) return;
    this.#outbox = [];
    for (const send of sends) {
      try {
        send();
      } catch {
        // a closed or draining connection refuses; requests see it through their promise
      }
    }
  }

  publish(subject: string, data: Uint8Array): void {
    this.#queue(() => {
      if (this.#nc.isClosed() || this.#nc.isDraining()) return;
      this.#nc.publish(subject, data);
    });
  }

  subscribe(
    subject: string,
    fn: (data: Uint8Array, reply: ((data: Uint8Array) => void) | undefined) => void,
  ): () => void {
    this.#flush(); // what was published before subscribing goes out before the SUB
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const reply = msg.reply
          ? (data: Uint8Array) => this.#queue(() => void msg.respond(data))
          : undefined;
        fn(msg.data, reply);
      },
    });
    return () => {
      this.#flush();
      sub.unsubscribe();
    };
  }

  async request(subject: string, data: Uint8Array, timeout: number): Promise<Uint8Array> {
    try {
      const m = await new Promise<{ data: Uint8Array }>((resolve, reject) =>
        this.#queue(() => {
          try {
            this.#nc.request(subject, data, { timeout }).then(resolve, reject);
          } catch (e) {
            reject(e);
          }
        })
      );
      return m.data;
    } catch (e) {
      if (e instanceof RequestError && e.isNoResponders()) {
        throw new WeftError("EHOSTUNREACH", `no responder on ${subject}`, { cause: e });
      }
      if (e instanceof TimeoutError || (e instanceof RequestError && isTimeout(e))) {
        throw new WeftError("ETIMEDOUT", `no answer on ${subject} within ${timeout} ms`, {
          cause: e,
        });
      }
      throw new WeftError("ECLOSED", `request on ${subject} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async roundTrip(): Promise<void> {
    this.#flush();
    await this.#nc.flush();
  }

  onReconnect(fn: () => void): void {
    this.#reconnectHooks.push(fn);
  }

  onDisconnect(fn: () => void): void {
    this.#disconnectHooks.push(fn);
  }

  async drain(): Promise<void> {
    this.#flush();
    if (this.#nc.isClosed()) return;
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}

function isTimeout(e: RequestError): boolean {
  return e.cause instanceof TimeoutError;
}
