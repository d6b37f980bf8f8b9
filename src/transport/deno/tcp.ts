/**
 * `tcp://host:port` on Deno: `Deno.connect` / `Deno.listen`, TCP_NODELAY on, IPv4 and IPv6
 * (`tcp://[::1]:port`), `*` for every interface and port 0 for an ephemeral port.
 * @module
 */

import { bindHost, type Endpoint, formatEndpoint } from "../../core/endpoint.ts";
import { connectTimeoutError, undialable } from "../dial_errors.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
} from "../types.ts";
import { toWeftError } from "./errors.ts";
import { acceptLoop } from "./listener.ts";
import { reusePortOption } from "./reuse_port.ts";
import { DenoStream } from "./stream.ts";

function address(addr: Deno.Addr): string {
  return addr.transport === "tcp" || addr.transport === "udp"
    ? formatEndpoint("tcp", addr.hostname, addr.port)
    : `tcp://${addr.transport}`;
}

function wrap(conn: Deno.TcpConn): DenoStream {
  conn.setNoDelay(true);
  return new DenoStream(conn, address);
}

/**
 * The tcp transport for Deno.
 *
 * @example
 * ```ts
 * import { DenoTcpTransport } from "./tcp.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const tcp = new DenoTcpTransport();
 * const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => s.close());
 * assert.match(listener.endpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
 * const client = await tcp.dial(parseEndpoint(listener.endpoint));
 * const ended = new Promise<void>((resolve) =>
 *   client.start({ data() {}, drain() {}, end: () => resolve() })
 * );
 * await ended; // the server closed it
 * listener.close();
 * await Promise.all([client.closed, listener.closed]);
 * ```
 */
export class DenoTcpTransport implements Transport {
  readonly scheme = "tcp";

  async dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const refused = undialable(endpoint);
    if (refused) throw refused;
    const timeoutMs = options?.connectTimeoutMs ?? 0;
    const abort = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    try {
      return wrap(
        await Deno.connect({
          hostname: endpoint.host,
          port: endpoint.port,
          transport: "tcp",
          signal: abort.signal,
        }),
      );
    } catch (error) {
      if (abort.signal.aborted) throw connectTimeoutError(endpoint.url, timeoutMs, error);
      throw toWeftError(error, `connect to ${endpoint.url}`);
    } finally {
      clearTimeout(timer);
    }
  }

  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({
        hostname: bindHost(endpoint.host),
        port: endpoint.port,
        ...reusePortOption(options, endpoint.url),
      });
    } catch (error) {
      return Promise.reject(toWeftError(error, `bind to ${endpoint.url}`));
    }
    const bound = formatEndpoint("tcp", listener.addr.hostname, listener.addr.port);
    return Promise.resolve(
      acceptLoop(listener, bound, {
        onConn: (conn) => accept(wrap(conn as Deno.TcpConn)),
        ...(options?.onError ? { onError: options.onError } : {}),
      }),
    );
  }
}
