/**
 * One port for everything (as pomelo's hybrid connector): the first bytes of an accepted
 * stream decide. An HTTP request line is either a WebSocket upgrade (pomelo over WebSocket,
 * after `checkOrigin`) or a plain request for the app's `http` handler (e.g. the demo's static
 * files); anything else is raw pomelo over TCP.
 * @module
 */

import type { ByteStream } from "../transport/types.ts";
import {
  formatResponse,
  type HttpRequestHead,
  looksLikeHttp,
  PeekStream,
  upgradeServerStream,
} from "../transport/ws/mod.ts";
import type { Logger } from "./connection.ts";

/**
 * A plain HTTP request the app's `http` handler gets (the head only; bodies are not read).
 *
 * @example
 * ```ts
 * import type { HttpRequest } from "./front_door.ts";
 * import assert from "node:assert/strict";
 * const r: HttpRequest = { method: "GET", path: "/", target: "/?a=1", headers: new Map() };
 * assert.equal(r.path, "/");
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
 * import type { HttpResponse } from "./front_door.ts";
 * import assert from "node:assert/strict";
 * const r: HttpResponse = { status: 200, headers: { "content-type": "text/html" }, body: "<p>hi</p>" };
 * assert.equal(r.status, 200);
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
 * Serves plain HTTP requests on the app's port (no Deno/Bun APIs needed: read files with your
 * runtime and return the bytes).
 *
 * @example
 * ```ts
 * import type { HttpHandler } from "./front_door.ts";
 * import assert from "node:assert/strict";
 * const http: HttpHandler = (req) =>
 *   req.path === "/" ? { status: 200, body: "hello" } : { status: 404, body: "not found" };
 * assert.equal((await http({ method: "GET", path: "/", target: "/", headers: new Map() })).status, 200);
 * ```
 */
export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Options of {@link frontDoor} (internal to the app). */
export interface FrontDoorOptions {
  /** Accepts or refuses a WebSocket by its `Origin` header (refused: HTTP 404). */
  readonly checkOrigin?: (origin: string | undefined, request: HttpRequest) => boolean;
  /** Serve WebSocket only at this path (default: any path). */
  readonly wsPath?: string;
  /** The plain HTTP handler (without one, plain requests get 400). */
  readonly http?: HttpHandler;
  /** Largest WebSocket message accepted. */
  readonly maxMessageSize: number;
  /** Where handler failures are logged. */
  readonly logger: Logger;
}

/** What the sniffer decided: a stream to run pomelo on, and its kind. */
export interface Sniffed {
  readonly stream: ByteStream;
  readonly transport: "tcp" | "ws";
}

const te = new TextEncoder();

function toRequest(head: HttpRequestHead): HttpRequest {
  return { method: head.method, path: head.path, target: head.target, headers: head.headers };
}

async function answer(
  request: HttpRequestHead,
  stream: ByteStream,
  options: FrontDoorOptions,
): Promise<void> {
  let response: HttpResponse;
  try {
    response = await options.http!(toRequest(request));
  } catch (e) {
    options.logger.error(`http handler failed on ${request.method} ${request.target}:`, e);
    response = { status: 500, body: "internal server error\n" };
  }
  const body = typeof response.body === "string"
    ? te.encode(response.body)
    : response.body ?? new Uint8Array(0);
  const headers: [string, string][] = Object.entries(response.headers ?? {});
  headers.push(["Content-Length", String(body.length)], ["Connection", "close"]);
  stream.write(formatResponse(response.status, headers));
  if (body.length > 0 && request.method !== "HEAD") stream.write(body);
  stream.close(5000);
}

/**
 * Looks at the first bytes of an accepted (not yet started) stream and returns the stream to
 * run pomelo on, or undefined when it was plain HTTP (answered), a refused upgrade, or ended.
 * Rejections are swallowed into `undefined`; the stream is closed then.
 *
 * @example
 * ```ts
 * import { frontDoor } from "./front_door.ts";
 * import { InprocNamespace, InprocTransport } from "../transport/inproc/inproc.ts";
 * import { parseEndpoint } from "../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const inproc = new InprocTransport(new InprocNamespace());
 * const sniffed: Promise<unknown>[] = [];
 * const listener = await inproc.listen(parseEndpoint("inproc://door"), (raw) => {
 *   sniffed.push(frontDoor(raw, { maxMessageSize: 1 << 16, logger: console }));
 * });
 * const client = await inproc.dial(parseEndpoint("inproc://door"));
 * client.start({ data() {}, drain() {}, end() {} });
 * client.write(new Uint8Array([1, 0, 0, 2, 0x7b, 0x7d])); // a pomelo HANDSHAKE
 * const got = await sniffed[0] as { transport: string; stream: { close(): void } };
 * assert.equal(got.transport, "tcp");
 * got.stream.close();
 * client.close();
 * listener.close();
 * ```
 */
export async function frontDoor(
  raw: ByteStream,
  options: FrontDoorOptions,
): Promise<Sniffed | undefined> {
  const peek = new PeekStream(raw);
  const first = await peek.peek(1);
  if (first.length === 0) {
    peek.close(0);
    return undefined;
  }
  if (!looksLikeHttp(first)) return { stream: peek, transport: "tcp" };
  try {
    const ws = await upgradeServerStream(peek, {
      route: (head) => {
        if (options.wsPath !== undefined && head.path !== options.wsPath) return undefined;
        if (
          options.checkOrigin && !options.checkOrigin(head.headers.get("origin"), toRequest(head))
        ) {
          return undefined;
        }
        return { maxMessageSize: options.maxMessageSize };
      },
      ...(options.http
        ? {
          onRequest: (head: HttpRequestHead, stream: ByteStream) => {
            stream.start({ data() {}, drain() {}, end() {} });
            void answer(head, stream, options);
          },
        }
        : {}),
    });
    return ws ? { stream: ws, transport: "ws" } : undefined;
  } catch {
    peek.close(1000);
    return undefined;
  }
}
