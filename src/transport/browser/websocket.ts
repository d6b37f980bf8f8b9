/**
 * `ws://` and `wss://` over the environment's own `WebSocket` (a browser's; Deno's and Bun's
 * global works too): dial only, one binary message per `write`, one message per `data` chunk.
 * Nothing here names a runtime API, so a browser bundle can carry it.
 * @module
 */

import type { Endpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type {
  ByteStream,
  DialOptions,
  StreamHandler,
  StreamListener,
  Transport,
} from "../types.ts";

/** Above this many bytes in the WebSocket's send buffer, `write` asks the caller to wait. */
const HIGH_WATER = 4 << 20;
/** An HTTP token (RFC 7230 tchar), what `new WebSocket(url, protocols)` accepts. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** How often a full send buffer is looked at again (browsers have no drain event). */
const DRAIN_POLL_MS = 10;

/**
 * The global `WebSocket` as a dial-only transport for `ws` (or `wss`).
 *
 * @example
 * ```ts
 * import { BrowserWebSocketTransport } from "./websocket.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const ws = new BrowserWebSocketTransport("ws");
 * // A page cannot accept connections: listen says so.
 * await assert.rejects(ws.listen(parseEndpoint("ws://127.0.0.1:0/")), {
 *   code: "ENOTSUP",
 * });
 * ```
 */
export class BrowserWebSocketTransport implements Transport {
  /** `ws` or `wss`. */
  readonly scheme: string;
  readonly #tokenFor: ((protocol: string) => string | undefined) | undefined;

  /**
   * Serves `scheme` (`ws` or `wss`) with the global `WebSocket`. `tokenFor` gives the spelling
   * to offer for a subprotocol name that is not an HTTP token (a browser refuses those); a name
   * without one is left out of the offer.
   */
  constructor(scheme: "ws" | "wss", tokenFor?: (protocol: string) => string | undefined) {
    this.scheme = scheme;
    this.#tokenFor = tokenFor;
  }

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (WS === undefined) {
      return Promise.reject(new WeftError("EINVAL", "expected a global WebSocket, found none"));
    }
    const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
    const url = `${this.scheme}://${host}:${endpoint.port}${endpoint.path}`;
    // A browser offers only RFC 7230 tokens: "ZWS2.0/NULL" (a '/' inside) throws SyntaxError.
    const offered = options?.protocols ?? [];
    const protocols: string[] = [];
    for (const p of offered) {
      const token = TOKEN.test(p) ? p : this.#tokenFor?.(p);
      if (token !== undefined && TOKEN.test(token) && !protocols.includes(token)) {
        protocols.push(token);
      }
    }
    if (offered.length > 0 && protocols.length === 0) {
      return Promise.reject(
        new WeftError(
          "EINVAL",
          `a WebSocket in a browser cannot offer ${offered.join(", ")}: subprotocols must be ` +
            `HTTP tokens (no '/') and none of these has a token spelling`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WS(url, protocols);
      } catch (e) {
        reject(new WeftError("EINVAL", `${url}: ${e}`, { cause: e }));
        return;
      }
      ws.binaryType = "arraybuffer";
      const timeout = options?.connectTimeoutMs ?? 0;
      const timer = timeout > 0
        ? setTimeout(() => {
          ws.close();
          reject(new WeftError("ETIMEDOUT", `${url}: not open within ${timeout} ms`));
        }, timeout)
        : undefined;
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new BrowserWebSocketStream(ws, url, options?.textMessages === "refuse"));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new WeftError("ECONNREFUSED", `${url}: the WebSocket failed before it opened`));
      };
    });
  }

  listen(endpoint: Endpoint): Promise<StreamListener> {
    return Promise.reject(
      new WeftError(
        "ENOTSUP",
        `cannot bind ${endpoint.url}: a browser's WebSocket only dials (connect to a server)`,
      ),
    );
  }
}

/** An open global `WebSocket` as a message {@link ByteStream}. */
class BrowserWebSocketStream implements ByteStream {
  readonly framing = "messages" as const;
  readonly protocol: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly closed: Promise<void>;
  #ws: WebSocket;
  #handler: StreamHandler | undefined;
  #paused = false;
  #held: Uint8Array[] = [];
  #ended = false;
  #endError: Error | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #refuseText: boolean;

  constructor(ws: WebSocket, url: string, refuseText: boolean) {
    this.#ws = ws;
    this.protocol = ws.protocol;
    this.localAddress = "browser";
    this.remoteAddress = url;
    this.#refuseText = refuseText;
    const closed = Promise.withResolvers<void>();
    this.closed = closed.promise;
    ws.onmessage = (e: MessageEvent) => {
      if (this.#ended) return;
      if (!(e.data instanceof ArrayBuffer)) {
        if (this.#refuseText) {
          ws.close(1003, "expected binary messages");
          return this.#end(new WeftError("EPROTO", "expected a binary message, got a text one"));
        }
      }
      const bytes = e.data instanceof ArrayBuffer
        ? new Uint8Array(e.data)
        : new TextEncoder().encode(String(e.data));
      if (this.#paused || !this.#handler) this.#held.push(bytes);
      else this.#handler.data(bytes);
    };
    ws.onerror = () => this.#end(new WeftError("ECLOSED", `${url}: WebSocket error`));
    ws.onclose = (e: CloseEvent) => {
      const normal = e.code === 1000 || e.code === 1001 || e.code === 1005;
      this.#end(
        normal ? undefined : new WeftError(
          "ECLOSED",
          `the peer closed the WebSocket with code ${e.code}${e.reason ? ` (${e.reason})` : ""}`,
        ),
      );
      closed.resolve();
    };
  }

  start(handler: StreamHandler): void {
    this.#handler = handler;
    this.#flushHeld();
    if (this.#ended) handler.end(this.#endError);
  }

  write(bytes: Uint8Array): boolean {
    if (this.#ended || this.#ws.readyState !== 1) return true;
    this.#ws.send(bytes);
    if (this.#ws.bufferedAmount <= HIGH_WATER) return true;
    this.#watchDrain();
    return false;
  }

  pause(): void {
    this.#paused = true; // a browser cannot stop reading: messages wait here
  }

  resume(): void {
    this.#paused = false;
    this.#flushHeld();
  }

  close(): void {
    if (this.#ws.readyState <= 1) this.#ws.close(1000);
    this.#end(undefined);
  }

  #flushHeld(): void {
    while (!this.#paused && this.#handler && this.#held.length > 0 && !this.#ended) {
      this.#handler.data(this.#held.shift()!);
    }
  }

  #watchDrain(): void {
    if (this.#drainTimer !== undefined) return;
    const look = () => {
      this.#drainTimer = undefined;
      if (this.#ended) return;
      if (this.#ws.bufferedAmount > HIGH_WATER) {
        this.#drainTimer = setTimeout(look, DRAIN_POLL_MS);
        return;
      }
      this.#handler?.drain();
    };
    this.#drainTimer = setTimeout(look, DRAIN_POLL_MS);
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#paused = false; // what arrived before the end is delivered before it
    this.#flushHeld();
    this.#ended = true;
    this.#endError = error;
    clearTimeout(this.#drainTimer);
    this.#handler?.end(error);
  }
}
