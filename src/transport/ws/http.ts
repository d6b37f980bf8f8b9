/**
 * A small, strict HTTP/1.1 head parser and writer: just enough for the WebSocket upgrade
 * (RFC 6455 §4) and for a sniffer that must tell an HTTP request from other bytes on one port.
 * Heads are bounded (8 KiB by default); bodies are the caller's business.
 * @module
 */

/** The largest request or response head accepted by default, in bytes. */
export const MAX_HEAD_BYTES = 8 * 1024;

/** A parsed HTTP request head. Header names are lower case; repeated headers join with `, `. */
export interface HttpRequestHead {
  /** `GET`, `POST`, … as sent. */
  readonly method: string;
  /** The request target, e.g. `/chat?room=1`. */
  readonly target: string;
  /** The target without its query, e.g. `/chat`. */
  readonly path: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  /** Headers by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
}

/** A parsed HTTP response head. */
export interface HttpResponseHead {
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  /** The status code, e.g. 101. */
  readonly status: number;
  /** The reason phrase, e.g. `Switching Protocols`. */
  readonly reason: string;
  /** Headers by lower-case name. */
  readonly headers: ReadonlyMap<string, string>;
}

const METHODS = ["GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH "];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, space and tab (no control characters).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Whether `first` (the first bytes read from a connection) start like an HTTP request line
 * (`GET `, `POST `, `PUT `, `DELETE `, `HEAD `, `OPTIONS `, `PATCH `). With fewer bytes than a
 * method it answers for the bytes there are, so a sniffer can decide on a short first read.
 *
 * @example
 * ```ts
 * import { looksLikeHttp } from "./http.ts";
 * import assert from "node:assert/strict";
 * assert.equal(looksLikeHttp(new TextEncoder().encode("GET / HTTP/1.1\r\n")), true);
 * assert.equal(looksLikeHttp(new Uint8Array([0x00, 0x53, 0x50, 0x00])), false); // SP header
 * ```
 */
export function looksLikeHttp(first: Uint8Array): boolean {
  if (first.length === 0) return false;
  return METHODS.some((m) => {
    const n = Math.min(m.length, first.length);
    for (let i = 0; i < n; i++) if (first[i] !== m.charCodeAt(i)) return false;
    return true;
  });
}

/**
 * The length of the head (up to and including the blank line `\r\n\r\n`) at the start of
 * `bytes`, or -1 when the blank line has not arrived yet.
 *
 * @example
 * ```ts
 * import { headLength } from "./http.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest");
 * assert.equal(headLength(bytes), bytes.length - 4);
 * assert.equal(headLength(bytes.subarray(0, 10)), -1);
 * ```
 */
export function headLength(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (
      bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13
    ) return i + 1;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return s;
}

function parseHeaders(lines: string[]): Map<string, string> | string {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return `expected "name: value", got "${line.slice(0, 60)}"`;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return `expected a header name, got "${name.slice(0, 60)}"`;
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return `header ${name} has control characters`;
    const key = name.toLowerCase();
    const had = headers.get(key);
    headers.set(key, had === undefined ? value : `${had}, ${value}`);
  }
  return headers;
}

function splitHead(head: Uint8Array): string[] | string {
  const text = latin1(head);
  if (!text.endsWith("\r\n\r\n")) return "expected a head ending in a blank line";
  const lines = text.slice(0, -4).split("\r\n");
  // Obsolete line folding and bare CR/LF are refused (RFC 9112 §5.2, request smuggling).
  if (lines.some((l) => l.includes("\r") || l.includes("\n") || /^[ \t]/.test(l))) {
    return "expected CRLF-separated header lines without folding";
  }
  return lines;
}

/**
 * Parses a request head (as measured by {@link headLength}). Returns an error message
 * instead of throwing when the head is malformed.
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "./http.ts";
 * import assert from "node:assert/strict";
 * const head = parseRequestHead(
 *   new TextEncoder().encode("GET /x?y=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"),
 * );
 * assert.ok(typeof head !== "string");
 * assert.equal(head.path, "/x");
 * assert.equal(head.headers.get("upgrade"), "websocket");
 * assert.equal(typeof parseRequestHead(new TextEncoder().encode("junk\r\n\r\n")), "string");
 * ```
 */
export function parseRequestHead(head: Uint8Array): HttpRequestHead | string {
  const lines = splitHead(head);
  if (typeof lines === "string") return lines;
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? "");
  if (!m) return `expected a request line "METHOD /path HTTP/1.1", got "${lines[0]?.slice(0, 60)}"`;
  const headers = parseHeaders(lines.slice(1));
  if (typeof headers === "string") return headers;
  const target = m[2]!;
  const q = target.search(/[?#]/);
  return {
    method: m[1]!,
    target,
    path: q < 0 ? target : target.slice(0, q),
    version: m[3]!,
    headers,
  };
}

/**
 * Parses a response head (as measured by {@link headLength}). Returns an error message
 * instead of throwing when the head is malformed.
 *
 * @example
 * ```ts
 * import { parseResponseHead } from "./http.ts";
 * import assert from "node:assert/strict";
 * const head = parseResponseHead(
 *   new TextEncoder().encode("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
 * );
 * assert.ok(typeof head !== "string");
 * assert.equal(head.status, 404);
 * assert.equal(head.reason, "Not Found");
 * ```
 */
export function parseResponseHead(head: Uint8Array): HttpResponseHead | string {
  const lines = splitHead(head);
  if (typeof lines === "string") return lines;
  const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) return `expected a status line "HTTP/1.1 101 …", got "${lines[0]?.slice(0, 60)}"`;
  const headers = parseHeaders(lines.slice(1));
  if (typeof headers === "string") return headers;
  return { version: m[1]!, status: Number(m[2]), reason: m[3] ?? "", headers };
}

/**
 * Whether a comma-separated header value (e.g. `Connection: keep-alive, Upgrade`) contains
 * `token`, ignoring case.
 *
 * @example
 * ```ts
 * import { hasToken } from "./http.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hasToken("keep-alive, Upgrade", "upgrade"), true);
 * assert.equal(hasToken(undefined, "upgrade"), false);
 * ```
 */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const want = token.toLowerCase();
  return value.split(",").some((t) => t.trim().toLowerCase() === want);
}

/** Reason phrases for the statuses this module writes. */
const REASONS: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
};

/**
 * Writes a response head (and an optional small text body, with `Content-Length`) as bytes.
 *
 * @example
 * ```ts
 * import { formatResponse } from "./http.ts";
 * import assert from "node:assert/strict";
 * const text = new TextDecoder().decode(formatResponse(404, [], "no such path\n"));
 * assert.ok(text.startsWith("HTTP/1.1 404 Not Found\r\n"));
 * assert.ok(text.endsWith("\r\n\r\nno such path\n"));
 * ```
 */
export function formatResponse(
  status: number,
  headers: ReadonlyArray<readonly [string, string]>,
  body?: string,
): Uint8Array {
  let text = `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n`;
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  const bodyBytes = body === undefined ? undefined : new TextEncoder().encode(body);
  if (bodyBytes !== undefined) {
    text += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${bodyBytes.length}\r\n`;
    text += "Connection: close\r\n";
  }
  const head = new TextEncoder().encode(text + "\r\n");
  if (bodyBytes === undefined) return head;
  const out = new Uint8Array(head.length + bodyBytes.length);
  out.set(head);
  out.set(bodyBytes, head.length);
  return out;
}
