/**
 * What the CurveZMQ client and server share (RFC 26 as libzmq 4.3 speaks it): the nonce
 * prefixes, short-nonce arithmetic, the command bodies' fixed parts, and the traffic phase's
 * MESSAGE transform that boxes every frame with its MORE and COMMAND flags.
 * @module
 */

import { ZmtpFlag } from "../../../codec/zmtp.ts";
import type { FrameTransform, WireFrame } from "../mechanism.ts";
import { PrefixedBoxes } from "./box.ts";
import { ByteSlab } from "../../../core/byte_slab.ts";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The 16-octet prefixes of short nonces and the 8-octet prefixes of long ones. */
export const Prefix = {
  HELLO: ascii("CurveZMQHELLO---"),
  INITIATE: ascii("CurveZMQINITIATE"),
  READY: ascii("CurveZMQREADY---"),
  /** libzmq's MESSAGE prefixes, one per direction (RFC 26's grammar comment is out of date). */
  MESSAGE_FROM_CLIENT: ascii("CurveZMQMESSAGEC"),
  MESSAGE_FROM_SERVER: ascii("CurveZMQMESSAGES"),
  WELCOME: ascii("WELCOME-"),
  COOKIE: ascii("COOKIE--"),
  VOUCH: ascii("VOUCH---"),
} as const;

/** The command names of a CURVE handshake. */
export const CurveCommand = {
  HELLO: "HELLO",
  WELCOME: "WELCOME",
  INITIATE: "INITIATE",
  READY: "READY",
  ERROR: "ERROR",
} as const;

/** `07 'MESSAGE'`: the first 8 octets of every traffic frame. */
const MESSAGE_NAME = ascii("\x07MESSAGE");

/** HELLO, WELCOME and cookie sizes (libzmq's `curve_client_tools.hpp` / `curve_server.cpp`). */
export const Size = {
  /** HELLO data after `05 'HELLO'`: version 2, padding 72, C' 32, nonce 8, box 80. */
  HELLO_DATA: 194,
  /** WELCOME data after `07 'WELCOME'`: long nonce 16, box 144. */
  WELCOME_DATA: 160,
  /** A cookie: nonce 16 and secretbox 80. */
  COOKIE: 96,
  /** A vouch: nonce 16 and box 80. */
  VOUCH: 96,
  /** The smallest INITIATE data: cookie 96, nonce 8, box of C ‖ vouch (16 + 32 + 96). */
  INITIATE_DATA_MIN: 248,
  /** The smallest READY data: nonce 8, box of no metadata (16). */
  READY_DATA_MIN: 24,
  /** The smallest MESSAGE body: name 8, nonce 8, box of the flags octet (17). */
  MESSAGE_MIN: 33,
} as const;

/** The 24-octet nonce `prefix ‖ u64be(counter)` (short nonce) or `prefix ‖ bytes`. */
export function nonce(prefix: Uint8Array, tail: Uint8Array | number): Uint8Array {
  const out = new Uint8Array(24);
  out.set(prefix);
  if (typeof tail === "number") writeCounter(out, prefix.length, tail);
  else out.set(tail, prefix.length);
  return out;
}

/** Writes a counter as 8 big-endian octets. */
export function writeCounter(out: Uint8Array, at: number, counter: number): void {
  const hi = Math.floor(counter / 0x100000000);
  const lo = counter >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

/** Reads 8 big-endian octets as a number (exact up to 2^53; only order matters beyond). */
export function readCounter(bytes: Uint8Array, at: number): number {
  const hi = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) |
    bytes[at + 3]!) >>> 0;
  const lo = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) |
    bytes[at + 7]!) >>> 0;
  return hi * 0x100000000 + lo;
}

/** `05 'HELLO'` etc.: a command body from its name and parts. */
export function commandBody(name: string, ...parts: Uint8Array[]): Uint8Array {
  let size = 1 + name.length;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  out[0] = name.length;
  for (let i = 0; i < name.length; i++) out[1 + i] = name.charCodeAt(i);
  let at = 1 + name.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Equality of two byte strings without an early exit. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The inner flags octet of a MESSAGE box: bit 0 MORE, bit 1 COMMAND (libzmq's mask). */
const INNER_MORE = 0x01;
const INNER_COMMAND = 0x02;

/**
 * The traffic phase: every outgoing frame (message frames and commands such as SUBSCRIBE and
 * PING alike) becomes one MESSAGE command sent as a plain message frame (outer flags 0, as
 * libzmq sends them); every incoming frame must be a MESSAGE whose short nonce is larger than
 * the last one and whose box opens with the connection's precomputed key.
 */
export class CurveTraffic implements FrameTransform {
  /** Boxes for each direction, with the nonce prefix's HSalsa20 step done once. */
  readonly #sendBoxes: PrefixedBoxes;
  readonly #recvBoxes: PrefixedBoxes;
  /** The short nonce of the frame being sealed or opened (8 octets, reused). */
  readonly #sendCounter = new Uint8Array(8);
  readonly #recvCounter = new Uint8Array(8);
  /** Where MESSAGE bodies (sealed) and opened plaintexts are carved from. */
  readonly #slab = new ByteSlab(32768, 4096); // a pipe of 1–4 KiB messages pools them all
  #sent: number;
  #received: number;

  /**
   * `key` is `crypto_box_beforenm` of the two transient keys; `sent` the last short nonce we
   * used in the handshake, `received` the peer's.
   */
  constructor(key: Uint8Array, asServer: boolean, sent: number, received: number) {
    const fromServer = new PrefixedBoxes(key, Prefix.MESSAGE_FROM_SERVER);
    const fromClient = new PrefixedBoxes(key, Prefix.MESSAGE_FROM_CLIENT);
    this.#sendBoxes = asServer ? fromServer : fromClient;
    this.#recvBoxes = asServer ? fromClient : fromServer;
    this.#sent = sent;
    this.#received = received;
  }

  /** Boxes one frame into a MESSAGE command body. */
  encode(frame: WireFrame): WireFrame {
    const n = ++this.#sent;
    const body = this.#slab.take(32 + 1 + frame.body.length);
    body[32] = ((frame.flags & ZmtpFlag.MORE) !== 0 ? INNER_MORE : 0) |
      ((frame.flags & ZmtpFlag.COMMAND) !== 0 ? INNER_COMMAND : 0);
    body.set(frame.body, 33);
    writeCounter(this.#sendCounter, 0, n);
    this.#sendBoxes.sealInPlace(this.#sendCounter, body);
    body.set(MESSAGE_NAME, 0);
    body.set(this.#sendCounter, 8);
    return { flags: 0, body };
  }

  /** Opens one MESSAGE; a string names why the connection must close. */
  decode(frame: WireFrame): WireFrame | string {
    const body = frame.body;
    if (body.length < Size.MESSAGE_MIN || !startsWith(body, MESSAGE_NAME)) {
      return "CURVE: expected a MESSAGE command after the handshake, got " +
        (body.length < Size.MESSAGE_MIN ? `${body.length} octets` : "another frame");
    }
    const n = readCounter(body, 8);
    if (n <= this.#received) {
      return `CURVE: MESSAGE nonce ${n} is not above the last one (${this.#received}): ` +
        "replayed or reordered";
    }
    this.#recvCounter.set(body.subarray(8, 16));
    const plain = this.#recvBoxes.open(this.#recvCounter, body.subarray(16), this.#slab);
    if (plain === null) {
      return "CURVE: MESSAGE box does not authenticate (altered in transit or not from this peer)";
    }
    this.#received = n;
    const inner = plain[0]!;
    return {
      flags: ((inner & INNER_MORE) !== 0 ? ZmtpFlag.MORE : 0) |
        ((inner & INNER_COMMAND) !== 0 ? ZmtpFlag.COMMAND : 0),
      body: plain.subarray(1),
    };
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
