/**
 * The pomelo/nano client: requests with ids and timeouts, notifies, pushes, kick, and optional
 * reconnect with back-off and a fresh handshake. The wire protocol (framing, the handshake with
 * the server's route dictionary, heartbeats and their timeout) is the pure
 * `PomeloClientSession` of src/protocol/pomelo/; this file runs one per connection, feeds it
 * the bytes and ticks it from one timer set to its next deadline. Browser-safe: bytes come from
 * a {@link Connector} (WebSocket by default).
 * @module
 */

import { type ErrorCode, WeftError } from "../../core/errors.ts";
import {
  type PomeloClientEvents,
  PomeloClientSession,
  type PomeloClientSessionOptions,
} from "../../protocol/pomelo/client_session.ts";
import { type ClientConnection, type Connector, websocketConnector } from "./connector.ts";
import { checkClientOptions, checkRequestOptions } from "./options.ts";
import type { ClientOptions, ReconnectOptions, RequestOptions } from "./options.ts";
import { PendingRequests } from "./pending.ts";
import { ServerError } from "./server_error.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * What the server said in its handshake response.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect, type HandshakeInfo } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1", dictionary: { "room.join": 1 } });
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * const info: HandshakeInfo = client.handshake!; // what the server answered
 * assert.equal(info.heartbeatMs, 30_000);
 * assert.deepEqual(info.dict, { "room.join": 1 });
 * client.close();
 * ```
 */
export interface HandshakeInfo {
  /** Heartbeat interval in ms (`sys.heartbeat` × 1000; 0 = no heartbeats). */
  readonly heartbeatMs: number;
  /** The route dictionary `{ route: code }` (empty when the server sent none). */
  readonly dict: Readonly<Record<string, number>>;
  /** The whole `sys` object of the response. */
  readonly sys: Readonly<Record<string, unknown>>;
  /** The response's `user` object, if any. */
  readonly user: unknown;
}

/** Client states: connecting (first time), open, reconnecting, closed. */
export type ClientState = "connecting" | "open" | "reconnecting" | "closed";

/**
 * A push handler: the decoded body and the route it came on.
 *
 * @example
 * ```ts
 * import type { PushHandler } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const handler: PushHandler = (_body, route) => seen.push(route);
 * handler({}, "onChat");
 * assert.deepEqual(seen, ["onChat"]);
 * ```
 */
export type PushHandler = (body: unknown, route: string) => void;

/** One connection attempt and, once handshaken, its session. */
interface Link {
  readonly session: PomeloClientSession;
  conn: ClientConnection | undefined;
  dead: boolean;
  /** The server's kick reason, once kicked. */
  kicked: string | undefined;
  /** Settle the handshake (set until it is done or failed). */
  handshaken: ((info: HandshakeInfo) => void) | undefined;
  failed: ((error: Error) => void) | undefined;
  /** The timer that ticks the session at its next deadline, and when it fires. */
  timer: ReturnType<typeof setTimeout> | undefined;
  timerAt: number;
}

function report(error: unknown): void {
  // A throwing user handler must not break the connection: surface it like an event listener's.
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (g.reportError) g.reportError(error);
  else {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function encodeBody(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return utf8.encode(JSON.stringify(data ?? {}));
}

function decodeBody(body: Uint8Array): unknown {
  if (body.length === 0) return undefined;
  return JSON.parse(fromUtf8.decode(body));
}

/**
 * A connected pomelo/nano client; make one with {@link connect}.
 *
 * Errors are `WeftError`s: `ETIMEDOUT` (request, handshake or heartbeat), `ECLOSED` (closed,
 * kicked, connection lost), `EPROTO` (bad bytes or a refused handshake), `EINVAL` (bad route);
 * a request the server answers with an error response rejects with {@link ServerError}.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { Client } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("echo.say", (_session, body: unknown) => body);
 * const { port } = await app.listen();
 * const client = new Client(`ws://127.0.0.1:${port}/`);
 * await client.start(); // connect() does both steps
 * assert.deepEqual(await client.request("echo.say", { hi: 1 }), { hi: 1 });
 * client.close();
 * await client.closed;
 * ```
 */
export class Client {
  #url: string;
  #connector: Connector;
  #session: PomeloClientSessionOptions;
  #requestTimeoutMs: number;
  #reconnect: Required<ReconnectOptions> | undefined;
  #state: ClientState = "connecting";
  #link: Link | undefined;
  #info: HandshakeInfo | undefined;
  #pending = new PendingRequests();
  /** Sends waiting for the (re)connection, in call order. */
  #queue: Array<() => void> = [];
  #handlers = new Map<string, Set<PushHandler>>();
  #kickHandlers = new Set<(reason: string) => void>();
  #closeHandlers = new Set<(error?: Error) => void>();
  #disconnectHandlers = new Set<(error: Error) => void>();
  #reconnectHandlers = new Set<(attempt: number) => void>();
  #retry: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  #closeError: Error | undefined;
  #resolveClosed!: () => void;
  /** Settles once the client is closed for good (by close(), a kick, or a failed reconnect). */
  readonly closed: Promise<void> = new Promise((resolve) => (this.#resolveClosed = resolve));

  /** @internal use {@link connect}; the client starts closed until `#start` runs. */
  constructor(url: string, options: ClientOptions = {}) {
    checkClientOptions(options);
    this.#url = url;
    this.#connector = options.connector ?? websocketConnector;
    this.#session = {
      sys: options.sys,
      user: options.user,
      handshakeTimeout: options.handshakeTimeoutMs,
      maxBody: options.maxBody,
    };
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const r = options.reconnect;
    this.#reconnect = r
      ? {
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        maxAttempts: Infinity,
        ...(r === true ? {} : r),
      }
      : undefined;
  }

  /** The URL this client connects to. */
  get url(): string {
    return this.#url;
  }

  /** connecting, open, reconnecting or closed. */
  get state(): ClientState {
    return this.#state;
  }

  /** The last successful handshake response (undefined before the first). */
  get handshake(): HandshakeInfo | undefined {
    return this.#info;
  }

  /** Why the client closed (undefined while open, or after a plain close()). */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** @internal opens the first connection; {@link connect} calls it. */
  async start(): Promise<void> {
    try {
      await this.#open();
    } catch (e) {
      this.#finish(e as Error);
      throw e;
    }
    this.#state = "open";
    this.#flush();
  }

  /**
   * Sends a request and resolves with the decoded response body. `data` is sent as JSON (a
   * `Uint8Array` is sent as is). While reconnecting, the request waits for the new session.
   */
  request<T = unknown>(route: string, data?: unknown, options?: RequestOptions): Promise<T> {
    if (this.#state === "closed") return Promise.reject(this.#closedError("request " + route));
    if (options !== undefined) {
      try {
        checkRequestOptions(options);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    let body: Uint8Array;
    try {
      body = encodeBody(data);
    } catch (e) {
      return Promise.reject(new WeftError("EINVAL", `request ${route}: ${e}`, { cause: e }));
    }
    const { id, promise } = this.#pending.add<T>(
      route,
      options?.timeoutMs ?? this.#requestTimeoutMs,
    );
    this.#send(() => {
      const pending = this.#pending.get(id);
      if (!pending) return; // timed out while waiting
      try {
        this.#link!.session.request(id, route, body);
        pending.sent = true;
      } catch (e) {
        this.#pending.take(id)!.reject(e as Error);
      }
    });
    return promise;
  }

  /**
   * Sends a notify (no response). Throws `ECLOSED` once closed and `EINVAL` for a bad route;
   * while reconnecting it waits for the new session.
   */
  notify(route: string, data?: unknown): void {
    if (this.#state === "closed") throw this.#closedError("notify " + route);
    const body = encodeBody(data);
    const send = () => this.#link!.session.notify(route, body);
    if (this.#state === "open") send();
    else {
      this.#queue.push(() => {
        try {
          send();
        } catch (e) {
          report(e);
        }
      });
    }
  }

  /** Calls `handler` for every push on `route`; returns a function that removes it. */
  on(route: string, handler: PushHandler): () => void {
    let set = this.#handlers.get(route);
    if (!set) this.#handlers.set(route, set = new Set());
    set.add(handler);
    return () => this.off(route, handler);
  }

  /** Removes one push handler, or every handler of `route` when `handler` is omitted. */
  off(route: string, handler?: PushHandler): void {
    if (handler === undefined) this.#handlers.delete(route);
    else this.#handlers.get(route)?.delete(handler);
  }

  /** Calls `handler` with the server's reason when it kicks this client (the client closes). */
  onKick(handler: (reason: string) => void): () => void {
    this.#kickHandlers.add(handler);
    return () => this.#kickHandlers.delete(handler);
  }

  /** Calls `handler` once when the client closes for good (`error` unset after close()). */
  onClose(handler: (error?: Error) => void): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  /** Calls `handler` when the connection is lost and the client starts reconnecting. */
  onDisconnect(handler: (error: Error) => void): () => void {
    this.#disconnectHandlers.add(handler);
    return () => this.#disconnectHandlers.delete(handler);
  }

  /** Calls `handler` after a successful reconnect and handshake (`attempt` counts from 1). */
  onReconnect(handler: (attempt: number) => void): () => void {
    this.#reconnectHandlers.add(handler);
    return () => this.#reconnectHandlers.delete(handler);
  }

  /** Closes the client: pending requests reject with `ECLOSED`. Idempotent. */
  close(): void {
    this.#finish(undefined);
  }

  /** For `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.closed;
  }

  #closedError(what: string): WeftError {
    const why = this.#closeError ? `: ${this.#closeError.message}` : "";
    return new WeftError("ECLOSED", `${what}: the client is closed${why}`, {
      cause: this.#closeError,
    });
  }

  #send(fn: () => void): void {
    if (this.#state === "open") fn();
    else this.#queue.push(fn);
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const fn of queue) {
      if (this.#state !== "open") {
        this.#queue.push(fn);
        continue;
      }
      fn();
    }
  }

  /** Opens a connection and runs the handshake; resolves when the session is working. */
  #open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const link: Link = {
        session: new PomeloClientSession(
          this.#sessionEvents(() => link),
          this.#session,
          Date.now(),
        ),
        conn: undefined,
        dead: false,
        kicked: undefined,
        handshaken: (info) => {
          link.failed = link.handshaken = undefined;
          this.#info = info;
          resolve();
        },
        failed: (error) => {
          link.failed = link.handshaken = undefined;
          this.#drop(link);
          reject(error);
        },
        timer: undefined,
        timerAt: Infinity,
      };
      this.#link = link;
      this.#arm(link); // the handshake timeout
      this.#connector(this.#url, {
        data: (chunk) => {
          if (link.dead) return;
          link.session.feed(chunk, Date.now());
          this.#arm(link);
        },
        close: (error) => this.#ended(link, error),
      }).then(
        (conn) => {
          if (link.dead) {
            conn.close();
            return;
          }
          link.conn = conn;
          link.session.open();
        },
        (e) => link.failed?.(e instanceof WeftError ? e : new WeftError("ECONNREFUSED", String(e))),
      );
    });
  }

  /** What a link's session reports, handled for that link. */
  #sessionEvents(link: () => Link): PomeloClientEvents {
    return {
      write: (bytes) => link().conn?.send(bytes),
      ready: ({ heartbeatMs, dict, sys, user }) => {
        link().handshaken?.({ heartbeatMs, dict, sys, user });
      },
      response: (id, body, isError) => this.#response(id, body, isError),
      push: (route, body) => this.#push(route, body),
      kick: (reason) => {
        link().kicked = reason;
        for (const h of this.#kickHandlers) call(() => h(reason));
      },
      close: (reason, code) => this.#sessionClosed(link(), reason, code),
    };
  }

  /** Keeps one timer per link, due at the session's next deadline (or sooner). */
  #arm(link: Link): void {
    const at = link.dead ? undefined : link.session.nextDeadline();
    if (at === undefined) {
      if (link.timer !== undefined) clearTimeout(link.timer);
      link.timer = undefined;
      return;
    }
    // A timer that fires early only ticks for nothing and re-arms: received bytes, which move
    // the deadline later, cost no timer churn.
    if (link.timer !== undefined && link.timerAt <= at) return;
    if (link.timer !== undefined) clearTimeout(link.timer);
    link.timerAt = at;
    link.timer = setTimeout(() => {
      link.timer = undefined;
      link.session.tick(Date.now());
      this.#arm(link);
    }, Math.max(at - Date.now(), 0));
  }

  /** Tears a link down (timer, session, connection); idempotent. */
  #drop(link: Link): void {
    if (link.dead) return;
    link.dead = true;
    if (link.timer !== undefined) clearTimeout(link.timer);
    link.timer = undefined;
    link.session.close();
    link.conn?.close();
  }

  #ended(link: Link, error?: Error): void {
    if (link.dead) return;
    this.#failed(
      link,
      error ?? new WeftError("ECLOSED", `connection to ${this.#url} closed by the peer`),
    );
  }

  /** The session closed on its own: bad bytes, a timeout, or a kick. */
  #sessionClosed(link: Link, reason: string, code: ErrorCode | undefined): void {
    if (link.dead) return; // we closed it
    if (link.kicked === undefined) {
      this.#failed(link, new WeftError(code ?? "ECLOSED", `pomelo from ${this.#url}: ${reason}`));
      return;
    }
    const error = new WeftError(
      "ECLOSED",
      `kicked by the server: ${link.kicked || "(no reason)"}`,
    );
    link.failed?.(error);
    this.#finish(error); // a kick is not retried
  }

  /** A link failed: during its handshake connect (or the reconnect) fails, after it is lost. */
  #failed(link: Link, error: Error): void {
    if (link.failed) link.failed(error);
    else this.#lost(link, error);
  }

  /** The working connection failed: reject what was sent on it, then reconnect or close. */
  #lost(link: Link, error: Error): void {
    if (link.dead || link !== this.#link) return;
    this.#drop(link);
    this.#pending.rejectSent(() =>
      new WeftError("ECLOSED", `request: connection lost before the response (${error.message})`, {
        cause: error,
      })
    );
    if (this.#reconnect === undefined || this.#state === "closed") {
      this.#finish(error);
      return;
    }
    this.#state = "reconnecting";
    for (const h of this.#disconnectHandlers) call(() => h(error));
    void this.#reconnectLoop(this.#reconnect);
  }

  async #reconnectLoop(policy: Required<ReconnectOptions>): Promise<void> {
    let delay = policy.initialDelayMs;
    for (let attempt = 1; this.#state === "reconnecting"; attempt++) {
      if (attempt > policy.maxAttempts) {
        this.#finish(
          new WeftError(
            "ECLOSED",
            `reconnect to ${this.#url}: gave up after ${policy.maxAttempts} attempts`,
          ),
        );
        return;
      }
      await new Promise<void>((wake) => {
        this.#wake = wake;
        this.#retry = setTimeout(wake, delay);
      });
      this.#retry = this.#wake = undefined;
      if (this.#state !== "reconnecting") return;
      try {
        await this.#open();
      } catch (e) {
        if (e instanceof WeftError && e.code === "EPROTO") {
          this.#finish(e); // a refused handshake will not get better by retrying
          return;
        }
        delay = Math.min(delay * 2, policy.maxDelayMs);
        continue;
      }
      if (this.#state !== "reconnecting") return;
      this.#state = "open";
      for (const h of this.#reconnectHandlers) call(() => h(attempt));
      this.#flush();
      return;
    }
  }

  #finish(error: Error | undefined): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#closeError = error;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#wake?.();
    const link = this.#link;
    if (link) {
      link.failed?.(
        error ?? new WeftError("ECLOSED", "the client was closed during the handshake"),
      );
      this.#drop(link);
    }
    this.#queue = [];
    this.#pending.rejectAll(() => this.#closedError("request"));
    this.#resolveClosed();
    for (const h of this.#closeHandlers) call(() => h(error));
  }

  #response(id: number, body: Uint8Array, isError: boolean): void {
    const p = this.#pending.take(id);
    if (!p) return; // timed out already, or not ours
    let value: unknown;
    try {
      value = decodeBody(body);
    } catch {
      p.reject(new WeftError("EPROTO", `response ${id}: expected a JSON body`));
      return;
    }
    if (isError) p.reject(new ServerError(p.route, value));
    else p.resolve(value);
  }

  #push(route: string, body: Uint8Array): void {
    const handlers = this.#handlers.get(route);
    if (!handlers || handlers.size === 0) return;
    let value: unknown;
    try {
      value = decodeBody(body);
    } catch {
      report(new WeftError("EPROTO", `push ${route}: expected a JSON body`));
      return;
    }
    for (const h of [...handlers]) call(() => h(value, route));
  }
}

function call(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    report(e);
  }
}

/**
 * Connects to a pomelo/nano server and resolves once the handshake is done. Rejects with a
 * `WeftError`: `ECONNREFUSED` (no connection), `ETIMEDOUT` (no handshake in time), `EPROTO`
 * (handshake refused or garbled).
 *
 * @example
 * ```ts
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * // A connector that refuses: connect() rejects with its error.
 * await assert.rejects(
 *   connect("ws://127.0.0.1:1/", { connector: () => Promise.reject(new Error("refused")) }),
 *   { code: "ECONNREFUSED" },
 * );
 * ```
 */
export async function connect(url: string, options: ClientOptions = {}): Promise<Client> {
  const client = new Client(url, options);
  await client.start();
  return client;
}
