/**
 * The opening handshake over a byte stream, both sides: {@link upgradeServerStream} reads a
 * request head (a sniffer may already have peeked at it), routes it by path, negotiates the
 * subprotocol and answers 101, 400 or 404; {@link upgradeClientStream} sends the request and
 * checks the answer. Both hand back a {@link WsStream}. Timeouts are the caller's.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { ByteStream, TextMessages } from "../types.ts";
import { acceptKey, checkRequest, checkResponse, clientRequest, newKey } from "./handshake.ts";
import {
  formatResponse,
  headLength,
  type HttpRequestHead,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
} from "./http.ts";
import { PeekStream } from "./peek.ts";
import { WsStream } from "./stream.ts";

/** What a server accepts on one path. */
export interface WsRoute {
  /**
   * Picks the subprotocol from those offered, or `undefined` to refuse (HTTP 400, as nng).
   * Absent: any offer is accepted and no subprotocol is selected.
   */
  readonly selectProtocol?: (offered: readonly string[]) => string | undefined;
  /** Largest message accepted, in bytes (close 1009 beyond). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Outgoing messages larger than this are sent as several frames. Default 1 MiB. */
  readonly fragmentSize?: number;
  /** `"refuse"`: a text message closes the connection with 1003. Default `"deliver"`. */
  readonly textMessages?: TextMessages;
}

/** Options of {@link upgradeServerStream}. */
export interface ServerUpgradeOptions {
  /**
   * The route for a request (usually by `request.path`); `undefined` answers 404. A promise
   * holds the answer until it settles (a relay dials its target first).
   */
  readonly route: (
    request: HttpRequestHead,
  ) => WsRoute | undefined | Promise<WsRoute | undefined>;
  /**
   * Takes requests that ask for no upgrade (e.g. a static file server). It gets the stream with
   * the head consumed (a body, if any, comes as data) and must answer and close it. Without
   * it such requests get 400.
   */
  readonly onRequest?: (request: HttpRequestHead, stream: ByteStream) => void;
  /** Largest request head accepted (431 beyond). Default 8 KiB. */
  readonly maxHeadBytes?: number;
}

/** Options of {@link upgradeClientStream}. */
export interface ClientUpgradeOptions {
  /** The `Host` header value, e.g. `127.0.0.1:8080`. */
  readonly host: string;
  /** The request path, e.g. `/x`. */
  readonly path: string;
  /** Subprotocols to offer, best first; the server must select one of them. */
  readonly protocols?: readonly string[];
  /** Largest message accepted, in bytes (close 1009 beyond). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Outgoing messages larger than this are sent as several frames. Default 1 MiB. */
  readonly fragmentSize?: number;
  /** `"refuse"`: a text message closes the connection with 1003. Default `"deliver"`. */
  readonly textMessages?: TextMessages;
  /** Largest response head accepted. Default 8 KiB. */
  readonly maxHeadBytes?: number;
}

/** Reads a head off `peek`; returns its bytes or an error status and message. */
async function readHead(
  peek: PeekStream,
  max: number,
): Promise<Uint8Array | { status: number; message: string }> {
  let scanned = 0;
  for (;;) {
    const bytes = await peek.peek(scanned + 1);
    const found = headLength(bytes.subarray(Math.max(0, scanned - 3)));
    if (found >= 0) {
      const length = Math.max(0, scanned - 3) + found;
      if (length > max) break;
      const head = bytes.slice(0, length);
      peek.consume(length);
      return head;
    }
    if (bytes.length > max) break;
    if (peek.ended) {
      return { status: 400, message: `the connection ended after ${bytes.length} bytes of head` };
    }
    scanned = bytes.length;
  }
  return { status: 431, message: `expected a head of at most ${max} bytes` };
}

function refuse(
  peek: PeekStream,
  status: number,
  message: string,
  headers: ReadonlyArray<readonly [string, string]> = [],
): never {
  peek.write(formatResponse(status, headers, message + "\n"));
  peek.close(1000);
  throw new WeftError("EPROTO", `WebSocket upgrade refused with HTTP ${status}: ${message}`);
}

/**
 * Runs the server side of the opening handshake on an accepted, not-yet-started stream (or a
 * {@link PeekStream} a sniffer has already read from). Resolves with the {@link WsStream};
 * resolves `undefined` when the request asked for no upgrade and `onRequest` took it. Rejects
 * with `EPROTO` after answering 400/404/431 and closing the stream.
 *
 * @example
 * ```ts
 * import { upgradeClientStream, upgradeServerStream } from "./upgrade.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const inproc = new InprocTransport(new InprocNamespace());
 * const servers: Promise<unknown>[] = [];
 * const listener = await inproc.listen(parseEndpoint("inproc://up"), (raw) => {
 *   servers.push(upgradeServerStream(raw, {
 *     route: (req) => req.path === "/x" ? { selectProtocol: (o) => o.find((p) => p === "chat") } : undefined,
 *   }));
 * });
 * const client = await upgradeClientStream(await inproc.dial(parseEndpoint("inproc://up")), {
 *   host: "up", path: "/x", protocols: ["chat"],
 * });
 * assert.equal(client.protocol, "chat");
 * const server = await servers[0] as { protocol?: string; close(): void };
 * assert.equal(server.protocol, "chat");
 * client.close(0);
 * server.close();
 * listener.close();
 * ```
 */
export async function upgradeServerStream(
  stream: ByteStream,
  options: ServerUpgradeOptions,
): Promise<WsStream | undefined> {
  const peek = stream instanceof PeekStream ? stream : new PeekStream(stream);
  const head = await readHead(peek, options.maxHeadBytes ?? MAX_HEAD_BYTES);
  if (!(head instanceof Uint8Array)) return refuse(peek, head.status, head.message);
  const request = parseRequestHead(head);
  if (typeof request === "string") return refuse(peek, 400, request);
  const verdict = checkRequest(request);
  if (verdict.kind === "plain") {
    if (!options.onRequest) return refuse(peek, 400, "expected a WebSocket upgrade request");
    options.onRequest(request, peek);
    return undefined;
  }
  if (verdict.kind === "refuse") {
    const headers = verdict.message.includes("Version")
      ? [["Sec-WebSocket-Version", "13"] as const]
      : [];
    return refuse(peek, verdict.status, verdict.message, headers);
  }
  const routed = options.route(request);
  const route = routed instanceof Promise ? await routed : routed;
  if (!route) return refuse(peek, 404, `no WebSocket is served at ${request.path}`);
  let protocol: string | undefined;
  if (route.selectProtocol) {
    protocol = route.selectProtocol(verdict.offered);
    if (protocol === undefined || !verdict.offered.includes(protocol)) {
      const offered = verdict.offered.length > 0 ? verdict.offered.join(", ") : "(none)";
      return refuse(peek, 400, `no acceptable subprotocol among ${offered}`);
    }
  }
  const headers: [string, string][] = [
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", await acceptKey(verdict.key)],
  ];
  if (protocol !== undefined) headers.push(["Sec-WebSocket-Protocol", protocol]);
  if (peek.ended) throw new WeftError("EPROTO", "the connection ended during the upgrade");
  peek.write(formatResponse(101, headers));
  return new WsStream(peek, {
    role: "server",
    path: request.path,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(route.maxMessageSize !== undefined ? { maxMessageSize: route.maxMessageSize } : {}),
    ...(route.fragmentSize !== undefined ? { fragmentSize: route.fragmentSize } : {}),
    ...(route.textMessages !== undefined ? { textMessages: route.textMessages } : {}),
  });
}

/**
 * Runs the client side of the opening handshake on a freshly dialed, not-yet-started stream.
 * Resolves with the {@link WsStream}; rejects with `EPROTO` naming the HTTP status or the
 * missing subprotocol (the stream is closed then).
 *
 * @example
 * ```ts
 * import { upgradeClientStream, upgradeServerStream } from "./upgrade.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const inproc = new InprocTransport(new InprocNamespace());
 * const listener = await inproc.listen(parseEndpoint("inproc://up404"), (raw) => {
 *   upgradeServerStream(raw, { route: () => undefined }).catch(() => {}); // every path: 404
 * });
 * await assert.rejects(
 *   upgradeClientStream(await inproc.dial(parseEndpoint("inproc://up404")), { host: "h", path: "/" }),
 *   /HTTP 404/,
 * );
 * listener.close();
 * ```
 */
export async function upgradeClientStream(
  stream: ByteStream,
  options: ClientUpgradeOptions,
): Promise<WsStream> {
  const peek = stream instanceof PeekStream ? stream : new PeekStream(stream);
  const key = newKey();
  const offered = options.protocols ?? [];
  peek.write(clientRequest({ host: options.host, path: options.path, key, protocols: offered }));
  const fail = (message: string): never => {
    peek.close(0);
    throw new WeftError("EPROTO", `WebSocket upgrade of ${options.path} failed: ${message}`);
  };
  const head = await readHead(peek, options.maxHeadBytes ?? MAX_HEAD_BYTES);
  if (!(head instanceof Uint8Array)) return fail(head.message);
  const response = parseResponseHead(head);
  if (typeof response === "string") return fail(response);
  const problem = await checkResponse(response, key, offered);
  if (problem !== undefined) return fail(problem);
  const protocol = response.headers.get("sec-websocket-protocol");
  return new WsStream(peek, {
    role: "client",
    path: options.path,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(options.maxMessageSize !== undefined ? { maxMessageSize: options.maxMessageSize } : {}),
    ...(options.fragmentSize !== undefined ? { fragmentSize: options.fragmentSize } : {}),
    ...(options.textMessages !== undefined ? { textMessages: options.textMessages } : {}),
  });
}
