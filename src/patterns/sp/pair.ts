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
import { EMPTY, fromPipe, SpCore } from "./core.ts";
import type { SpCoreOptions, SpMessage } from "./core.ts";

const ONE = u32(1);

abstract class PairCore extends SpCore {
  #pipe: Pipe | undefined;

  protected constructor(protocol: SpProtocol, options: SpCoreOptions) {
    super(protocol, options);
  }

  protected override xaccept(pipe: Pipe): string | undefined {
    if (this.#pipe && this.#pipe !== pipe) return `${this.protocol.name} already has a peer`;
    return undefined;
  }

  protected xattach(pipe: Pipe): void {
    if (!this.#pipe) this.#pipe = pipe;
  }

  protected xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = undefined;
  }

  /** The wire header for an outgoing message, or undefined to drop it. */
  protected abstract outHeader(header: Uint8Array): Uint8Array | undefined;
  /** The message for the user from a payload, or undefined to drop it. */
  protected abstract inbound(payload: Uint8Array, pipe: Pipe): Message | undefined;

  protected override xsend(message: Message): boolean {
    const pipe = this.#pipe;
    if (!pipe) return false;
    const header = this.outHeader(message[0]!);
    if (!header) return true; // dropped (raw header out of range)
    return pipe.send([header, message[1]!]);
  }

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

/** PAIR0's core: no header. */
export class Pair0Core extends PairCore {
  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.pair0, options);
  }

  protected outHeader(): Uint8Array {
    return EMPTY;
  }

  protected inbound(payload: Uint8Array, pipe: Pipe): Message {
    return fromPipe(EMPTY, payload, pipe);
  }
}

/** PAIR1's core: the hop-count header. */
export class Pair1Core extends PairCore {
  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.pair1, options);
  }

  protected outHeader(header: Uint8Array): Uint8Array | undefined {
    if (!this.raw) return ONE;
    // Raw: the user's 4-byte hop count, incremented for this hop; too many hops → drop.
    if (header.length !== 4) return undefined;
    const hops = readU32(header, 0);
    if (hops >= this.maxTtl) return undefined;
    return u32(hops + 1);
  }

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

  override splitRaw(data: Uint8Array): SpMessage {
    return { header: data.subarray(0, 4), body: data.subarray(4) };
  }
}
