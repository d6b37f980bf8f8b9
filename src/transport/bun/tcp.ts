/**
 * `tcp://host:port` on Bun: `Bun.connect` / `Bun.listen`, TCP_NODELAY on, IPv4 and IPv6
 * (`tcp://[::1]:port`), `*` for every interface and port 0 for an ephemeral port.
 * @module
 */

import { type Endpoint, formatEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
} from "../types.ts";
import { bun, type BunSocket } from "./_bun_types.ts";
import { dialSocket } from "./connect.ts";
import { toWeftError } from "./errors.ts";
import { watchedListener } from "./listener.ts";
import { BunStream, socketHandler } from "./stream.ts";

function wrap(socket: BunSocket<BunStream | undefined>): BunStream {
  socket.setNoDelay(true);
  return new BunStream(socket, {
    local: formatEndpoint("tcp", socket.localAddress ?? "", socket.localPort ?? 0),
    remote: formatEndpoint("tcp", socket.remoteAddress ?? "", socket.remotePort ?? 0),
  });
}

/**
 * The tcp transport for Bun.
 *
 * @example
 * ```ts
 * import { BunTcpTransport } from "./tcp.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new BunTcpTransport().scheme, "tcp");
 * ```
 */
export class BunTcpTransport implements Transport {
  readonly scheme = "tcp";

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    if (endpoint.port === 0 || endpoint.host === "*") {
      return Promise.reject(
        new WeftError("EINVAL", `expected a host and port to connect to, got ${endpoint.url}`),
      );
    }
    return dialSocket(
      (socket) => bun().connect({ hostname: endpoint.host, port: endpoint.port, socket }),
      wrap,
      { url: endpoint.url, timeoutMs: options?.connectTimeoutMs ?? 0 },
    );
  }

  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    const hostname = endpoint.host === "*" ? "0.0.0.0" : endpoint.host;
    const socket = socketHandler((socket) => accept(wrap(socket)));
    try {
      return Promise.resolve(watchedListener(
        (port) => bun().listen({ hostname, port, socket }),
        endpoint.port,
        (listener) => formatEndpoint("tcp", listener.hostname, listener.port),
        options?.onError ? { onError: options.onError } : {},
      ));
    } catch (error) {
      return Promise.reject(toWeftError(error, `bind to ${endpoint.url}`));
    }
  }
}
