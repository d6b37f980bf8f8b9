/**
 * SP socket options in nng's names (times in ms), and how they map onto the socket core's:
 * `sendBuffer`/`recvBuffer` are the high-water marks, `reconnectTime`/`reconnectMaxTime` the
 * re-dial back-off, `recvTimeout` the receive timeout. `raw`, `recvMaxSize` and `maxTtl` are
 * SP's own.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { CoreOptions } from "../../core/options.ts";
import type { TransportRegistry } from "../../transport/types.ts";

/** Options every SP socket accepts (in the constructor object or as properties; times in ms). */
export interface SpOptions {
  /** Raw mode: SP headers are exposed on receive and required on send (for devices). */
  raw?: boolean;
  /** Largest message accepted, bytes; larger closes that connection (EMSGSIZE). 0 = no limit. Default 1 MiB. */
  recvMaxSize?: number;
  /** send() fails with ETIMEDOUT after this many ms; -1 = wait forever (default). */
  sendTimeout?: number;
  /** recv() fails with ETIMEDOUT after this many ms; -1 = wait forever (default). */
  recvTimeout?: number;
  /** Most hops a routed message may have taken (1–15). Default 8. */
  maxTtl?: number;
  /** Messages queued per peer before send waits (or PUB/BUS/SURVEYOR drop). Default 128 (PUB 16). */
  sendBuffer?: number;
  /** Messages queued per peer before reading from it pauses. Default 128. */
  recvBuffer?: number;
  /** First re-dial delay, ms. Default 1000 (nng 1.5.2). */
  reconnectTime?: number;
  /** Cap of the doubling re-dial delay, ms; 0 = no back-off. Default 0. */
  reconnectMaxTime?: number;
  /**
   * How long `close()` keeps flushing messages `send()` accepted, ms; -1 = until written,
   * 0 = drop them (nng's behaviour). Default {@link DEFAULT_LINGER} (nanomsg's `NN_LINGER`).
   */
  linger?: number;
  /** The transports to use (default: the runtime's tcp, ipc and ws, plus inproc). */
  transports?: TransportRegistry;
}

/** Default `sendBuffer` per socket (nng's PUB queues 16 per pipe). */
export const DEFAULT_BUFFER = 128;

/**
 * Default `linger`, ms: how long an SP socket's `close()` keeps flushing what `send()`
 * accepted. nng drops queued messages on close; weft flushes them for up to a second, the
 * default nanomsg documented for `NN_LINGER`, so `close(); await closed` does not cut off a
 * burst, yet a peer that stopped reading cannot hold a close for long.
 */
export const DEFAULT_LINGER = 1000;

/**
 * The socket core's options for {@link SpOptions}: every connection its own pipe
 * (`immediate`), as in nng, so a dropped peer is detached at once (REQ resends, PAIR frees
 * its slot).
 *
 * @example
 * ```ts
 * import { coreOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * const core = coreOptions({ sendBuffer: 0, recvTimeout: 250 });
 * assert.equal(core.sendHighWaterMark, 1); // at least one message per peer
 * assert.equal(core.receiveTimeout, 250);
 * assert.equal(core.reconnectInterval, 1000);
 * ```
 */
export function coreOptions(options: SpOptions, sendBuffer = DEFAULT_BUFFER): Partial<CoreOptions> {
  return {
    sendHighWaterMark: Math.max(1, options.sendBuffer ?? sendBuffer),
    receiveHighWaterMark: Math.max(1, options.recvBuffer ?? DEFAULT_BUFFER),
    reconnectInterval: options.reconnectTime ?? 1000,
    reconnectMaxInterval: options.reconnectMaxTime ?? 0,
    sendTimeout: options.sendTimeout ?? -1,
    receiveTimeout: options.recvTimeout ?? -1,
    linger: options.linger ?? DEFAULT_LINGER,
    immediate: true,
  };
}

/**
 * Checks `recvMaxSize` (0..2^32-1).
 *
 * @example
 * ```ts
 * import { checkSize } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkSize(4096), 4096);
 * assert.throws(() => checkSize(-1), { code: "EINVAL" });
 * ```
 */
export function checkSize(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WeftError(
      "EINVAL",
      `option recvMaxSize: expected an integer 0..2^32-1, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks `maxTtl` (nng accepts 1–15).
 *
 * @example
 * ```ts
 * import { checkTtl } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkTtl(8), 8);
 * assert.throws(() => checkTtl(16), { code: "EINVAL" });
 * ```
 */
export function checkTtl(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 15) {
    throw new WeftError("EINVAL", `option maxTtl: expected an integer 1..15, got ${value}`);
  }
  return value;
}
