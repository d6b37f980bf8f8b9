/**
 * `ws://host[:port][/path]`: WebSocket (RFC 6455) over another transport's byte streams (tcp;
 * `wss://` over tls+tcp, with `scheme: "wss"`),
 * written here in TypeScript so one code path serves Deno and Bun and one port can carry
 * several paths. Listeners on the same host:port share one underlying listener (a registry
 * inside each {@link WsTransport}, no global state) and are told apart by path.
 * @module
 */

import { bindHost, type Endpoint, formatEndpoint, parseEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
} from "../types.ts";
import type { WsStream } from "./stream.ts";
import { upgradeClientStream, upgradeServerStream, type WsRoute } from "./upgrade.ts";

/** Options of {@link WsTransport}. */
export interface WsTransportOptions {
  /** The scheme served: `ws` (default), or `wss` over a TLS base transport (tls+tcp). */
  readonly scheme?: string;
  /** Largest message accepted by dialed streams and by default by listeners. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Outgoing messages larger than this are sent as several frames. Default 1 MiB (as nng). */
  readonly fragmentSize?: number;
  /** An opening handshake not done within this many ms is dropped. Default 10 000. */
  readonly handshakeTimeoutMs?: number;
}

/** Base schemes with real host:port addresses (the rest map `host:port` to a name: inproc). */
const NETWORK_BASES: ReadonlySet<string> = new Set(["tcp", "tls+tcp"]);

interface Route extends WsRoute {
  readonly accept: (stream: ByteStream) => void;
  readonly onRefused?: (reason: string, remoteAddress: string) => void;
}

/** One bound host:port and the paths served on it. */
interface PortShare {
  readonly listener: StreamListener;
  readonly host: string;
  readonly port: number;
  readonly routes: Map<string, Route>;
  dead: boolean;
}

/**
 * The ws transport over a base transport (tcp; inproc in tests, where `ws://name:1/path` maps
 * to `inproc://name:1`).
 *
 * @example
 * ```ts
 * import { WsTransport } from "./transport.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const ws = new WsTransport(new InprocTransport(new InprocNamespace()));
 * const got = Promise.withResolvers<string>();
 * const listener = await ws.listen(parseEndpoint("ws://demo:1/echo"), (stream) => {
 *   stream.start({ data: (m) => got.resolve(new TextDecoder().decode(m)), drain() {}, end() {} });
 * }, { selectProtocol: (offered) => offered.find((p) => p === "pair.sp.nanomsg.org") });
 * const client = await ws.dial(parseEndpoint("ws://demo:1/echo"), {
 *   protocols: ["pair.sp.nanomsg.org"],
 * });
 * assert.equal(client.framing, "messages");
 * assert.equal(client.protocol, "pair.sp.nanomsg.org");
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new TextEncoder().encode("hello"));
 * assert.equal(await got.promise, "hello");
 * client.close();
 * listener.close();
 * ```
 */
export class WsTransport implements Transport {
  /** `ws`, or what {@link WsTransportOptions.scheme} says (`wss`). */
  readonly scheme: string;
  #base: Transport;
  #options: WsTransportOptions;
  #ports = new Map<string, Promise<PortShare>>();

  /** Serves ws over `base` (the runtime's tcp transport; wss over its tls+tcp). */
  constructor(base: Transport, options: WsTransportOptions = {}) {
    this.scheme = options.scheme ?? "ws";
    this.#base = base;
    this.#options = options;
  }

  #baseEndpoint(endpoint: Endpoint): Endpoint {
    return parseEndpoint(
      NETWORK_BASES.has(this.#base.scheme)
        ? formatEndpoint(this.#base.scheme, endpoint.host, endpoint.port)
        : `${this.#base.scheme}://${endpoint.host}:${endpoint.port}`,
    );
  }

  async dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const raw = await this.#base.dial(this.#baseEndpoint(endpoint), {
      ...(options?.connectTimeoutMs !== undefined
        ? { connectTimeoutMs: options.connectTimeoutMs }
        : {}),
      ...(options?.tls ? { tls: options.tls } : {}),
    });
    const deadline = this.#handshakeDeadline(raw);
    const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
    try {
      return await upgradeClientStream(raw, {
        host: `${host}:${endpoint.port}`,
        path: endpoint.path,
        ...(options?.protocols ? { protocols: options.protocols } : {}),
        ...(options?.textMessages ? { textMessages: options.textMessages } : {}),
        ...this.#sizes(options ?? {}),
      });
    } catch (error) {
      if (deadline.expired) {
        throw new WeftError(
          "ETIMEDOUT",
          `WebSocket handshake with ${endpoint.url} did not complete within ${deadline.ms} ms`,
          { cause: error },
        );
      }
      if (error instanceof WeftError) {
        throw new WeftError(error.code, `${endpoint.url}: ${error.message}`, { cause: error });
      }
      throw error;
    } finally {
      deadline.clear();
    }
  }

  #handshakeDeadline(raw: ByteStream): HandshakeDeadline {
    return new HandshakeDeadline(raw, this.#options.handshakeTimeoutMs ?? 10_000);
  }

  #sizes(
    route: Pick<WsRoute, "maxMessageSize" | "fragmentSize">,
  ): { maxMessageSize?: number; fragmentSize?: number } {
    const max = route.maxMessageSize ?? this.#options.maxMessageSize;
    const frag = route.fragmentSize ?? this.#options.fragmentSize;
    return {
      ...(max !== undefined ? { maxMessageSize: max } : {}),
      ...(frag !== undefined ? { fragmentSize: frag } : {}),
    };
  }

  async listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    const path = endpoint.path;
    const route: Route = {
      accept,
      ...(options?.selectProtocol ? { selectProtocol: options.selectProtocol } : {}),
      ...(options?.textMessages ? { textMessages: options.textMessages } : {}),
      ...(options?.onRefused ? { onRefused: options.onRefused } : {}),
      ...this.#sizes(options ?? {}),
    };
    for (;;) {
      // A TLS base takes its settings from the first listener on a port (one certificate each).
      const share = await this.#share(endpoint, options?.tls ? { tls: options.tls } : {});
      if (share.dead) continue; // its last path closed while we waited: bind afresh
      const url = formatEndpoint(this.scheme, share.host, share.port, path);
      if (share.routes.has(path)) throw new WeftError("EADDRINUSE", `${url} is already bound`);
      share.routes.set(path, route);
      return this.#routeListener(share, path, route, url);
    }
  }

  #routeListener(share: PortShare, path: string, route: Route, url: string): StreamListener {
    const closed = Promise.withResolvers<void>();
    return {
      endpoint: url,
      closed: closed.promise,
      close: () => {
        if (share.routes.get(path) !== route) return;
        share.routes.delete(path);
        if (share.routes.size > 0) {
          closed.resolve();
          return;
        }
        share.dead = true;
        const key = `${share.host}:${share.port}`;
        this.#ports.delete(key);
        share.listener.close();
        void share.listener.closed.then(() => closed.resolve());
      },
    };
  }

  /** The shared listener for the endpoint's host:port, binding it if needed. */
  #share(endpoint: Endpoint, baseOptions: ListenOptions): Promise<PortShare> {
    const host = bindHost(endpoint.host);
    const key = `${host}:${endpoint.port}`;
    if (endpoint.port !== 0) {
      const existing = this.#ports.get(key);
      if (existing) return existing;
    }
    const routes = new Map<string, Route>();
    const bound = this.#base.listen(
      this.#baseEndpoint(endpoint),
      (raw) => this.#accept(raw, routes),
      baseOptions,
    ).then((listener) => {
      let port = endpoint.port;
      let realHost = host;
      if (NETWORK_BASES.has(this.#base.scheme)) {
        const real = parseEndpoint(listener.endpoint);
        port = real.port;
        realHost = real.host;
      }
      const share: PortShare = { listener, host: realHost, port, routes, dead: false };
      if (endpoint.port === 0) this.#ports.set(`${realHost}:${port}`, Promise.resolve(share));
      return share;
    });
    if (endpoint.port !== 0) {
      this.#ports.set(key, bound);
      bound.catch(() => {
        if (this.#ports.get(key) === bound) this.#ports.delete(key);
      });
    }
    return bound;
  }

  #accept(raw: ByteStream, routes: Map<string, Route>): void {
    const deadline = this.#handshakeDeadline(raw);
    // The route the request asked for; refusals before routing concern every path on the port.
    let asked: Route | undefined;
    upgradeServerStream(raw, {
      route: (request) => {
        const route = asked = routes.get(request.path);
        return route ? { ...route, ...this.#sizes(route) } : undefined;
      },
    }).then((ws: WsStream | undefined) => {
      deadline.clear();
      if (!ws) return;
      const route = routes.get(ws.path);
      if (route) route.accept(ws);
      else ws.close(0); // the listener closed during the handshake
    }, (error: unknown) => {
      // Refused (400/404/431) or gone: the stream is closed; bad input never reaches users,
      // only the listeners' onRefused hears why.
      deadline.clear();
      const reason = deadline.expired
        ? `expected a WebSocket upgrade within ${deadline.ms} ms`
        : error instanceof Error
        ? error.message
        : String(error);
      const from = raw.remoteAddress.replace(/^[^:]*:\/\//, `${this.scheme}://`);
      if (asked) asked.onRefused?.(reason, from);
      else for (const route of routes.values()) route.onRefused?.(reason, from);
    });
  }
}

/** A WebSocket handshake's time limit: past `ms` the raw stream closes (linger 0), `expired` set. */
class HandshakeDeadline {
  readonly ms: number;
  expired = false;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(raw: ByteStream, ms: number) {
    this.ms = ms;
    this.#timer = setTimeout(() => {
      this.expired = true;
      raw.close(0);
    }, ms);
  }

  /** The handshake finished (or failed): no more limit. */
  clear(): void {
    clearTimeout(this.#timer);
  }
}
