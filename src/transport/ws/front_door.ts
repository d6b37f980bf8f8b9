/**
 * One port for everything (as pomelo's hybrid connector): the first bytes of an accepted
 * stream decide. An HTTP request line is either a WebSocket upgrade (after `checkOrigin`) or a
 * plain request for the `http` handler (e.g. a demo's static files); anything else is the raw
 * byte stream (raw pomelo over TCP, for the nano app that `weft/nano` wires it into).
 * @module
 */

import type { ByteStream, FrontDoorOptions, HttpRequest, HttpResponse, Sniffed } from "../types.ts";
import { formatResponse, type HttpRequestHead, looksLikeHttp } from "./http.ts";
import { PeekStream } from "./peek.ts";
import { upgradeServerStream } from "./upgrade.ts";

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
 * The WebSocket transport's {@link FrontDoor}: looks at the first bytes of an accepted (not yet
 * started) stream and returns the stream to serve — the raw one, or the upgraded WebSocket — or
 * undefined when it was plain HTTP (answered), a refused upgrade, or ended. Rejections are
 * swallowed into `undefined`; the stream is closed then.
 *
 * @example
 * ```ts
 * import { frontDoor } from "./front_door.ts";
 * import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
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
