/**
 * `tls+tcp://host:port` on Deno (nng's scheme name): TLS over TCP with Deno's rustls.
 *
 * Dialing connects with `Deno.connect` (TCP_NODELAY on) and upgrades with `Deno.startTls`, so
 * the name verified and sent as SNI (`tls.hostname`) may differ from the address dialed; the
 * handshake finishes before `dial` resolves, so an untrusted certificate fails the dial.
 * Listening uses `Deno.listenTls`; an accepted connection is handed on only after its
 * handshake, so peers that fail it never reach a protocol.
 *
 * Deno differences: `caCerts` are trusted in addition to Deno's default roots; `insecure`
 * (skip verification) is not offered per connection (only the process-wide
 * `--unsafely-ignore-certificate-errors` flag), so a dial with it fails with `ENOTSUP`; accepted
 * TLS connections cannot set TCP_NODELAY (Deno's `TlsConn` has no `setNoDelay`).
 * @module
 */

import { bindHost, type Endpoint, formatEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import { undialable } from "../dial_errors.ts";
import {
  DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
  dialDeadlineMs,
  listenerCredentials,
  mergeTls,
  tlsHandshakeError,
  tlsTimeoutError,
  type TlsTransportOptions,
} from "../tls.ts";
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

const SCHEME = "tls+tcp";

function address(addr: Deno.NetAddr): string {
  return formatEndpoint(SCHEME, addr.hostname, addr.port);
}

function wrap(conn: Deno.TlsConn): DenoStream {
  return new DenoStream(conn, address as (addr: Deno.Addr) => string);
}

/** rustls reports certificate and protocol failures as InvalidData. */
function isHandshakeFailure(error: unknown): boolean {
  return error instanceof Deno.errors.InvalidData;
}

/**
 * The TLS transport for Deno. Give the server's `cert` and `key` (PEM) to the constructor to
 * listen; dials trust `caCerts` and Deno's roots.
 *
 * @example
 * ```ts ignore
 * import { DenoTlsTransport } from "./tls.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * const server = new DenoTlsTransport({
 *   cert: Deno.readTextFileSync("cert.pem"),
 *   key: Deno.readTextFileSync("key.pem"),
 * });
 * const listener = await server.listen(parseEndpoint("tls+tcp://127.0.0.1:0"), (s) => s.close());
 * const client = new DenoTlsTransport({ caCerts: [Deno.readTextFileSync("cert.pem")] });
 * const stream = await client.dial(parseEndpoint(listener.endpoint), {
 *   tls: { hostname: "localhost" },
 * });
 * ```
 *
 * @example
 * ```ts
 * import { DenoTlsTransport } from "./tls.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const tls = new DenoTlsTransport();
 * assert.equal(tls.scheme, "tls+tcp");
 * await assert.rejects(
 *   tls.listen(parseEndpoint("tls+tcp://127.0.0.1:0"), (s) => s.close()),
 *   { code: "EINVAL" }, // no certificate and key
 * );
 * ```
 */
export class DenoTlsTransport implements Transport {
  readonly scheme = SCHEME;
  #options: TlsTransportOptions;

  /** TLS defaults for every dial and listen (credentials, trust roots, handshake deadline). */
  constructor(options: TlsTransportOptions = {}) {
    this.#options = options;
  }

  async dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const refused = undialable(endpoint);
    if (refused) throw refused;
    const tls = mergeTls(this.#options, options?.tls);
    if (tls.insecure) {
      throw new WeftError(
        "ENOTSUP",
        `expected verified TLS for ${endpoint.url}: Deno cannot skip certificate checks per ` +
          `connection (pass the server's certificate in caCerts instead)`,
      );
    }
    const timeoutMs = dialDeadlineMs(this.#options, options);
    const abort = new AbortController();
    let conn: Deno.TcpConn | Deno.TlsConn | undefined;
    const timer = setTimeout(() => {
      abort.abort();
      try {
        conn?.close(); // a handshake in progress fails at once
      } catch {
        // already closed
      }
    }, timeoutMs);
    try {
      const tcp = await Deno.connect({
        hostname: endpoint.host,
        port: endpoint.port,
        transport: "tcp",
        signal: abort.signal,
      });
      conn = tcp;
      tcp.setNoDelay(true);
      const secure = await Deno.startTls(tcp, {
        hostname: tls.hostname ?? endpoint.host,
        ...(tls.caCerts ? { caCerts: [...tls.caCerts] } : {}),
      });
      conn = secure;
      if (abort.signal.aborted) throw tlsTimeoutError(endpoint.url, timeoutMs);
      try {
        await secure.handshake();
      } catch (error) {
        if (abort.signal.aborted) throw tlsTimeoutError(endpoint.url, timeoutMs);
        if (isHandshakeFailure(error)) {
          throw tlsHandshakeError(endpoint.url, (error as Error).message, error);
        }
        throw error;
      }
      return wrap(secure);
    } catch (error) {
      try {
        conn?.close();
      } catch {
        // already closed
      }
      if (error instanceof WeftError) throw error;
      if (abort.signal.aborted) throw tlsTimeoutError(endpoint.url, timeoutMs);
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
    let listener: Deno.TlsListener;
    try {
      const { cert, key } = listenerCredentials(
        mergeTls(this.#options, options?.tls),
        endpoint.url,
      );
      listener = Deno.listenTls({
        hostname: bindHost(endpoint.host),
        port: endpoint.port,
        cert,
        key,
        ...reusePortOption(options, endpoint.url),
      });
    } catch (error) {
      return Promise.reject(toWeftError(error, `bind to ${endpoint.url}`));
    }
    const bound = formatEndpoint(SCHEME, listener.addr.hostname, listener.addr.port);
    const timeoutMs = this.#options.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    const pending = new Set<Deno.TlsConn>();
    let closing = false;
    const handle = acceptLoop(listener, bound, {
      onConn: (conn) => {
        // Handshake before handing on, without holding up the accept loop.
        const tls = conn as Deno.TlsConn;
        pending.add(tls);
        const timer = setTimeout(() => tls.close(), timeoutMs);
        tls.handshake().then(
          () => {
            clearTimeout(timer);
            pending.delete(tls);
            if (closing) tls.close();
            else accept(wrap(tls));
          },
          () => {
            // A failed or timed-out handshake: drop the connection, nothing to tell anyone.
            clearTimeout(timer);
            pending.delete(tls);
            try {
              tls.close();
            } catch {
              // closed by the timer
            }
          },
        );
      },
      ...(options?.onError ? { onError: options.onError } : {}),
    });
    return Promise.resolve({
      endpoint: handle.endpoint,
      closed: handle.closed,
      close() {
        closing = true;
        // Connections still in their handshake were never handed on: close them too.
        for (const c of pending) {
          try {
            c.close();
          } catch {
            // already closed
          }
        }
        handle.close();
      },
    });
  }
}
