/**
 * `tcp://host:port` on Bun: `Bun.connect` / `Bun.listen`, TCP_NODELAY on, IPv4 and IPv6
 * (`tcp://[::1]:port`), `*` for every interface and port 0 for an ephemeral port.
 * @module
 */

import { bindHost, type Endpoint, formatEndpoint } from "../../core/endpoint.ts";
import { undialable } from "../dial_errors.ts";
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
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const tcp = new BunTcpTransport();
 *   const got = Promise.withResolvers<string>();
 *   const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => {
 *     s.start({ data: (b) => got.resolve(new TextDecoder().decode(b)), drain() {}, end() {} });
 *   });
 *   const client = await tcp.dial(parseEndpoint(listener.endpoint)); // the port picked for :0
 *   client.start({ data() {}, drain() {}, end() {} });
 *   client.write(new TextEncoder().encode("hi"));
 *   assert.equal(await got.promise, "hi");
 *   client.close(); // the server side ends too
 *   listener.close();
 *   await Promise.all([client.closed, listener.closed]);
 * }
 * ```
 */
export class BunTcpTransport implements Transport {
  readonly scheme = "tcp";

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const refused = undialable(endpoint);
    if (refused) return Promise.reject(refused);
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
    const hostname = bindHost(endpoint.host);
    const socket = socketHandler((socket) => accept(wrap(socket)));
    const reusePort = options?.reusePort === true;
    try {
      return Promise.resolve(watchedListener(
        (port) => bun().listen({ hostname, port, socket, reusePort }),
        endpoint.port,
        (listener) => formatEndpoint("tcp", listener.hostname, listener.port),
        options?.onError ? { onError: options.onError } : {},
      ));
    } catch (error) {
      return Promise.reject(toWeftError(error, `bind to ${endpoint.url}`));
    }
  }
}
