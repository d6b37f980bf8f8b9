/**
 * SP protocol ids (`protocol << 4 | role`), names and peers, as nng 1.5.2 and nanomsg number
 * them, plus the WebSocket subprotocol names (`<name>.sp.nanomsg.org`).
 * @module
 */

/** One SP protocol: its id, its nng name, and the protocol it talks to. */
export interface SpProtocol {
  /** The 16-bit id sent in the connection header (e.g. 0x30 for req0). */
  readonly id: number;
  /** nng's protocol name, also the ws subprotocol stem (e.g. `req`, `pair1`). */
  readonly name: string;
  /** The id of the peer protocol (e.g. 0x31 for req0). */
  readonly peer: number;
  /** The peer protocol's name. */
  readonly peerName: string;
}

const proto = (id: number, name: string, peer: number, peerName: string): SpProtocol =>
  Object.freeze({ id, name, peer, peerName });

/**
 * The protocols by versioned name (the type of {@link SpProtocols}).
 *
 * @example
 * ```ts
 * import { Pull0, Push0, SpProtocols, type SpProtocolTable } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // nng connects two protocols only when each is the other's peer:
 * const talk = (a: keyof SpProtocolTable, b: keyof SpProtocolTable) =>
 *   SpProtocols[a].peer === SpProtocols[b].id && SpProtocols[b].peer === SpProtocols[a].id;
 * assert.ok(talk("push0", "pull0"));
 * assert.ok(!talk("push0", "rep0"));
 * await using push = new Push0();
 * await using pull = new Pull0();
 * assert.deepEqual([push.protocolId, pull.protocolId], [SpProtocols.push0.id, SpProtocols.pull0.id]);
 * ```
 */
export interface SpProtocolTable {
  /** pair v0 (0x10): one peer, both directions; talks to pair0. */
  readonly pair0: SpProtocol;
  /** pair v1 (0x11): pair with a hop count in the header; talks to pair1. */
  readonly pair1: SpProtocol;
  /** pub v0 (0x20): sends to every subscriber; talks to sub0. */
  readonly pub0: SpProtocol;
  /** sub v0 (0x21): receives what matches its subscriptions; talks to pub0. */
  readonly sub0: SpProtocol;
  /** req v0 (0x30): sends requests, receives replies; talks to rep0. */
  readonly req0: SpProtocol;
  /** rep v0 (0x31): receives requests, sends replies; talks to req0. */
  readonly rep0: SpProtocol;
  /** push v0 (0x50): sends round-robin; talks to pull0. */
  readonly push0: SpProtocol;
  /** pull v0 (0x51): receives fair-queued; talks to push0. */
  readonly pull0: SpProtocol;
  /** surveyor v0 (0x62): asks every respondent, collects answers; talks to respondent0. */
  readonly surveyor0: SpProtocol;
  /** respondent v0 (0x63): answers surveys; talks to surveyor0. */
  readonly respondent0: SpProtocol;
  /** bus v0 (0x70): every message to every directly connected peer; talks to bus0. */
  readonly bus0: SpProtocol;
}

/**
 * Every SP protocol weft speaks, by nng's versioned name.
 *
 * @example
 * ```ts
 * import { SpProtocols } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * assert.equal(SpProtocols.req0.id, 0x30);
 * assert.equal(SpProtocols.req0.peerName, "rep");
 * ```
 */
export const SpProtocols: SpProtocolTable = {
  pair0: proto(0x10, "pair", 0x10, "pair"),
  pair1: proto(0x11, "pair1", 0x11, "pair1"),
  pub0: proto(0x20, "pub", 0x21, "sub"),
  sub0: proto(0x21, "sub", 0x20, "pub"),
  req0: proto(0x30, "req", 0x31, "rep"),
  rep0: proto(0x31, "rep", 0x30, "req"),
  push0: proto(0x50, "push", 0x51, "pull"),
  pull0: proto(0x51, "pull", 0x50, "push"),
  surveyor0: proto(0x62, "surveyor", 0x63, "respondent"),
  respondent0: proto(0x63, "respondent", 0x62, "surveyor"),
  bus0: proto(0x70, "bus", 0x70, "bus"),
};

/**
 * The name of a protocol id (`0x31` → `rep`), or its hex form when unknown.
 *
 * @example
 * ```ts
 * import { protocolName } from "./ids.ts";
 * import assert from "node:assert/strict";
 * assert.equal(protocolName(0x31), "rep");
 * assert.equal(protocolName(0x640), "0x640");
 * ```
 */
export function protocolName(id: number): string {
  for (const p of Object.values(SpProtocols)) if (p.id === id) return p.name;
  return `0x${id.toString(16)}`;
}

/**
 * The WebSocket subprotocol naming an SP protocol: `<name>.sp.nanomsg.org`. A dialer offers
 * its peer's name; a listener accepts only its own.
 *
 * @example
 * ```ts
 * import { SpProtocols, wsSubprotocol } from "./ids.ts";
 * import assert from "node:assert/strict";
 * assert.equal(wsSubprotocol(SpProtocols.req0.peerName), "rep.sp.nanomsg.org");
 * ```
 */
export function wsSubprotocol(name: string): string {
  return `${name}.sp.nanomsg.org`;
}
