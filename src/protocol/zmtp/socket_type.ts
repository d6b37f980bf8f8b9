/**
 * ZMTP socket type names (the `Socket-Type` property) and the RFC 37 compatibility matrix,
 * which is also exactly what libzmq 4.3 enforces (`mechanism_t::check_socket_type`).
 * @module
 */

/**
 * The socket type names ZMTP peers announce in READY, as an `as const` object.
 *
 * @example
 * ```ts
 * import { SocketType } from "./socket_type.ts";
 * import { ZmtpSession, type ZmtpSessionSink } from "./session.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const sink = (peer: () => ZmtpSession): ZmtpSessionSink => ({
 *   write: (bytes) => peer().feed(bytes, 0),
 *   ready: (p) => seen.push(p.socketType), // what the other side announced in READY
 *   message() {}, subscription() {}, error() {},
 * });
 * const push: ZmtpSession = new ZmtpSession(
 *   { socketType: SocketType.PUSH, asServer: false },
 *   sink(() => pull),
 * );
 * const pull: ZmtpSession = new ZmtpSession(
 *   { socketType: SocketType.PULL, asServer: true },
 *   sink(() => push),
 * );
 * push.start(0);
 * pull.start(0);
 * assert.deepEqual(seen.sort(), [SocketType.PULL, SocketType.PUSH]);
 * ```
 */
export const SocketType = {
  REQ: "REQ",
  REP: "REP",
  DEALER: "DEALER",
  ROUTER: "ROUTER",
  PUB: "PUB",
  XPUB: "XPUB",
  SUB: "SUB",
  XSUB: "XSUB",
  PUSH: "PUSH",
  PULL: "PULL",
  PAIR: "PAIR",
  CLIENT: "CLIENT",
  SERVER: "SERVER",
  RADIO: "RADIO",
  DISH: "DISH",
  SCATTER: "SCATTER",
  GATHER: "GATHER",
  PEER: "PEER",
  CHANNEL: "CHANNEL",
} as const;

/** One of the {@link SocketType} names. */
export type SocketType = typeof SocketType[keyof typeof SocketType];

const PEERS: Readonly<Record<SocketType, readonly SocketType[]>> = {
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  PAIR: ["PAIR"],
  CLIENT: ["SERVER"],
  SERVER: ["CLIENT"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  SCATTER: ["GATHER"],
  GATHER: ["SCATTER"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
};

/**
 * Whether `name` is one of the ZMTP socket type names (exact, upper case, as libzmq compares).
 *
 * @example
 * ```ts
 * import { isSocketType } from "./socket_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isSocketType("PUB"), true);
 * assert.equal(isSocketType("pub"), false);
 * ```
 */
export function isSocketType(name: string): name is SocketType {
  return Object.hasOwn(PEERS, name);
}

/**
 * The socket types a socket of type `ours` may talk to (RFC 37 matrix).
 *
 * @example
 * ```ts
 * import { compatiblePeers } from "./socket_type.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(compatiblePeers("REQ"), ["REP", "ROUTER"]);
 * ```
 */
export function compatiblePeers(ours: SocketType): readonly SocketType[] {
  return PEERS[ours];
}

/**
 * Whether a socket of type `ours` accepts a peer announcing `theirs`. Unknown names are
 * incompatible; the comparison is exact, as in libzmq.
 *
 * @example
 * ```ts
 * import { isCompatible } from "./socket_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isCompatible("DEALER", "ROUTER"), true);
 * assert.equal(isCompatible("PUSH", "PUSH"), false);
 * ```
 */
export function isCompatible(ours: SocketType, theirs: string): boolean {
  return (PEERS[ours] as readonly string[]).includes(theirs);
}
