/**
 * PAIR0 and PAIR1: one peer, both directions, with back-pressure. A second peer is refused
 * while the first is connected (nng's monogamous mode). PAIR1 carries a u32 hop count: 1 on
 * the wire from a cooked sender; a header shorter than 4 bytes or above 0xff closes the
 * connection; above `maxTtl` the message is dropped.
 * @module
 */

import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import { readU32, u32 } from "../../protocol/sp/backtrace.ts";
import { EMPTY, fromPipe } from "./message.ts";
import { SpSocket } from "./socket.ts";
import type { SpMessage } from "./message.ts";
import type { SpOptions } from "./options.ts";

const ONE = u32(1);

/**
 * What PAIR0 and PAIR1 share: one peer at a time (a second is refused while the first is
 * connected), back-pressure both ways; each adds its header rules.
 *
 * @example
 * ```ts
 * import { Pair0, Pair1, type SpPairSocket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // Code that works over either pair protocol takes an SpPairSocket.
 * const echoOnce = async (pair: SpPairSocket) => await pair.send(await pair.recv());
 * await using a = new Pair1();
 * await a.listen("inproc://sp-pair-socket-doc");
 * await using b = new Pair1();
 * await b.dial("inproc://sp-pair-socket-doc");
 * await b.send("hello");
 * await echoOnce(a);
 * assert.equal(new TextDecoder().decode(await b.recv()), "hello");
 * await using other = new Pair0(); // a Pair0 fits the same function
 * await assert.rejects(echoOnce(Object.assign(other, { recvTimeout: 10 })), { code: "ETIMEDOUT" });
 * ```
 */
export abstract class SpPairSocket extends SpSocket {
  #pipe: Pipe | undefined;

  /** Subclasses pass their protocol (pair0 or pair1) and the user's options. */
  protected constructor(protocol: SpProtocol, options: SpOptions) {
    super(protocol, options);
  }

  /** Checks a peer after its handshake; a reason refuses it. */
  protected override xaccept(pipe: Pipe): string | undefined {
    if (this.#pipe && this.#pipe !== pipe) return `${this.protocol} already has a peer`;
    return undefined;
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    if (!this.#pipe) this.#pipe = pipe;
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = undefined;
  }

  /** The wire header for an outgoing message, or undefined to drop it. */
  protected abstract outHeader(header: Uint8Array): Uint8Array | undefined;
  /** The message for the user from a payload, or undefined to drop it. */
  protected abstract inbound(payload: Uint8Array, pipe: Pipe): Message | undefined;

  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const pipe = this.#pipe;
    if (!pipe) return false;
    const header = this.outHeader(message[0]!);
    if (!header) return true; // dropped (raw header out of range)
    return pipe.send([header, message[1]!]);
  }

  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    const pipe = this.#pipe;
    if (!pipe) return undefined;
    for (let m = pipe.read(); m; m = pipe.read()) {
      const out = this.inbound(m[0]!, pipe);
      if (out) return out;
    }
    return undefined;
  }
}

/**
 * PAIR0: one peer, both directions, no header.
 *
 * @example
 * ```ts
 * import { Pair0, type Pair0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const ping = async (pair: Pair0Socket) => {
 *   await pair.send("ping");
 *   return new TextDecoder().decode(await pair.recv());
 * };
 * await using a = new Pair0();
 * await a.listen("inproc://pair0-socket-doc");
 * await using b = new Pair0();
 * await b.dial("inproc://pair0-socket-doc");
 * const answer = ping(b);
 * await a.recv();
 * await a.send("pong");
 * assert.equal(await answer, "pong");
 * ```
 */
export class Pair0Socket extends SpPairSocket {
  /** Creates a PAIR0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.pair0, options);
  }

  /** The wire header for an outgoing message, or undefined to drop it. */
  protected outHeader(): Uint8Array {
    return EMPTY;
  }

  /** The message for the user from a payload, or undefined to drop it. */
  protected inbound(payload: Uint8Array, pipe: Pipe): Message {
    return fromPipe(EMPTY, payload, pipe);
  }
}

/**
 * PAIR1 (monogamous): one peer, hop-counted.
 *
 * @example
 * ```ts
 * import { Pair1, type Pair1Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const ping = async (pair: Pair1Socket) => {
 *   await pair.send("ping");
 *   return new TextDecoder().decode(await pair.recv());
 * };
 * await using a = new Pair1();
 * await a.listen("inproc://pair1-socket-doc");
 * await using b = new Pair1();
 * await b.dial("inproc://pair1-socket-doc");
 * const answer = ping(b);
 * await a.recv();
 * await a.send("pong");
 * assert.equal(await answer, "pong");
 * ```
 */
export class Pair1Socket extends SpPairSocket {
  /** Creates a PAIR1 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.pair1, options);
  }

  /** The wire header for an outgoing message, or undefined to drop it. */
  protected outHeader(header: Uint8Array): Uint8Array | undefined {
    if (!this.raw) return ONE;
    // Raw: the user's 4-byte hop count, incremented for this hop; too many hops → drop.
    if (header.length !== 4) return undefined;
    const hops = readU32(header, 0);
    if (hops >= this.maxTtl) return undefined;
    return u32(hops + 1);
  }

  /** The message for the user from a payload, or undefined to drop it. */
  protected inbound(payload: Uint8Array, pipe: Pipe): Message | undefined {
    if (payload.length < 4) {
      pipe.abort("EPROTO", `pair1: expected a 4-byte hop count, got ${payload.length} bytes`);
      return undefined;
    }
    const hops = readU32(payload, 0);
    if (hops > 0xff) {
      pipe.abort("EPROTO", `pair1: expected a hop count ≤ 255, got ${hops}`);
      return undefined;
    }
    if (hops > this.maxTtl) return undefined; // too many hops: dropped, connection kept
    return fromPipe(this.raw ? payload.subarray(0, 4) : EMPTY, payload.subarray(4), pipe);
  }

  /** Splits a raw `send(bytes)` into this protocol's header and body. */
  protected override splitRaw(data: Uint8Array): SpMessage {
    return { header: data.subarray(0, 4), body: data.subarray(4) };
  }
}
