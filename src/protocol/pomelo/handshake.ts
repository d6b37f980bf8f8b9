/**
 * The pomelo/nano control bodies, both sides of them: the client's handshake
 * (`{"sys": {...}, "user": {...}}`), the server's answer (`{"code": 200, "sys": {...}}`, or
 * 500 / 501) and the KICK body (`{"reason": ...}`). The server session writes answers and kicks
 * and parses handshakes; the client session does the reverse, with the same code.
 * @module
 */

import { VERSION } from "../../version.ts";

/**
 * Handshake answer codes, as pomelo and nano define them.
 *
 * @example
 * ```ts
 * import { HandshakeCode, PomeloServerSession } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const written: Uint8Array[] = [];
 * const s = new PomeloServerSession(
 *   { write: (b) => written.push(b), message() {}, ready() {}, close() {} },
 *   { now: 0, checkClient: (type) => type === "my-client" },
 * );
 * const hs = new TextEncoder().encode('{"sys":{"type":"old-client","version":"1"}}');
 * s.feed(new Uint8Array([1, 0, 0, hs.length, ...hs]), 0); // HANDSHAKE packet
 * const answer = JSON.parse(new TextDecoder().decode(written[0]!.subarray(4)));
 * assert.equal(answer.code, HandshakeCode.OLD_CLIENT); // refused by checkClient
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
 * import { App, type ClientHandshake } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({
 *   port: 0,
 *   host: "127.0.0.1",
 *   onHandshake: (h: ClientHandshake) => ({ hello: h.sys.type }), // the answer's `user`
 * });
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`, { sys: { type: "my-client" } });
 * assert.deepEqual(client.handshake?.user, { hello: "my-client" });
 * client.close();
 * ```
 */
export interface ClientHandshake {
  /** `sys`: `type` and `version` of the client library, plus anything else it sent. */
  readonly sys: Readonly<Record<string, unknown>>;
  /** `user`: application data (an object; `{}` when absent). */
  readonly user: Readonly<Record<string, unknown>>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Server answers and kicks are read as pomelo clients read them: bad UTF-8 becomes U+FFFD. */
const lenientUtf8 = new TextDecoder();
const te = new TextEncoder();
/** The `user` of a handshake that sent none: one frozen object for all of them. */
const NO_USER: Readonly<Record<string, unknown>> = Object.freeze({});
/** `sys` of a server answer that sent none, and `dict` of one without a dictionary. */
const NOTHING: Readonly<Record<string, never>> = Object.freeze({});
/** No JSON value: JSON.parse never returns a symbol. */
const NOT_JSON = Symbol("not JSON");

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readJson(body: Uint8Array, decoder: TextDecoder): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return NOT_JSON;
  }
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
  const value = readJson(body, utf8);
  if (value === NOT_JSON) return "handshake: expected a UTF-8 JSON body";
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
 * import { type HandshakeAnswer, handshakeOk } from "./handshake.ts";
 * import { PomeloClientSession } from "./client_session.ts";
 * import { encodePacket } from "../../codec/pomelo_encoder.ts";
 * import assert from "node:assert/strict";
 * const answer: HandshakeAnswer = {
 *   heartbeatMs: 0, serverTimeMs: Date.now(), serializer: "json",
 *   dict: { onChat: 1 }, user: { motd: "hi" },
 * };
 * const ready: unknown[] = [];
 * const client = new PomeloClientSession(
 *   { write() {}, ready: (h) => ready.push(h.dict, h.user), response() {}, push() {}, close() {} },
 *   {},
 *   0,
 * );
 * client.open();
 * client.feed(encodePacket(1, handshakeOk(answer)), 0); // HANDSHAKE with the answer
 * assert.deepEqual(ready, [{ onChat: 1 }, { motd: "hi" }]);
 * assert.equal(client.nextDeadline(), undefined); // heartbeatMs 0: no heartbeats, no timer
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

/**
 * The JSON body of a client handshake: `{"sys":{"type":…,"version":…,"rsa":{}},"user":{…}}`.
 * `sys` defaults to pomelo's browser client (`type` "js-websocket", an empty `rsa`), with
 * weft's version as `version`; the fields given are added or win. `user` defaults to `{}`.
 *
 * @example
 * ```ts
 * import { clientHandshake, parseClientHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const body = clientHandshake({ version: "2.0" }, { token: "t" });
 * const parsed = parseClientHandshake(body);
 * assert.ok(typeof parsed !== "string");
 * assert.deepEqual(parsed.sys, { type: "js-websocket", version: "2.0", rsa: {} });
 * assert.deepEqual(parsed.user, { token: "t" });
 * ```
 */
export function clientHandshake(
  sys: Readonly<Record<string, unknown>> = {},
  user: unknown = {},
): Uint8Array {
  const hello = { sys: { type: "js-websocket", version: VERSION, rsa: {}, ...sys }, user };
  return te.encode(JSON.stringify(hello));
}

/**
 * What the server said in a successful handshake answer, as a client reads it.
 *
 * @example
 * ```ts
 * import { handshakeOk, parseServerHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const answer = parseServerHandshake(
 *   handshakeOk({ heartbeatMs: 30_000, serverTimeMs: 0, serializer: "json", dict: { onChat: 1 } }),
 * );
 * assert.ok(typeof answer !== "string");
 * assert.equal(answer.heartbeatMs, 30_000);
 * assert.deepEqual(answer.dict, { onChat: 1 });
 * ```
 */
export interface ServerHandshake {
  /** Heartbeat interval in ms (`sys.heartbeat` × 1000; 0 when absent: no heartbeats). */
  readonly heartbeatMs: number;
  /** The route dictionary `{ route: code }` (`sys.dict`, or pomelo's `sys.routeToCode`). */
  readonly dict: Readonly<Record<string, number>>;
  /** `sys.protos` (pomelo's protobuf schemas), when the server sent them. */
  readonly protos?: Readonly<Record<string, unknown>>;
  /** The whole `sys` object of the answer (`{}` when absent). */
  readonly sys: Readonly<Record<string, unknown>>;
  /** The answer's `user` field, if any. */
  readonly user: unknown;
}

/**
 * Parses a server's handshake answer. Returns a reason string (for the close event) when the
 * body is not JSON, not an object, or its `code` is not 200 (a 501 says the client's version
 * was refused). A `sys` that is missing or not an object reads as `{}`, as pomelo clients read
 * it; so does a `dict` that is not an object.
 *
 * @example
 * ```ts
 * import { handshakeFail, parseServerHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const ok = parseServerHandshake(new TextEncoder().encode('{"code":200,"sys":{"heartbeat":3}}'));
 * assert.ok(typeof ok !== "string");
 * assert.equal(ok.heartbeatMs, 3000);
 * assert.match(String(parseServerHandshake(handshakeFail(501))), /501.*refused/);
 * ```
 */
export function parseServerHandshake(body: Uint8Array): ServerHandshake | string {
  const value = readJson(body, lenientUtf8);
  if (value === NOT_JSON) return "handshake: expected a JSON response";
  if (!isObject(value)) return "handshake: expected a JSON object";
  const code = value.code;
  if (code !== HandshakeCode.OK) {
    const why = code === HandshakeCode.OLD_CLIENT ? " (client version refused)" : "";
    return `handshake: expected code 200, got ${code}${why}`;
  }
  const sys = isObject(value.sys) ? value.sys : NOTHING;
  const rawDict = sys.dict ?? sys.routeToCode;
  const dict = isObject(rawDict) ? rawDict as Record<string, number> : NOTHING;
  const seconds = typeof sys.heartbeat === "number" ? sys.heartbeat : 0;
  const answer = { heartbeatMs: seconds > 0 ? seconds * 1000 : 0, dict, sys, user: value.user };
  return isObject(sys.protos) ? { ...answer, protos: sys.protos } : answer;
}

/**
 * The JSON body of a KICK packet: `{"reason": reason}`.
 *
 * @example
 * ```ts
 * import { kickBody, parseKickReason } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(kickBody("bye")), '{"reason":"bye"}');
 * assert.equal(parseKickReason(kickBody("bye")), "bye");
 * ```
 */
export function kickBody(reason: string): Uint8Array {
  return te.encode(JSON.stringify({ reason }));
}

/**
 * The reason in a KICK body: its `reason` string; else the JSON as text (a server may kick
 * with any JSON), else the body as text; "" for an empty body.
 *
 * @example
 * ```ts
 * import { parseKickReason } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const te = new TextEncoder();
 * assert.equal(parseKickReason(te.encode('{"reason":"maintenance"}')), "maintenance");
 * assert.equal(parseKickReason(te.encode('{"code":1}')), '{"code":1}');
 * assert.equal(parseKickReason(te.encode("go away")), "go away");
 * ```
 */
export function parseKickReason(body: Uint8Array): string {
  const value = readJson(body, lenientUtf8);
  if (value === NOT_JSON) return lenientUtf8.decode(body);
  const reason = (value as { reason?: unknown } | null)?.reason;
  return typeof reason === "string" ? reason : JSON.stringify(value);
}
