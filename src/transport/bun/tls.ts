/**
 * `tls+tcp://host:port` on Bun (nng's scheme name): TLS over TCP with Bun's BoringSSL, through
 * `Bun.connect` / `Bun.listen` with their `tls` option.
 *
 * Bun opens a TLS socket before its handshake (and drops writes made then), so a stream is made
 * only in the `handshake` callback: `dial` resolves once the server's certificate is verified,
 * and a listener hands on a connection once its handshake is done.
 *
 * Bun differences: `caCerts` replace Bun's bundled roots (Deno adds to its own); `insecure`
 * works (`rejectUnauthorized: false`).
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
import { bun, type BunSocket, type BunSocketHandler } from "./_bun_types.ts";
import { watchedListener } from "./listener.ts";
import { toWeftError } from "./errors.ts";
import { BunStream, socketHandler } from "./stream.ts";

const SCHEME = "tls+tcp";

type Socket = BunSocket<BunStream | undefined>;

function wrap(socket: Socket): BunStream {
  socket.setNoDelay(true);
  return new BunStream(socket, {
    local: formatEndpoint(SCHEME, socket.localAddress ?? "", socket.localPort ?? 0),
    remote: formatEndpoint(SCHEME, socket.remoteAddress ?? "", socket.remotePort ?? 0),
  });
}

/** What {@link handshakeHandler} reports for sockets that have no stream yet. */
interface HandshakeHooks {
  /** The handshake ended; `error` is Bun's verification error when `success` is false. */
  handshake(socket: Socket, success: boolean, error: Error | null): BunStream | undefined;
  /** The socket went away before it had a stream. */
  gone(socket: Socket, error?: Error): void;
  /** A new socket (listeners arm their handshake deadline here). */
  open?(socket: Socket): void;
}

/**
 * The stream callbacks of `socketHandler`, but a stream is made at the handshake, not at open.
 * Bytes that came before it (none are expected) are held and passed on.
 */
function handshakeHandler(hooks: HandshakeHooks): BunSocketHandler<BunStream | undefined> {
  const base = socketHandler();
  const early = new Map<Socket, Uint8Array[]>();
  const gone = (socket: Socket, error?: Error) => {
    early.delete(socket);
    if (socket.data) socket.data.onGone(error);
    else hooks.gone(socket, error);
  };
  return {
    ...base,
    open(socket) {
      hooks.open?.(socket);
    },
    handshake(socket, success, error) {
      const stream = hooks.handshake(socket, success, error);
      const held = early.get(socket);
      early.delete(socket);
      if (stream && held) { for (const chunk of held) stream.onData(chunk); }
    },
    data(socket, data) {
      if (socket.data) socket.data.onData(data);
      else early.set(socket, [...(early.get(socket) ?? []), data]);
    },
    end: (socket) => gone(socket),
    close: (socket, error) => gone(socket, error),
    error: (socket, error) => gone(socket, error),
  };
}

function reasonOf(error: Error | null): string {
  if (!error) return "the certificate was not accepted";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.message} (${code})` : error.message;
}

/**
 * The TLS transport for Bun. Give the server's `cert` and `key` (PEM) to the constructor to
 * listen; dials trust `caCerts` (instead of Bun's roots) or Bun's roots.
 *
 * @example
 * ```ts
 * import { BunTlsTransport } from "./tls.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const tls = new BunTlsTransport(); // no `cert`/`key`: can dial, cannot listen
 *   await assert.rejects(
 *     tls.listen(parseEndpoint("tls+tcp://127.0.0.1:0"), (s) => s.close()),
 *     { code: "EINVAL" },
 *   );
 *   await assert.rejects(tls.dial(parseEndpoint("tls+tcp://127.0.0.1:0")), { code: "EINVAL" });
 * }
 * ```
 */
export class BunTlsTransport implements Transport {
  readonly scheme = SCHEME;
  #options: TlsTransportOptions;

  /** TLS defaults for every dial and listen (credentials, trust roots, handshake deadline). */
  constructor(options: TlsTransportOptions = {}) {
    this.#options = options;
  }

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const refused = undialable(endpoint);
    if (refused) return Promise.reject(refused);
    const tls = mergeTls(this.#options, options?.tls);
    const url = endpoint.url;
    const timeoutMs = dialDeadlineMs(this.#options, options);
    return new Promise<ByteStream>((resolve, reject) => {
      let settled = false;
      let stream: BunStream | undefined;
      let socket: Socket | undefined;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
        socket?.terminate();
      };
      const timer = setTimeout(() => fail(tlsTimeoutError(url, timeoutMs)), timeoutMs);
      const handler = handshakeHandler({
        handshake: (s, success, error) => {
          if (settled) {
            s.terminate();
            return undefined;
          }
          if (!success && !tls.insecure) {
            socket = s;
            fail(tlsHandshakeError(url, reasonOf(error), error ?? undefined));
            return undefined;
          }
          settled = true;
          clearTimeout(timer);
          stream = wrap(s);
          resolve(stream);
          return stream;
        },
        gone: (_s, error) =>
          fail(
            error
              ? toWeftError(error, `connect to ${url}`)
              : new WeftError("ECLOSED", `${url} closed the connection during the TLS handshake`),
          ),
      });
      bun().connect({
        hostname: endpoint.host,
        port: endpoint.port,
        socket: handler,
        tls: {
          ...(tls.caCerts ? { ca: [...tls.caCerts] } : {}),
          ...(tls.hostname !== undefined ? { serverName: tls.hostname } : {}),
          rejectUnauthorized: !tls.insecure,
        },
      }).then(
        (s) => {
          socket = s;
          if (settled && !stream) s.terminate(); // timed out before the connect completed
        },
        (error) => fail(toWeftError(error, `connect to ${url}`)),
      );
    });
  }

  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    const timeoutMs = this.#options.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    const deadlines = new Map<Socket, ReturnType<typeof setTimeout>>();
    let closing = false;
    const settle = (socket: Socket) => {
      clearTimeout(deadlines.get(socket));
      deadlines.delete(socket);
    };
    const handler = handshakeHandler({
      open: (socket) => {
        deadlines.set(socket, setTimeout(() => socket.terminate(), timeoutMs));
      },
      handshake: (socket, success) => {
        settle(socket);
        // Without client certificates, `success` is false only when the handshake broke off.
        if (!success || closing) {
          socket.terminate();
          return undefined;
        }
        const stream = wrap(socket);
        accept(stream);
        return stream;
      },
      gone: (socket) => settle(socket),
    });
    try {
      const { cert, key } = listenerCredentials(
        mergeTls(this.#options, options?.tls),
        endpoint.url,
      );
      const hostname = bindHost(endpoint.host);
      const reusePort = options?.reusePort === true;
      return Promise.resolve(watchedListener(
        (port) => bun().listen({ hostname, port, socket: handler, tls: { cert, key }, reusePort }),
        endpoint.port,
        (listener) => formatEndpoint(SCHEME, listener.hostname, listener.port),
        {
          ...(options?.onError ? { onError: options.onError } : {}),
          onClose: () => {
            closing = true;
            // Connections still in their handshake were never handed on: close them too.
            for (const socket of [...deadlines.keys()]) {
              settle(socket);
              socket.terminate();
            }
          },
        },
      ));
    } catch (error) {
      return Promise.reject(toWeftError(error, `bind to ${endpoint.url}`));
    }
  }
}
