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
  /** Fire and forget. */
  publish(subject: string, data: Uint8Array): void;
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

class NatsBus implements Bus {
  #nc: NatsConnection;
  #reconnectHooks: (() => void)[] = [];
  #disconnectHooks: (() => void)[] = [];

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

  publish(subject: string, data: Uint8Array): void {
    if (this.#nc.isClosed() || this.#nc.isDraining()) return;
    this.#nc.publish(subject, data);
  }

  subscribe(
    subject: string,
    fn: (data: Uint8Array, reply: ((data: Uint8Array) => void) | undefined) => void,
  ): () => void {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const reply = msg.reply ? (data: Uint8Array) => void msg.respond(data) : undefined;
        fn(msg.data, reply);
      },
    });
    return () => sub.unsubscribe();
  }

  async request(subject: string, data: Uint8Array, timeout: number): Promise<Uint8Array> {
    try {
      const m = await this.#nc.request(subject, data, { timeout });
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

  onReconnect(fn: () => void): void {
    this.#reconnectHooks.push(fn);
  }

  onDisconnect(fn: () => void): void {
    this.#disconnectHooks.push(fn);
  }

  async drain(): Promise<void> {
    if (this.#nc.isClosed()) return;
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}

function isTimeout(e: RequestError): boolean {
  return e.cause instanceof TimeoutError;
}
