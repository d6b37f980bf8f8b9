/**
 * The pomelo/nano handshake bodies: parsing the client's JSON (`{"sys": {...}, "user": {...}}`)
 * and writing the server's answer (`{"code": 200, "sys": {...}}`, or 500 / 501).
 * @module
 */

/**
 * Handshake answer codes, as pomelo and nano define them.
 *
 * @example
 * ```ts
 * import { HandshakeCode } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.equal(HandshakeCode.OLD_CLIENT, 501);
 * ```
 */
export const HandshakeCode = {
  /** Accepted. */
  OK: 200,
  /** Malformed handshake, no `sys`, or refused by the application. */
  FAIL: 500,
  /** The client's `sys.type` / `sys.version` failed `checkClient`. */
  OLD_CLIENT: 501,
} as const;

/** One of the {@link HandshakeCode} values. */
export type HandshakeCode = typeof HandshakeCode[keyof typeof HandshakeCode];

/**
 * What the client said in its handshake.
 *
 * @example
 * ```ts
 * import type { ClientHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const h: ClientHandshake = { sys: { type: "js-websocket", version: "0.0.1" }, user: {} };
 * assert.equal(h.sys.type, "js-websocket");
 * ```
 */
export interface ClientHandshake {
  /** `sys`: `type` and `version` of the client library, plus anything else it sent. */
  readonly sys: Readonly<Record<string, unknown>>;
  /** `user`: application data (an object; `{}` when absent). */
  readonly user: Readonly<Record<string, unknown>>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const te = new TextEncoder();
/** The `user` of a handshake that sent none: one frozen object for all of them. */
const NO_USER: Readonly<Record<string, unknown>> = Object.freeze({});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses a client handshake body. Returns a reason string (for the close event) when the body
 * is not UTF-8 JSON, not an object, or has no `sys` object.
 *
 * @example
 * ```ts
 * import { parseClientHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const ok = parseClientHandshake(new TextEncoder().encode('{"sys":{"type":"t","version":"1"}}'));
 * assert.ok(typeof ok !== "string");
 * assert.deepEqual(ok.user, {});
 * assert.equal(typeof parseClientHandshake(new TextEncoder().encode('{"user":{}}')), "string");
 * ```
 */
export function parseClientHandshake(body: Uint8Array): ClientHandshake | string {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    return "handshake: expected a UTF-8 JSON body";
  }
  if (!isObject(value)) return "handshake: expected a JSON object";
  const sys = value.sys;
  if (!isObject(sys)) return "handshake: expected a `sys` object";
  const user = value.user;
  return { sys, user: isObject(user) ? user : NO_USER };
}

/**
 * What goes into a successful handshake answer.
 *
 * @example
 * ```ts
 * import type { HandshakeAnswer } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const a: HandshakeAnswer = { heartbeatMs: 30000, serverTimeMs: 0, serializer: "json" };
 * assert.equal(a.serializer, "json");
 * ```
 */
export interface HandshakeAnswer {
  /** Heartbeat interval in ms; sent as seconds (`sys.heartbeat`), fractions allowed. */
  readonly heartbeatMs: number;
  /** The server clock in ms; sent as whole Unix seconds (`sys.servertime`). */
  readonly serverTimeMs: number;
  /** `sys.serializer`: "json" or "protobuf". */
  readonly serializer: string;
  /** `sys.dict`: route → code, only when a dictionary is set. */
  readonly dict?: Readonly<Record<string, number>>;
  /** `user`: application data for the client, when given. */
  readonly user?: unknown;
}

/**
 * The JSON body of a successful handshake answer:
 * `{"code":200,"sys":{"heartbeat":s,"servertime":s,"dict":{...},"serializer":"json"}}`.
 *
 * @example
 * ```ts
 * import { handshakeOk } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const body = handshakeOk({ heartbeatMs: 30000, serverTimeMs: 1_700_000_000_500, serializer: "json" });
 * assert.deepEqual(JSON.parse(new TextDecoder().decode(body)), {
 *   code: 200,
 *   sys: { heartbeat: 30, servertime: 1700000000, serializer: "json" },
 * });
 * ```
 */
export function handshakeOk(answer: HandshakeAnswer): Uint8Array {
  const sys: Record<string, unknown> = {
    heartbeat: answer.heartbeatMs / 1000,
    servertime: Math.floor(answer.serverTimeMs / 1000),
  };
  if (answer.dict) sys.dict = answer.dict;
  sys.serializer = answer.serializer;
  const out: Record<string, unknown> = { code: HandshakeCode.OK, sys };
  if (answer.user !== undefined) out.user = answer.user;
  return te.encode(JSON.stringify(out));
}

/**
 * The JSON body of a refused handshake: `{"code":500}` or `{"code":501}`.
 *
 * @example
 * ```ts
 * import { handshakeFail } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(handshakeFail(501)), '{"code":501}');
 * ```
 */
export function handshakeFail(code: number): Uint8Array {
  return te.encode(JSON.stringify({ code }));
}
