/**
 * Socket monitor events, delivered as an async iterable (`for await (const e of sock.events)`)
 * and to listeners (`sock.events.on("disconnect", fn)`). Bounded: when nobody consumes, the
 * oldest buffered events are dropped, so an unread event stream never grows memory.
 * @module
 */

import { Fifo } from "./fifo.ts";

/** The kinds of monitor event, named as zeromq.js names them. */
export type SocketEventType =
  | "bind"
  | "bind:error"
  | "accept"
  | "accept:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "connect:error"
  | "disconnect"
  | "handshake"
  | "handshake:error"
  | "close";

/** One monitor event. */
export interface SocketEvent {
  /** What happened. */
  readonly type: SocketEventType;
  /** The endpoint it concerns (as bound/connected, with the real port once known). */
  readonly endpoint: string;
  /** The remote address, when a connection is involved. */
  readonly remoteAddress?: string;
  /** For errors and disconnects: why, in words (e.g. "heartbeat timeout"). */
  readonly reason?: string;
  /** For errors: a `WeftError` code such as `EPROTO`. */
  readonly code?: string;
  /** For `connect:retry`: the delay before the next attempt, in ms. */
  readonly interval?: number;
  /** For `handshake`: the peer's socket type / protocol. */
  readonly peer?: string;
}

const BUFFER_LIMIT = 1024;

/**
 * An event stream: push with {@link EventStream.emit}; consume by iterating or with `on`.
 *
 * @example
 * ```ts
 * import { Pull } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * const seen: string[] = [];
 * pull.events.on("bind", (e) => seen.push(e.endpoint)); // a socket's EventStream
 * await pull.bind("inproc://event-stream-doc");
 * assert.deepEqual(seen, ["inproc://event-stream-doc"]);
 * ```
 */
export class EventStream implements AsyncIterable<SocketEvent> {
  #buffer = new Fifo<SocketEvent>();
  #waiters = new Fifo<(r: IteratorResult<SocketEvent>) => void>();
  #listeners = new Map<string, Set<(event: SocketEvent) => void>>();
  #ended = false;

  /** Calls `fn` for each event of `type` (or every event for `"*"`); returns an unsubscribe. */
  on(type: SocketEventType | "*", fn: (event: SocketEvent) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Records an event (ignored after {@link EventStream.end}). Listener errors are swallowed. */
  emit(event: SocketEvent): void {
    if (this.#ended) return;
    for (const key of [event.type, "*"]) {
      for (const fn of this.#listeners.get(key) ?? []) {
        try {
          fn(event);
        } catch {
          // A listener's bug must not break the socket.
        }
      }
    }
    const waiter = this.#waiters.shift();
    if (waiter) return waiter({ value: event, done: false });
    if (this.#buffer.length >= BUFFER_LIMIT) this.#buffer.shift();
    this.#buffer.push(event);
  }

  /** Ends the stream: iterators finish after the buffered events. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (let w = this.#waiters.shift(); w; w = this.#waiters.shift()) {
      w({ value: undefined, done: true });
    }
  }

  /** The next event, or `undefined` once the stream has ended. */
  next(): Promise<SocketEvent | undefined> {
    const event = this.#buffer.shift();
    if (event) return Promise.resolve(event);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) =>
      this.#waiters.push((r) => resolve(r.done ? undefined : r.value))
    );
  }

  /** Yields each event in order until the stream ends (see {@link EventStream.next}). */
  async *[Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    for (let e = await this.next(); e; e = await this.next()) yield e;
  }
}
