/**
 * How the nano client reaches a server: a {@link Connector} opens one connection and reports
 * its bytes. The default, {@link websocketConnector}, uses the global `WebSocket` (browsers,
 * Deno, Bun); Deno and Bun programs pass a raw-TCP connector built on weft's transports
 * (`tcpConnector` in `weft/nano`). Nothing here touches a runtime API, so it bundles for
 * browsers as is.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/**
 * Callbacks a connector calls for one connection.
 *
 * @example
 * ```ts
 * import type { ConnectionEvents } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const seen: number[] = [];
 * const events: ConnectionEvents = { data: (c) => seen.push(c.length), close: () => {} };
 * events.data(new Uint8Array(4));
 * assert.deepEqual(seen, [4]);
 * ```
 */
export interface ConnectionEvents {
  /** Received bytes: a whole WebSocket message, or any slice of a TCP stream. */
  data(chunk: Uint8Array): void;
  /** The connection ended (`error` set when it failed). Called at most once; no data follows. */
  close(error?: Error): void;
}

/**
 * One open connection, as a connector hands it to the client.
 *
 * @example
 * ```ts
 * import type { ClientConnection } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * const sent: Uint8Array[] = [];
 * const conn: ClientConnection = { send: (b) => void sent.push(b), close: () => {} };
 * conn.send(new Uint8Array([3, 0, 0, 0]));
 * assert.equal(sent.length, 1);
 * ```
 */
export interface ClientConnection {
  /** Sends bytes in order (a pomelo packet or several). Ignored after close. */
  send(bytes: Uint8Array): void;
  /** Closes the connection; idempotent. `events.close` follows unless it already came. */
  close(): void;
}

/**
 * Opens a connection to `url` and resolves once it can carry bytes; rejects with a
 * `WeftError` when it cannot be opened.
 *
 * @example
 * ```ts
 * import { connect, type Connector } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * // A connector opens the byte stream the client speaks pomelo over; this one never can.
 * const offline: Connector = (url) => Promise.reject(new Error(`offline: ${url}`));
 * await assert.rejects(connect("ws://127.0.0.1:1/", { connector: offline }), /offline/);
 * ```
 */
export type Connector = (url: string, events: ConnectionEvents) => Promise<ClientConnection>;

/**
 * The WebSocket connector: binary frames over the global `WebSocket` for `ws://` and `wss://`
 * URLs. Rejects with `WeftError("EINVAL")` for another scheme or when no `WebSocket` exists,
 * and with `ECONNREFUSED` when the socket fails before it opens.
 *
 * @example
 * ```ts
 * import { websocketConnector } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await assert.rejects(
 *   websocketConnector("tcp://127.0.0.1:1", { data() {}, close() {} }),
 *   { code: "EINVAL" },
 * );
 * ```
 */
export const websocketConnector: Connector = (
  url: string,
  events: ConnectionEvents,
): Promise<ClientConnection> => {
  if (!/^wss?:\/\//i.test(url)) {
    return Promise.reject(
      new WeftError("EINVAL", `websocket connector: expected a ws:// or wss:// URL, got ${url}`),
    );
  }
  const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (WS === undefined) {
    return Promise.reject(
      new WeftError("EINVAL", "websocket connector: expected a global WebSocket, found none"),
    );
  }
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WS(url);
    } catch (e) {
      reject(new WeftError("EINVAL", `websocket connector: bad URL ${url}: ${e}`, { cause: e }));
      return;
    }
    ws.binaryType = "arraybuffer";
    let open = false;
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (open) events.close(error);
      else {
        reject(
          error ?? new WeftError("ECONNREFUSED", `websocket ${url}: closed before it opened`),
        );
      }
    };
    ws.onopen = () => {
      open = true;
      resolve({
        send(bytes) {
          if (!ended && ws.readyState === 1) ws.send(bytes);
        },
        close() {
          if (ended) return;
          ws.close();
          end();
        },
      });
    };
    ws.onmessage = (e: MessageEvent) => {
      if (ended) return;
      if (e.data instanceof ArrayBuffer) events.data(new Uint8Array(e.data));
      else {
        ws.close();
        end(new WeftError("EPROTO", "websocket: expected a binary frame, got a text frame"));
      }
    };
    ws.onerror = () => {
      end(new WeftError(open ? "ECLOSED" : "ECONNREFUSED", `websocket ${url}: connection error`));
    };
    ws.onclose = () => end();
  });
};
