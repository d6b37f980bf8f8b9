/**
 * The RFC 6455 §4 opening handshake as pure decisions: the accept key, the client request,
 * the server's verdict on a request, and the client's verdict on the response. No I/O here;
 * upgrade.ts moves the bytes.
 * @module
 */

import { hasToken, type HttpRequestHead, type HttpResponseHead } from "./http.ts";

/** The GUID the accept key is derived with (RFC 6455 §1.3). */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
 *
 * @example
 * ```ts
 * import { acceptKey } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * // The example from RFC 6455 §1.3.
 * assert.equal(await acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
 * ```
 */
export async function acceptKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
  return base64(new Uint8Array(digest));
}

/**
 * A fresh random `Sec-WebSocket-Key` (16 random bytes, base64).
 *
 * @example
 * ```ts
 * import { newKey } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.match(newKey(), /^[A-Za-z0-9+/]{22}==$/);
 * ```
 */
export function newKey(): string {
  return base64(crypto.getRandomValues(new Uint8Array(16)));
}

/** Options of {@link clientRequest}. */
export interface ClientRequestOptions {
  /** The `Host` header value, e.g. `127.0.0.1:8080` or `[::1]:80`. */
  readonly host: string;
  /** The request path, e.g. `/chat`. */
  readonly path: string;
  /** The `Sec-WebSocket-Key` (from {@link newKey}). */
  readonly key: string;
  /** Subprotocols to offer, best first. */
  readonly protocols?: readonly string[];
}

/**
 * The client's upgrade request head.
 *
 * @example
 * ```ts
 * import { clientRequest } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const text = new TextDecoder().decode(
 *   clientRequest({ host: "h:1", path: "/x", key: "k", protocols: ["rep.sp.nanomsg.org"] }),
 * );
 * assert.ok(text.startsWith("GET /x HTTP/1.1\r\nHost: h:1\r\n"));
 * assert.ok(text.includes("Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n"));
 * ```
 */
export function clientRequest(options: ClientRequestOptions): Uint8Array {
  let text = `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${options.key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (options.protocols && options.protocols.length > 0) {
    text += `Sec-WebSocket-Protocol: ${options.protocols.join(", ")}\r\n`;
  }
  return new TextEncoder().encode(text + "\r\n");
}

/** The server's verdict on a request head: upgrade, not an upgrade, or refuse. */
export type RequestVerdict =
  | { readonly kind: "upgrade"; readonly key: string; readonly offered: readonly string[] }
  | { readonly kind: "plain" }
  | { readonly kind: "refuse"; readonly status: number; readonly message: string };

/**
 * Splits a `Sec-WebSocket-Protocol` value into the offered subprotocols.
 *
 * @example
 * ```ts
 * import { splitProtocols } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitProtocols("a, b ,c"), ["a", "b", "c"]);
 * assert.deepEqual(splitProtocols(undefined), []);
 * ```
 */
export function splitProtocols(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * Checks a request head as a WebSocket upgrade. `plain` means it asks for no upgrade at all
 * (no `Upgrade` header): an ordinary HTTP request.
 *
 * @example
 * ```ts
 * import { checkRequest } from "./handshake.ts";
 * import { parseRequestHead } from "./http.ts";
 * import assert from "node:assert/strict";
 * const head = parseRequestHead(new TextEncoder().encode(
 *   "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
 *     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
 * ));
 * assert.ok(typeof head !== "string");
 * const verdict = checkRequest(head);
 * assert.equal(verdict.kind, "refuse"); // version 8, not 13
 * ```
 */
export function checkRequest(head: HttpRequestHead): RequestVerdict {
  const h = head.headers;
  if (!h.has("upgrade") && !h.has("sec-websocket-key")) return { kind: "plain" };
  const refuse = (message: string) => ({ kind: "refuse", status: 400, message }) as const;
  if (head.method !== "GET") return refuse(`expected GET for an upgrade, got ${head.method}`);
  if (head.version !== "HTTP/1.1") return refuse(`expected HTTP/1.1, got ${head.version}`);
  if (!hasToken(h.get("upgrade"), "websocket")) {
    return refuse(`expected "Upgrade: websocket", got "${h.get("upgrade") ?? "(none)"}"`);
  }
  if (!hasToken(h.get("connection"), "upgrade")) {
    return refuse(`expected "Connection: Upgrade", got "${h.get("connection") ?? "(none)"}"`);
  }
  const version = h.get("sec-websocket-version");
  if (version !== "13") {
    return refuse(`expected Sec-WebSocket-Version 13, got ${version ?? "(none)"}`);
  }
  const key = h.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    return refuse(`expected a base64 16-byte Sec-WebSocket-Key, got "${key.slice(0, 40)}"`);
  }
  return { kind: "upgrade", key, offered: splitProtocols(h.get("sec-websocket-protocol")) };
}

/**
 * The client's verdict on the server's response: `undefined` when it accepts the upgrade,
 * otherwise what was wrong (for an `EPROTO` message).
 *
 * @example
 * ```ts
 * import { acceptKey, checkResponse } from "./handshake.ts";
 * import { parseResponseHead } from "./http.ts";
 * import assert from "node:assert/strict";
 * const key = "dGhlIHNhbXBsZSBub25jZQ==";
 * const head = parseResponseHead(new TextEncoder().encode(
 *   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
 *     `Sec-WebSocket-Accept: ${await acceptKey(key)}\r\n\r\n`,
 * ));
 * assert.ok(typeof head !== "string");
 * assert.equal(await checkResponse(head, key, []), undefined);
 * assert.match(String(await checkResponse(head, key, ["pair.sp.nanomsg.org"])), /subprotocol/);
 * ```
 */
export async function checkResponse(
  head: HttpResponseHead,
  key: string,
  offered: readonly string[],
): Promise<string | undefined> {
  if (head.status !== 101) return `expected HTTP 101, got HTTP ${head.status} ${head.reason}`;
  const h = head.headers;
  if (!hasToken(h.get("upgrade"), "websocket")) return `expected "Upgrade: websocket"`;
  if (!hasToken(h.get("connection"), "upgrade")) return `expected "Connection: Upgrade"`;
  const accept = h.get("sec-websocket-accept");
  if (accept !== await acceptKey(key)) {
    return `expected the Sec-WebSocket-Accept for our key, got "${accept ?? "(none)"}"`;
  }
  const chosen = h.get("sec-websocket-protocol");
  if (offered.length > 0 && chosen === undefined) {
    return `expected the server to select a subprotocol of ${offered.join(", ")}, got none`;
  }
  if (chosen !== undefined && !offered.includes(chosen)) {
    return `expected a subprotocol of [${offered.join(", ")}], got "${chosen}"`;
  }
  if (h.has("sec-websocket-extensions")) {
    return `expected no extensions (none offered), got "${h.get("sec-websocket-extensions")}"`;
  }
  return undefined;
}
