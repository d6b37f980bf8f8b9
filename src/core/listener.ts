/**
 * Listeners: the endpoints a socket is bound to. Each accepts connections and gives every one
 * its own pipe, which ends with its connection; `unbind` and `close` stop the listener and drop
 * its pipes.
 * @module
 */

import { WeftError } from "./errors.ts";
import type { SocketEvent } from "./events.ts";
import type { Pipe } from "./pipe.ts";
import type { CoreOptions } from "./options.ts";
import type { Route } from "./route.ts";
import type { ByteStream, ListenOptions, StreamListener } from "../transport/types.ts";

/** What the listeners need from their socket. */
export interface ListenerHost {
  /** Whether the socket is closed (late connections are then turned away). */
  readonly isClosed: boolean;
  /** The socket's options (`maxConnections` is read at each accept). */
  readonly options: Readonly<Pick<CoreOptions, "maxConnections">>;
  /** Options for each listener (message transports: which subprotocol to accept). */
  listenOptions(): ListenOptions;
  /** A listener is up on `endpoint` (the real address, e.g. with the port chosen). */
  bound(endpoint: string): void;
  /** Makes the pipe for a connection accepted on `endpoint`. */
  acceptedPipe(endpoint: string): Pipe;
  /** Forgets a pipe (its listener stopped). */
  dropPipe(pipe: Pipe): void;
  /** Records a monitor event. */
  emit(event: SocketEvent): void;
}

interface Binding {
  readonly url: string;
  readonly listener: StreamListener;
  readonly pipes: Set<Pipe>;
  /** Connections accepted here whose stream is still open (what `maxConnections` counts). */
  open: number;
}

/**
 * A socket's bound endpoints (see the module doc).
 *
 * @example
 * ```ts
 * import { Push } from "../zmq.ts";
 * import assert from "node:assert/strict";
 * await using push = new Push();
 * await push.bind("tcp://127.0.0.1:0"); // a listener, on a port the system picks
 * assert.match(push.lastEndpoint ?? "", /^tcp:\/\/127\.0\.0\.1:\d+$/);
 * await push.unbind(push.lastEndpoint!);
 * ```
 */
export class Listeners {
  readonly #host: ListenerHost;
  readonly #bindings = new Map<string, Binding>();

  /** The listeners of `host`. */
  constructor(host: ListenerHost) {
    this.#host = host;
  }

  /** Listens on `url`; resolves once listening (the host hears the real endpoint first). */
  async bind(url: string, route: Route): Promise<void> {
    const host = this.#host;
    let listener: StreamListener;
    const options = host.listenOptions();
    try {
      listener = await route.transport.listen(route.endpoint, (stream) => {
        if (host.isClosed) return stream.close(0);
        const binding = this.#bindings.get(listener.endpoint);
        if (binding && !this.#admit(binding, listener.endpoint, stream)) return;
        const pipe = host.acceptedPipe(listener.endpoint);
        binding?.pipes.add(pipe);
        host.emit({
          type: "accept",
          endpoint: listener.endpoint,
          remoteAddress: stream.remoteAddress,
        });
        pipe.attachStream(stream, true);
      }, {
        ...options,
        // Accept failures (out of file descriptors…): the transport retries with back-off; the
        // user hears of each as an event, as with a refused connection.
        onError: (error) => {
          options.onError?.(error);
          host.emit({
            type: "accept:error",
            endpoint: listener?.endpoint ?? url,
            reason: `cannot accept (${error.message}); retrying with back-off`,
            code: (error as { code?: string }).code ?? "EIO",
          });
        },
        // Connections the transport turned away (ws: a refused upgrade) become events.
        onRefused: (reason, remoteAddress) => {
          options.onRefused?.(reason, remoteAddress);
          host.emit({
            type: "accept:error",
            endpoint: listener?.endpoint ?? url,
            remoteAddress,
            reason,
            code: "EPROTO",
          });
        },
      });
    } catch (error) {
      host.emit({ type: "bind:error", endpoint: url, reason: String(error) });
      throw error;
    }
    if (host.isClosed) {
      listener.close();
      throw new WeftError("ECLOSED", `bind ${url}: the socket was closed meanwhile`);
    }
    this.#bindings.set(listener.endpoint, { url, listener, pipes: new Set(), open: 0 });
    host.bound(listener.endpoint);
    host.emit({ type: "bind", endpoint: listener.endpoint });
  }

  /**
   * Counts a new connection against `maxConnections`, or refuses it (closed at once, an
   * `accept:error` event naming the limit); the others are untouched.
   */
  #admit(binding: Binding, endpoint: string, stream: ByteStream): boolean {
    const max = this.#host.options.maxConnections;
    if (max > 0 && binding.open >= max) {
      stream.close(0);
      this.#host.emit({
        type: "accept:error",
        endpoint,
        remoteAddress: stream.remoteAddress,
        reason: `maxConnections (${max}) reached on this listener: connection refused`,
        code: "ECONNREFUSED",
      });
      return false;
    }
    binding.open++;
    void stream.closed.then(() => binding.open--);
    return true;
  }

  /** Stops listening on `url` (as bound, or as reported) and drops its connections. */
  unbind(url: string): Promise<void> {
    for (const [key, binding] of this.#bindings) {
      if (key !== url && binding.url !== url) continue;
      this.#bindings.delete(key);
      binding.listener.close();
      for (const pipe of binding.pipes) {
        pipe.close(0);
        this.#host.dropPipe(pipe);
      }
      return binding.listener.closed;
    }
    return Promise.reject(new WeftError("EINVAL", `unbind: not bound to ${url}`));
  }

  /** Forgets a pipe that ended. */
  forget(pipe: Pipe): void {
    for (const binding of this.#bindings.values()) binding.pipes.delete(pipe);
  }

  /** Stops every listener; the promises settle once each has let go of its address. */
  closeAll(): Promise<void>[] {
    const released: Promise<void>[] = [];
    for (const binding of this.#bindings.values()) {
      binding.listener.close();
      released.push(binding.listener.closed);
    }
    this.#bindings.clear();
    return released;
  }
}
