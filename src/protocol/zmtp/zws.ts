/**
 * ZMTP over WebSocket, ZWS 2.0 (RFC 45) as libzmq 4.3 speaks it: the subprotocol names and
 * which one a mechanism offers and accepts, and the framing a {@link ZmtpSession} uses instead
 * of the byte stream when its connection is a WebSocket.
 *
 * The wire, per `libzmq/src/ws_encoder.cpp` and `ws_decoder.cpp`: no greeting; every ZMTP frame
 * is one binary WebSocket message whose first octet is a flag (0x01 MORE, 0x02 COMMAND) and
 * whose rest is the body; the mechanism's commands (NULL's READY, PLAIN's HELLO…, CURVE's) go
 * as command messages right after the upgrade; subscriptions travel as data messages
 * `0x01|topic` / `0x00|topic` (never SUBSCRIBE/CANCEL commands); heartbeats are the
 * WebSocket's own ping and pong. With the bare `ZWS2.0` subprotocol (NULL only) there are no
 * commands at all: each side's first message is its routing id. `ZWS2.0-<MECH>` is weft's
 * token spelling of `ZWS2.0/<MECH>` for browsers (see {@link zwsTokenAlias}).
 * @module
 */

import { readyCommand } from "./command.ts";
import { parseReady } from "./command.ts";

/** The subprotocol names (`Sec-WebSocket-Protocol`) of ZWS 2.0 and libzmq's CURVE extension. */
export const ZwsProtocol = {
  /** NULL with commands (READY both ways). */
  NULL: "ZWS2.0/NULL",
  /** PLAIN (RFC 24) with commands. */
  PLAIN: "ZWS2.0/PLAIN",
  /** CURVE (RFC 26): libzmq's own extension, not in RFC 45. */
  CURVE: "ZWS2.0/CURVE",
  /** No mechanism: each side sends its routing id first, then messages (jszmq speaks only this). */
  BARE: "ZWS2.0",
} as const;

/**
 * The token-safe spelling of a `ZWS2.0/<MECH>` name (`ZWS2.0-CURVE`), or `undefined` for any
 * other name. A browser's `WebSocket` offers only RFC 7230 tokens, and `/` is not one, so
 * `weft/zmq/browser` offers these instead; weft listeners accept both spellings, libzmq only
 * the `/` one (a page reaches libzmq with bare `ZWS2.0`, NULL only — see docs/zws.md).
 *
 * @example
 * ```ts
 * import { zwsTokenAlias } from "./zws.ts";
 * import assert from "node:assert/strict";
 * assert.equal(zwsTokenAlias("ZWS2.0/CURVE"), "ZWS2.0-CURVE");
 * assert.equal(zwsTokenAlias("ZWS2.0"), undefined); // already a token
 * ```
 */
export function zwsTokenAlias(protocol: string): string | undefined {
  return /^ZWS2\.0\/[A-Z]+$/.test(protocol) ? protocol.replace("/", "-") : undefined;
}

/**
 * libzmq's spelling of a ZWS subprotocol a client offered: the token spelling `ZWS2.0-CURVE`
 * becomes `ZWS2.0/CURVE` (the inverse of {@link zwsTokenAlias}); libzmq's own names and bare
 * `ZWS2.0` stay; anything else is `undefined`. What a ZWS relay offers libzmq for a page.
 *
 * @example
 * ```ts
 * import { zwsLibzmqName } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * assert.equal(zwsLibzmqName("ZWS2.0-CURVE"), "ZWS2.0/CURVE"); // a browser's offer
 * assert.equal(zwsLibzmqName("ZWS2.0"), "ZWS2.0");
 * assert.equal(zwsLibzmqName("chat"), undefined);
 * ```
 */
export function zwsLibzmqName(protocol: string): string | undefined {
  if (protocol === ZwsProtocol.BARE || /^ZWS2\.0\/[A-Z]+$/.test(protocol)) return protocol;
  return /^ZWS2\.0-[A-Z]+$/.test(protocol) ? protocol.replace("-", "/") : undefined;
}

/** How a ZWS connection starts: the mechanism's handshake, or the bare routing-id exchange. */
export type ZwsMode = "mechanism" | "routing-id";

/**
 * The subprotocols a dialer offers for its mechanism, best first, as libzmq does: NULL offers
 * `ZWS2.0/NULL` then bare `ZWS2.0`; PLAIN and CURVE offer only their own.
 *
 * @example
 * ```ts
 * import { zwsOffer } from "./zws.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(zwsOffer("NULL"), ["ZWS2.0/NULL", "ZWS2.0"]);
 * assert.deepEqual(zwsOffer("CURVE"), ["ZWS2.0/CURVE"]);
 * ```
 */
export function zwsOffer(mechanism: string): string[] {
  if (mechanism === "NULL") return [ZwsProtocol.NULL, ZwsProtocol.BARE];
  return [`ZWS2.0/${mechanism}`];
}

/**
 * What a listener picks from a client's offer: the first offered subprotocol that matches its
 * own mechanism (libzmq's `select_protocol`), so NULL takes `ZWS2.0/NULL` or bare `ZWS2.0`;
 * the token spellings a browser offers (`ZWS2.0-CURVE`, {@link zwsTokenAlias}) match too.
 * `undefined` refuses the upgrade (HTTP 400).
 *
 * @example
 * ```ts
 * import { selectZwsProtocol } from "./zws.ts";
 * import assert from "node:assert/strict";
 * assert.equal(selectZwsProtocol("NULL", ["ZWS2.0"]), "ZWS2.0"); // jszmq
 * assert.equal(selectZwsProtocol("CURVE", ["ZWS2.0-CURVE"]), "ZWS2.0-CURVE"); // a page
 * assert.equal(selectZwsProtocol("NULL", ["ZWS2.0/PLAIN"]), undefined); // mechanism mismatch
 * ```
 */
export function selectZwsProtocol(
  mechanism: string,
  offered: readonly string[],
): string | undefined {
  const own = zwsOffer(mechanism);
  const alias = zwsTokenAlias(own[0]!);
  if (alias !== undefined) own.push(alias);
  return offered.find((p) => own.includes(p));
}

/**
 * The mode a negotiated subprotocol means, or `undefined` when it is not ZWS 2.0.
 *
 * @example
 * ```ts
 * import { zwsMode } from "./zws.ts";
 * import assert from "node:assert/strict";
 * assert.equal(zwsMode("ZWS2.0/NULL"), "mechanism");
 * assert.equal(zwsMode("ZWS2.0-CURVE"), "mechanism"); // a browser's spelling
 * assert.equal(zwsMode("ZWS2.0"), "routing-id");
 * assert.equal(zwsMode("pair.sp.nanomsg.org"), undefined);
 * ```
 */
export function zwsMode(protocol: string | undefined): ZwsMode | undefined {
  if (protocol === ZwsProtocol.BARE) return "routing-id";
  if (protocol?.startsWith("ZWS2.0/") || protocol?.startsWith("ZWS2.0-")) return "mechanism";
  return undefined;
}

/** ZMTP's flag bits as the session uses them (the byte-stream encoding). */
const MORE = 0x01;
const COMMAND = 0x04;
/** ZWS's flag octet. */
const ZWS_MORE = 0x01;
const ZWS_COMMAND = 0x02;

/** Options of {@link ZwsFraming}. */
export interface ZwsFramingOptions {
  /** `mechanism` for `ZWS2.0/<MECH>`, `routing-id` for bare `ZWS2.0`. */
  readonly mode: ZwsMode;
  /** Sends a WebSocket ping (the ZMTP heartbeat over ZWS); absent: no heartbeats. */
  readonly ping?: () => void;
}

/**
 * The framing of one ZWS connection: frames in and out as one WebSocket message each, and, in
 * the bare `ZWS2.0` mode, the routing-id exchange shown to the session as a NULL READY (our
 * READY goes out as our routing id; the peer's first message comes in as a READY carrying only
 * its `Identity`), so the same mechanism code drives every mode.
 *
 * @example
 * ```ts
 * import { ZwsFraming } from "./zws.ts";
 * import assert from "node:assert/strict";
 * const zws = new ZwsFraming({ mode: "mechanism" });
 * zws.add(new TextEncoder().encode("topic"), 0x01); // MORE
 * zws.add(new TextEncoder().encode("body"));
 * const messages: Uint8Array[] = [];
 * zws.flush((m) => messages.push(m));
 * assert.deepEqual(messages.map((m) => m[0]), [0x01, 0x00]); // one message per frame
 * const got: string[] = [];
 * zws.feed(messages[0]!, (flags, body) => got.push(`${flags}:${new TextDecoder().decode(body)}`));
 * assert.deepEqual(got, ["1:topic"]);
 * ```
 */
export class ZwsFraming {
  /** The mode negotiated. */
  readonly mode: ZwsMode;
  /** Sends a WebSocket ping, when the transport can. */
  readonly ping: (() => void) | undefined;
  #bodies: Uint8Array[] = [];
  #flags: number[] = [];
  #ownIdSent = false;
  #peerIdSeen = false;

  /** Framing for a connection that negotiated `options.mode`. */
  constructor(options: ZwsFramingOptions) {
    this.mode = options.mode;
    this.ping = options.ping;
  }

  /** Stages one frame (ZMTP flags: MORE 0x01 or COMMAND 0x04) as one message. */
  add(body: Uint8Array, flags: number = 0): void {
    if (this.mode === "routing-id" && !this.#ownIdSent && (flags & COMMAND) !== 0) {
      // Our NULL READY: what bare ZWS sends instead is our routing id, as a plain message.
      const ready = parseReady(body.subarray(1 + body[0]!));
      this.#ownIdSent = true;
      const id = ready.ok ? ready.properties.get("identity") : undefined;
      this.#bodies.push(id ?? new Uint8Array(0));
      this.#flags.push(0);
      return;
    }
    this.#bodies.push(body);
    this.#flags.push(flags);
  }

  /** Writes every staged frame, one message per `write` (flag octet, then the body). */
  flush(write: (message: Uint8Array) => void): void {
    const bodies = this.#bodies;
    const flags = this.#flags;
    this.#bodies = [];
    this.#flags = [];
    for (let i = 0; i < bodies.length; i++) {
      const body = bodies[i]!;
      const f = flags[i]!;
      const message = new Uint8Array(1 + body.length);
      message[0] = ((f & MORE) !== 0 ? ZWS_MORE : 0) | ((f & COMMAND) !== 0 ? ZWS_COMMAND : 0);
      message.set(body, 1);
      write(message);
    }
  }

  /**
   * Takes one received message as one frame (ZMTP flags passed on). Returns `null`, or the
   * reason the message is bad input (the connection closes on it).
   */
  feed(message: Uint8Array, onFrame: (flags: number, body: Uint8Array) => void): string | null {
    if (message.length === 0) {
      return "expected a ZWS frame (a flag octet, then the body), got an empty message";
    }
    const zf = message[0]!;
    if ((zf & ~(ZWS_MORE | ZWS_COMMAND)) !== 0) {
      return `expected ZWS flags 0x00-0x03 (MORE 0x01, COMMAND 0x02), got 0x${hex(zf)}`;
    }
    if (zf === (ZWS_MORE | ZWS_COMMAND)) {
      return "expected a command frame without MORE (commands are single frames), got flags 0x03";
    }
    const body = message.subarray(1);
    if (this.mode === "routing-id" && !this.#peerIdSeen) {
      this.#peerIdSeen = true;
      if (zf !== 0) {
        return `expected the peer's routing id first (bare ZWS2.0), got flags 0x${hex(zf)}`;
      }
      if (body.length > 255) {
        return `expected a routing id of at most 255 octets, got ${body.length}`;
      }
      onFrame(COMMAND, readyCommand([["Identity", body]]));
      return null;
    }
    onFrame(((zf & ZWS_MORE) !== 0 ? MORE : 0) | ((zf & ZWS_COMMAND) !== 0 ? COMMAND : 0), body);
    return null;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
