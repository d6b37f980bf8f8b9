/**
 * The transport contract: a transport owns bytes, never messages. `dial` and `listen` produce
 * {@link ByteStream}s; protocols run on top of them (ZMTP, SP, pomelo). Runtime transports live
 * in `deno/` and `bun/`, the in-memory one in `inproc/`; they are chosen once, in a
 * {@link TransportRegistry}, never in a hot loop.
 *
 * Streams are push-based: the transport calls {@link StreamHandler.data} with each chunk it
 * reads. One shape serves Deno (a read loop) and Bun (socket callbacks) without a promise per
 * chunk.
 *
 * Beyond the required methods a stream may offer capabilities (optional methods) that code
 * above `src/transport/` uses without naming a concrete transport: `writeShared` for a message
 * written to many streams (see `shared_message.ts`).
 * @module
 */

import type { Endpoint } from "../core/endpoint.ts";
import type { SharedMessage } from "./shared_message.ts";

/** Callbacks a stream's owner installs with {@link ByteStream.start}. */
export interface StreamHandler {
  /**
   * A chunk of received bytes. The chunk is owned by the handler from now on: the transport
   * never reuses or mutates it, so protocols may keep subarrays of it.
   */
  data(chunk: Uint8Array): void;
  /**
   * Optional: message transports with control frames (ws) call it when a ping or pong arrives,
   * a sign of life that carries no data (heartbeats that ride on the transport's own pings).
   */
  alive?(): void;
  /** The stream can take more writes after {@link ByteStream.write} returned `false`. */
  drain(): void;
  /**
   * The stream ended: the peer closed it (`error` undefined), it failed (`error` set), or it
   * was closed locally. Called exactly once; no `data` follows.
   */
  end(error?: Error): void;
}

/** A connected, ordered, reliable byte stream. */
export interface ByteStream {
  /** The local address, e.g. `tcp://127.0.0.1:5555` (for events and logs). */
  readonly localAddress: string;
  /** The remote address, e.g. `tcp://127.0.0.1:40112`. */
  readonly remoteAddress: string;
  /**
   * `"messages"` when the transport keeps message boundaries (WebSocket): each `data` chunk is
   * one whole message and each `write` sends one, so protocols skip their own length framing.
   * Absent or `"bytes"` for plain byte streams (tcp, ipc, inproc).
   */
  readonly framing?: "bytes" | "messages";
  /** The negotiated subprotocol of a message transport (e.g. `rep.sp.nanomsg.org`). */
  readonly protocol?: string;
  /** Installs the handler and starts delivering data. Call once. */
  start(handler: StreamHandler): void;
  /**
   * Queues bytes for sending, in order, without blocking. Ownership of `bytes` passes to the
   * transport (the caller must not reuse the buffer). Returns `false` when the transport's own
   * buffer is above its limit: the caller should stop writing until `drain()`. Writes after
   * close are ignored.
   */
  write(bytes: Uint8Array): boolean;
  /**
   * Optional: writes one message that many streams share (a broadcast), as `write` would send
   * its bytes but framed once for all of them: a WebSocket server writes the message's one
   * shared frame. The message's buffers stay shared (never mutated, never reused by the
   * caller). Streams without it get `message.bytes` through `write`: callers use the
   * `writeShared(stream, message)` function of `shared_message.ts`, which picks. Returns what
   * `write` returns.
   */
  writeShared?(message: SharedMessage): boolean;
  /**
   * Optional: this end of a stream between two sockets of one process (inproc). The socket
   * core parks its pipe here; once both sides' handshakes are done, messages pass between the
   * two pipes by reference and the stream carries only the protocol's own traffic.
   */
  readonly direct?: DirectEnd | undefined;
  /**
   * Optional: message transports with control frames (ws) send a ping; the peer's pong comes
   * back as {@link StreamHandler.alive}. Absent where the transport has none (a browser's
   * WebSocket).
   */
  ping?(): void;
  /** Stops delivering data (inbound back-pressure: the kernel buffer fills, the peer slows). */
  pause(): void;
  /** Resumes delivering data after {@link ByteStream.pause}. */
  resume(): void;
  /**
   * Closes the stream after flushing queued writes (at most `lingerMs` for them; 0 discards).
   * Idempotent and synchronous; `closed` settles when the stream is fully closed.
   */
  close(lingerMs?: number): void;
  /** Settles once the stream is closed, whoever closed it. Never rejects. */
  readonly closed: Promise<void>;
}

/**
 * One end of an in-process stream's rendezvous (see {@link ByteStream.direct}): its owner (the
 * socket core's pipe) registers itself in `owner` and finds the other side's through `peer`.
 * The transport only pairs the ends; what an owner is belongs to the socket core.
 *
 * @example
 * ```ts
 * import { InprocNamespace, type DirectEnd } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const names = new InprocNamespace();
 * let server: DirectEnd | undefined;
 * names.bind("rendezvous", (stream) => (server = stream.direct));
 * const client = names.connect("rendezvous").direct!;
 * client.owner = { name: "the dialer's pipe" }; // what the socket core does on attach
 * assert.equal(server?.peer, client); // each end finds the other
 * assert.deepEqual(server?.peer.owner, { name: "the dialer's pipe" });
 * ```
 */
export interface DirectEnd {
  /** Whoever uses this end (undefined until then, or when it uses the bytes instead). */
  owner: object | undefined;
  /** The other end of the same stream. */
  readonly peer: DirectEnd;
}

/** A bound listener accepting streams. */
export interface StreamListener {
  /** The bound endpoint with the real port (e.g. `tcp://127.0.0.1:43121` after `:0`). */
  readonly endpoint: string;
  /** Stops accepting (already accepted streams live on). Idempotent. */
  close(): void;
  /** Settles once the listener is closed. */
  readonly closed: Promise<void>;
}

/**
 * TLS settings for `tls+tcp://` and `wss://`, as PEM text. A listener needs `cert` and `key`
 * (usually given once, to the TLS transport's constructor); a dialer verifies the server against
 * `caCerts` (or the runtime's roots) and the name `hostname` (default: the endpoint's host).
 */
export interface TlsOptions {
  /** The server's certificate chain, PEM (listeners). */
  readonly cert?: string;
  /** The server's private key, PEM (listeners). */
  readonly key?: string;
  /** Certificates to trust as roots, PEM each (dialers). */
  readonly caCerts?: readonly string[];
  /** The name to verify and send as SNI (dialers; default: the endpoint's host). */
  readonly hostname?: string;
  /** Accept any server certificate (dialers; tests only). Not every runtime supports it. */
  readonly insecure?: boolean;
}

/** Options passed to {@link Transport.dial}. */
export interface DialOptions {
  /** Give up connecting after this many milliseconds (0 = the OS default). */
  readonly connectTimeoutMs?: number;
  /** Subprotocols to offer, best first (message transports such as ws). */
  readonly protocols?: readonly string[];
  /** Message transports (ws): what a text message gets; see {@link TextMessages}. */
  readonly textMessages?: TextMessages;
  /** TLS settings for this dial (TLS transports; they override the transport's own). */
  readonly tls?: TlsOptions;
  /** Message transports (ws): largest message accepted, in bytes. */
  readonly maxMessageSize?: number;
  /**
   * Message transports (ws): outgoing messages above this many bytes go as several frames;
   * `Infinity` never fragments (ZWS: libzmq refuses fragmented messages).
   */
  readonly fragmentSize?: number;
}

/**
 * What a message transport does with a text message: `"deliver"` its UTF-8 bytes like a binary
 * one (the default), or `"refuse"` it by closing the connection with WebSocket status 1003
 * (unsupported data), as nng does for SP, which is binary only.
 *
 * @example
 * ```ts
 * import { runtimeTransports, type TextMessages } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const textMessages: TextMessages = "refuse"; // binary only, as SP over ws
 * const ws = runtimeTransports().get("ws")!;
 * const endpoint = { url: "ws://127.0.0.1:0/", scheme: "ws", host: "127.0.0.1", port: 0, path: "/" };
 * const handler = { data() {}, drain() {}, end() {} };
 * const listener = await ws.listen(endpoint, (stream) => stream.start(handler), { textMessages });
 * const client = new WebSocket(listener.endpoint);
 * client.onopen = () => client.send("hello"); // a text message
 * const code = await new Promise((resolve) => (client.onclose = (e) => resolve(e.code)));
 * assert.equal(code, 1003); // closed: unsupported data
 * listener.close();
 * await listener.closed;
 * ```
 */
export type TextMessages = "deliver" | "refuse";

/** Options passed to {@link Transport.listen}. */
export interface ListenOptions {
  /** Listen backlog hint. */
  readonly backlog?: number;
  /**
   * Bind with SO_REUSEPORT (tcp; Linux and the BSDs), so several processes can listen on one
   * port and the kernel spreads new connections among them. Bun and `node:net` (Deno's and
   * Bun's) take it as is; Deno's native listener needs `--unstable-net` and is refused with
   * `ENOTSUP` without it. Default false: a second bind to the port fails with `EADDRINUSE`.
   */
  readonly reusePort?: boolean;
  /**
   * Message transports (ws): picks the subprotocol from those the client offered, or returns
   * `undefined` to refuse the connection (as nng refuses a wrong SP subprotocol).
   */
  readonly selectProtocol?: (offered: readonly string[]) => string | undefined;
  /** Largest message a message transport accepts, in bytes. */
  readonly maxMessageSize?: number;
  /** Message transports (ws): as {@link DialOptions.fragmentSize}. */
  readonly fragmentSize?: number;
  /** Message transports (ws): what a text message gets; see {@link TextMessages}. */
  readonly textMessages?: TextMessages;
  /**
   * Called when the transport turns a connection away before handing it over (ws: an upgrade
   * answered 400/404/431, or one that ended or timed out), with why and who it was
   * (e.g. `ws://127.0.0.1:51234`). Accepted connections never reach it.
   */
  readonly onRefused?: (reason: string, remoteAddress: string) => void;
  /** TLS settings for this listener (TLS transports; they override the transport's own). */
  readonly tls?: TlsOptions;
  /**
   * Called when the listener cannot accept, e.g. the process ran out of file descriptors
   * (EMFILE, ENFILE), with the runtime's error. The listener keeps its address, retries with
   * back-off (10 ms doubling to 1 s) and serves again once descriptors are free; accepted
   * streams are not affected.
   */
  readonly onError?: (error: Error) => void;
}

/** One transport (scheme) implementation. */
export interface Transport {
  /** The URL scheme it serves: `tcp`, `ipc`, `inproc`, `ws`, … */
  readonly scheme: string;
  /**
   * Connects to the endpoint. Rejects with a `WeftError` (`ECONNREFUSED`, `ETIMEDOUT`,
   * `EINVAL`…) on failure; the caller retries with back-off.
   */
  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream>;
  /**
   * Binds and starts accepting; each accepted stream is passed to `accept`. Rejects with a
   * `WeftError` (`EADDRINUSE`, `EINVAL`…) when binding fails.
   */
  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener>;
}

/** The transports a socket may use, by scheme. Built once and passed in (no global registry). */
export interface TransportRegistry {
  /** The transport for a scheme, or `undefined` when none is registered. */
  get(scheme: string): Transport | undefined;
  /** The schemes on offer (for error messages). */
  schemes(): string[];
}

// ---- one port, several protocols ----

/**
 * A plain HTTP request a {@link FrontDoor}'s `http` handler gets (the head only; bodies are not
 * read).
 *
 * @example
 * ```ts
 * import { App, type HttpRequest } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const http = (req: HttpRequest) => ({ status: 200, body: `${req.method} ${req.path}` });
 * await using app = new App({ port: 0, host: "127.0.0.1", http }); // plain HTTP on the same port
 * const { port } = await app.listen();
 * const res = await fetch(`http://127.0.0.1:${port}/status?verbose=1`);
 * assert.equal(await res.text(), "GET /status");
 * ```
 */
export interface HttpRequest {
  /** `GET`, `HEAD`, … */
  readonly method: string;
  /** The path without the query, e.g. `/index.html`. */
  readonly path: string;
  /** The full request target, e.g. `/index.html?v=2`. */
  readonly target: string;
  /** Headers by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
}

/**
 * The answer of an `http` handler. `Content-Length` and `Connection: close` are added (one
 * request per connection).
 *
 * @example
 * ```ts
 * import { App, type HttpResponse } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const notFound = (): HttpResponse => ({ status: 404, headers: { "x-app": "demo" }, body: "no" });
 * await using app = new App({ port: 0, host: "127.0.0.1", http: notFound });
 * const { port } = await app.listen();
 * const res = await fetch(`http://127.0.0.1:${port}/`);
 * assert.equal(res.status, 404);
 * assert.equal(res.headers.get("x-app"), "demo");
 * await res.body?.cancel();
 * ```
 */
export interface HttpResponse {
  /** The status code. */
  readonly status: number;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body (a string is sent as UTF-8). */
  readonly body?: Uint8Array | string;
}

/**
 * Serves plain HTTP requests on a {@link FrontDoor}'s port (no Deno/Bun APIs needed: read files
 * with your runtime and return the bytes).
 *
 * @example
 * ```ts
 * import { App, type HttpHandler } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const http: HttpHandler = (req) =>
 *   req.path === "/" ? { status: 200, body: "hello" } : { status: 404, body: "not found" };
 * await using app = new App({ port: 0, host: "127.0.0.1", http });
 * const { port } = await app.listen();
 * const res = await fetch(`http://127.0.0.1:${port}/`);
 * assert.equal(await res.text(), "hello");
 * ```
 */
export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Options of a {@link FrontDoor}: what it serves besides the raw stream. */
export interface FrontDoorOptions {
  /** Accepts or refuses a WebSocket by its `Origin` header (refused: HTTP 404). */
  readonly checkOrigin?: (origin: string | undefined, request: HttpRequest) => boolean;
  /** Serve WebSocket only at this path (default: any path). */
  readonly wsPath?: string;
  /** The plain HTTP handler (without one, plain requests get 400). */
  readonly http?: HttpHandler;
  /** Largest WebSocket message accepted. */
  readonly maxMessageSize: number;
  /** Where `http` handler failures are logged (`console` fits). */
  readonly logger: { error(...args: unknown[]): void };
}

/** What a {@link FrontDoor} found: the stream to run the app's protocol on, and its kind. */
export interface Sniffed {
  /** The raw stream (peeked bytes included) or the WebSocket message stream. */
  readonly stream: ByteStream;
  /** `tcp` for the raw byte stream (whatever its scheme), `ws` for WebSocket. */
  readonly transport: "tcp" | "ws";
}

/**
 * Decides what an accepted, not yet started stream carries on a port that serves several
 * protocols: raw bytes, a WebSocket upgrade, or a plain HTTP request (answered by `http`).
 * Resolves the stream to serve, or `undefined` when there is none (HTTP answered, upgrade
 * refused, stream ended); never rejects. The WebSocket transport has one (`ws/front_door.ts`);
 * an app is given it by its entry file, so the app never names a concrete transport.
 *
 * @example
 * ```ts
 * import type { FrontDoor } from "./types.ts";
 * import assert from "node:assert/strict";
 * // A door for a port that only ever carries raw bytes.
 * const rawOnly: FrontDoor = (raw) => Promise.resolve({ stream: raw, transport: "tcp" });
 * const stream = { remoteAddress: "tcp://127.0.0.1:1" } as Parameters<FrontDoor>[0];
 * assert.equal((await rawOnly(stream, { maxMessageSize: 0, logger: console }))?.stream, stream);
 * ```
 */
export type FrontDoor = (
  raw: ByteStream,
  options: FrontDoorOptions,
) => Promise<Sniffed | undefined>;
