/**
 * `tcp://host:port` through `node:net`, for Deno and Bun alike: TCP_NODELAY on, IPv4 and IPv6
 * (`tcp://[::1]:port`), `*` for every interface and port 0 for an ephemeral port.
 * @module
 */

import net from "node:net";
import { bindHost, type Endpoint, formatEndpoint } from "../../core/endpoint.ts";
import { connectTimeoutError, undialable } from "../dial_errors.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
} from "../types.ts";
import { posixToWeftError as toWeftError } from "../posix_errors.ts";
import { watchAccepting } from "./accept_watchdog.ts";
import { setUpSignalsEarly } from "../deno/signal_setup.ts";
import { NodeNetStream } from "./stream.ts";

/**
 * The tcp transport over `node:net`. weft/nano uses it on Deno, where its synchronous writes
 * make a broadcast to many connections about half as costly as writes on Deno's own conns (measured in
 * bench/README.md); ZeroMQ and SP sockets keep the runtime's own tcp, whose large reads suit
 * bulk streams better.
 *
 * @example
 * ```ts
 * import { NodeNetTcpTransport } from "./tcp.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const tcp = new NodeNetTcpTransport();
 * const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => s.close());
 * assert.match(listener.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
 * const client = await tcp.dial(parseEndpoint(listener.endpoint));
 * await new Promise<void>((resolve) => client.start({ data() {}, drain() {}, end: () => resolve() }));
 * listener.close();
 * await Promise.all([client.closed, listener.closed]);
 * ```
 */
export class NodeNetTcpTransport implements Transport {
  readonly scheme = "tcp";

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const refused = undialable(endpoint);
    if (refused) return Promise.reject(refused);
    const timeoutMs = options?.connectTimeoutMs ?? 0;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      socket.pause(); // nothing is delivered before start()
      const timer = timeoutMs > 0
        ? setTimeout(() => {
          socket.destroy();
          reject(connectTimeoutError(endpoint.url, timeoutMs));
        }, timeoutMs)
        : undefined;
      const failed = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(toWeftError(error, `connect to ${endpoint.url}`));
      };
      socket.once("error", failed);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.off("error", failed);
        resolve(new NodeNetStream(socket));
      });
    });
  }

  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    const host = bindHost(endpoint.host);
    setUpSignalsEarly(); // on Deno, before accepting can use up the descriptors it needs for it
    const server = net.createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once("error", (error) => reject(toWeftError(error, `bind to ${endpoint.url}`)));
      server.listen({ host, port: endpoint.port, reusePort: options?.reusePort === true }, () => {
        server.removeAllListeners("error");
        // After listening, an accept failure (e.g. out of descriptors) drops that one connection;
        // on Deno it also stops the accepting, which the watchdog re-arms.
        server.on("error", (error) => options?.onError?.(error));
        server.on("connection", (socket) => accept(new NodeNetStream(socket)));
        const stopWatching = watchAccepting(server, options?.onError);
        const bound = server.address() as net.AddressInfo;
        let resolveClosed!: () => void;
        const closed = new Promise<void>((r) => (resolveClosed = r));
        let closing = false;
        resolve({
          endpoint: formatEndpoint("tcp", bound.address, bound.port),
          closed,
          close() {
            if (closing) return;
            closing = true;
            stopWatching();
            // The listening socket closes now; node's own close callback would also wait for
            // every accepted connection, which live on here.
            server.close();
            setTimeout(resolveClosed, 0);
          },
        });
      });
    });
  }
}
