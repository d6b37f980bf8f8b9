/**
 * The ZAP (RFC 27) request and reply as weft's mechanisms hand them to an authenticator.
 *
 * A server-side mechanism (PLAIN, CURVE, or NULL when the socket has an authenticator) stops
 * its handshake at the point where libzmq would ask its ZAP handler, returns an
 * `authenticate` step carrying a {@link ZapRequest}, and continues with the {@link ZapReply}
 * the session passes to `resume`. The socket layer decides who answers: a user callback, an
 * allow-list, or an RFC 27 handler bound at `inproc://zeromq.zap.01`.
 * @module
 */

/** What the server asks its authenticator about one connecting peer (RFC 27 request). */
export interface ZapRequest {
  /** The ZAP domain (the socket's `zapDomain` option; empty by default). */
  readonly domain: string;
  /** The peer's address: its IP for tcp (no port, as libzmq), else the transport's address. */
  readonly address: string;
  /** The local socket's routing id (RFC 27 "identity": libzmq sends the server's own). */
  readonly routingId: Uint8Array;
  /** `NULL`, `PLAIN` or `CURVE`. */
  readonly mechanism: string;
  /** PLAIN: [username, password]; CURVE: [the client's 32-byte long-term public key]; NULL: []. */
  readonly credentials: readonly Uint8Array[];
}

/** The authenticator's answer (RFC 27 reply). */
export interface ZapReply {
  /** 200 accepts; 300 (temporary), 400 (refused) and 500 (internal error) refuse. */
  readonly status: 200 | 300 | 400 | 500;
  /** Why, for a refusal; sent to nobody (the client sees only the status code, as libzmq). */
  readonly statusText?: string;
  /** The authenticated identity: becomes the `User-Id` property of received messages. */
  readonly userId?: string;
  /** Extra properties merged into the peer's metadata (as libzmq merges ZAP metadata). */
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
}

/** What a server-side mechanism needs to build a {@link ZapRequest}: all but the credentials. */
export interface ZapContext {
  /** The ZAP domain (the socket's `zapDomain`). */
  readonly domain: string;
  /** The peer's address (IP for tcp, as libzmq sends it). */
  readonly address: string;
  /** The local socket's routing id. */
  readonly routingId: Uint8Array;
}

/** The status codes RFC 27 defines (libzmq accepts nothing else). */
const STATUSES: ReadonlySet<number> = new Set([200, 300, 400, 500]);

/** Longest user id and status text (RFC 27: strings of at most 255 characters). */
const MAX_ZAP_STRING = 255;

/**
 * Checks what an authenticator returned: the reply, or why it is unusable (the session then
 * answers 500 with that reason, as libzmq treats a malformed ZAP reply as an internal error).
 *
 * @example
 * ```ts
 * import { checkZapReply } from "./zap.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkZapReply({ status: 200, userId: "ann" }), { status: 200, userId: "ann" });
 * assert.match(String(checkZapReply({ status: 201 })), /200, 300, 400 or 500/);
 * ```
 */
export function checkZapReply(value: unknown): ZapReply | string {
  if (value === null || typeof value !== "object") {
    return `expected { status: 200 | 300 | 400 | 500, … }, got ${
      value === null ? "null" : typeof value
    }`;
  }
  const r = value as Record<string, unknown>;
  if (typeof r.status !== "number" || !STATUSES.has(r.status)) {
    return `expected status 200, 300, 400 or 500, got ${JSON.stringify(r.status)}`;
  }
  if (
    r.userId !== undefined && (typeof r.userId !== "string" || r.userId.length > MAX_ZAP_STRING)
  ) {
    return `expected userId to be a string of at most ${MAX_ZAP_STRING} characters`;
  }
  if (r.statusText !== undefined && typeof r.statusText !== "string") {
    return "expected statusText to be a string";
  }
  if (r.metadata !== undefined) {
    if (!(r.metadata instanceof Map)) return "expected metadata to be a Map of name → bytes";
    for (const [k, v] of r.metadata) {
      if (typeof k !== "string" || !(v instanceof Uint8Array)) {
        return "expected metadata to be a Map of name → Uint8Array";
      }
    }
  }
  return value as ZapReply;
}

/**
 * The handshake step for a refusal (status 300, 400 or 500): libzmq answers ERROR with the
 * status code as the reason, except 300 (temporary), where it closes without a word.
 *
 * @example
 * ```ts
 * import { zapRefusal } from "./zap.ts";
 * import assert from "node:assert/strict";
 * const step = zapRefusal("PLAIN", { status: 400, statusText: "wrong password" });
 * assert.equal(step.reply, "400");
 * assert.equal(step.code, "EACCES");
 * assert.match(step.reason, /PLAIN.*400.*wrong password/);
 * ```
 */
export function zapRefusal(
  mechanism: string,
  reply: ZapReply,
): { kind: "error"; code: "EACCES"; reason: string; reply?: string } {
  const text = reply.statusText ? `: ${reply.statusText}` : "";
  const reason = `authentication refused (${mechanism}, ZAP status ${reply.status}${text})`;
  return reply.status === 300
    ? { kind: "error", code: "EACCES", reason }
    : { kind: "error", code: "EACCES", reason, reply: String(reply.status) };
}

/**
 * The step for an ERROR received during a handshake: a ZAP status code as the reason means
 * the peer refused our credentials (`EACCES`); anything else is its protocol complaint.
 *
 * @example
 * ```ts
 * import { peerErrorStep } from "./zap.ts";
 * import assert from "node:assert/strict";
 * assert.equal(peerErrorStep("PLAIN", "400").code, "EACCES");
 * assert.equal(peerErrorStep("NULL", "Invalid socket type").code, "EPROTO");
 * ```
 */
export function peerErrorStep(
  mechanism: string,
  reason: string | null,
): { kind: "error"; code: "EPROTO" | "EACCES"; reason: string } {
  if (reason === null) {
    return { kind: "error", code: "EPROTO", reason: "malformed ERROR command from the peer" };
  }
  if (/^[345]00$/.test(reason)) {
    return {
      kind: "error",
      code: "EACCES",
      reason: `the peer refused our ${mechanism} handshake: ERROR "${reason}" ` +
        `(authentication ${reason === "300" ? "temporarily failed" : "failed"})`,
    };
  }
  return {
    kind: "error",
    code: "EPROTO",
    reason: `the peer refused the handshake: ERROR "${reason}"`,
  };
}
