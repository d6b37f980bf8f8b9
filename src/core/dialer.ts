/**
 * A dialer: one `connect`ed endpoint. It dials in the background and re-dials with back-off
 * whenever the connection drops or the attempt fails, until it is stopped. Its pipe outlives
 * the connections (unless the socket is `immediate`), so messages queued while the peer is away
 * go out after the reconnect.
 * @module
 */

import { WeftError } from "./errors.ts";
import type { SocketEvent } from "./events.ts";
import type { CoreOptions } from "./options.ts";
import type { Pipe } from "./pipe.ts";
import type { Route } from "./route.ts";
import type { DialOptions } from "../transport/types.ts";

/** What a dialer needs from its socket. */
export interface DialerHost {
  /** The socket's current options (reconnect times, connect timeout). */
  readonly options: CoreOptions;
  /** Whether the socket is closed: only a lingering dialer keeps going then. */
  readonly isClosed: boolean;
  /** Extra options for each dial (message transports: the subprotocols to offer). */
  dialOptions(): DialOptions;
  /** Makes the pipe for this dialer's connections (and sets `dialer.pipe`). */
  dialerPipe(dialer: Dialer): Pipe;
  /** Forgets a pipe the dialer is done with. */
  dropPipe(pipe: Pipe): void;
  /** Records a monitor event. */
  emit(event: SocketEvent): void;
}

/**
 * One connected endpoint with its reconnect loop (see the module doc). Sockets make these in
 * `connect` and stop them in `disconnect` and `close`.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "../zmq.ts";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("inproc://dialer-doc");
 * await using push = new Push();
 * push.connect("inproc://dialer-doc"); // a Dialer now connects, and reconnects if it drops
 * await push.send("job");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "job");
 * ```
 */
export class Dialer {
  /** The endpoint as the user gave it. */
  readonly url: string;
  /** The pipe of this endpoint, once made. */
  pipe: Pipe | undefined;
  /** Still connecting after close() to deliver queued messages (linger). */
  lingering = false;
  readonly #host: DialerHost;
  readonly #route: Route;
  #delay: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** A dialer of `url` over `route` (nothing happens until {@link Dialer.dial}). */
  constructor(host: DialerHost, url: string, route: Route) {
    this.#host = host;
    this.url = url;
    this.#route = route;
    this.#delay = host.options.reconnectInterval;
  }

  /** Whether the dialer was stopped for good. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether dialing should stop: stopped, or the socket closed and not lingering. */
  get #idle(): boolean {
    return this.#stopped || (this.#host.isClosed && !this.lingering);
  }

  /** Makes one connection attempt; a failure schedules the next ({@link Dialer.retry}). */
  async dial(): Promise<void> {
    this.#timer = undefined;
    if (this.#idle) return;
    const host = this.#host;
    try {
      const timeout = host.options.connectTimeout;
      const options: DialOptions = timeout > 0
        ? { ...host.dialOptions(), connectTimeoutMs: timeout }
        : host.dialOptions();
      const stream = await this.#route.transport.dial(this.#route.endpoint, options);
      if (this.#idle) return stream.close(0);
      this.#delay = host.options.reconnectInterval;
      const pipe = this.pipe ?? host.dialerPipe(this);
      host.emit({ type: "connect", endpoint: this.url, remoteAddress: stream.remoteAddress });
      pipe.attachStream(stream, false);
    } catch (error) {
      if (this.#idle) return;
      host.emit({
        type: "connect:delay",
        endpoint: this.url,
        reason: error instanceof Error ? error.message : String(error),
        ...(error instanceof WeftError ? { code: error.code } : {}),
      });
      this.retry();
    }
  }

  /** Schedules the next attempt after the current back-off (doubling up to the cap). */
  retry(): void {
    if (this.#idle || this.#timer !== undefined) return;
    const options = this.#host.options;
    if (options.reconnectInterval < 0) return; // -1: never reconnect
    const interval = this.#delay;
    const max = options.reconnectMaxInterval;
    this.#delay = max > 0 ? Math.min(max, interval * 2) : interval;
    this.#host.emit({ type: "connect:retry", endpoint: this.url, interval });
    this.#timer = setTimeout(() => void this.dial(), interval);
  }

  /** Stops dialing; the pipe stays to the caller (close with linger). */
  halt(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Stops dialing and closes the pipe, flushing for `lingerMs`; settles once the pipe has let
   * go of its connection.
   */
  stop(lingerMs: number): Promise<void> {
    this.halt();
    const pipe = this.pipe;
    if (!pipe) return Promise.resolve();
    const released = pipe.close(lingerMs);
    this.#host.dropPipe(pipe);
    return released;
  }
}
