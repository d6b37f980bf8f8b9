/**
 * Dialing and listening helpers shared by Bun's tcp and ipc transports.
 * @module
 */

import { connectTimeoutError } from "../dial_errors.ts";
import type { StreamListener } from "../types.ts";
import type { BunListener, BunSocket, BunSocketHandler } from "./_bun_types.ts";
import { toWeftError } from "./errors.ts";
import { type BunStream, socketHandler } from "./stream.ts";

/** What {@link dialSocket} needs besides the connect call. */
export interface DialSpec {
  /** The endpoint text, for error messages. */
  readonly url: string;
  /** Give up after this many milliseconds (0 = the OS default). */
  readonly timeoutMs: number;
}

/**
 * Connects with `connect(handler)`, wraps the socket in `open` (so no early callback is lost),
 * and maps failures and the connect timeout to `WeftError`s.
 *
 * @example
 * ```ts
 * import { dialSocket } from "./connect.ts";
 * import assert from "node:assert/strict";
 * const refused = Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" });
 * await assert.rejects(
 *   dialSocket(() => Promise.reject(refused), () => {
 *     throw new Error("unreachable");
 *   }, { url: "tcp://127.0.0.1:1", timeoutMs: 0 }),
 *   { code: "ECONNREFUSED" },
 * );
 * ```
 */
export async function dialSocket(
  connect: (
    handler: BunSocketHandler<BunStream | undefined>,
  ) => Promise<BunSocket<BunStream | undefined>>,
  wrap: (socket: BunSocket<BunStream | undefined>) => BunStream,
  spec: DialSpec,
): Promise<BunStream> {
  let stream: BunStream | undefined;
  let timedOut = false;
  const connecting = connect(socketHandler((socket) => (stream = wrap(socket))));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = spec.timeoutMs > 0
    ? new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(connectTimeoutError(spec.url, spec.timeoutMs));
      }, spec.timeoutMs);
    })
    : undefined;
  try {
    const socket = await (deadline ? Promise.race([connecting, deadline]) : connecting);
    return stream ?? (socket.data as BunStream | undefined) ?? wrap(socket);
  } catch (error) {
    // A connect that completes after the deadline is closed, not leaked.
    if (timedOut) connecting.then((s) => s.end(), () => {});
    throw toWeftError(error, `connect to ${spec.url}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A {@link StreamListener} over a Bun listener; `onClose` runs once after it stops.
 *
 * @example
 * ```ts
 * import { listenerOf } from "./connect.ts";
 * import assert from "node:assert/strict";
 * let stopped = false;
 * const l = listenerOf({ port: 1, hostname: "h", stop: () => (stopped = true) }, "tcp://h:1");
 * l.close();
 * await l.closed;
 * assert.ok(stopped);
 * ```
 */
export function listenerOf(
  listener: BunListener,
  endpoint: string,
  onClose?: () => void,
): StreamListener {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let open = true;
  return {
    endpoint,
    closed,
    close() {
      if (!open) return;
      open = false;
      // false: already accepted streams live on.
      listener.stop(false);
      onClose?.();
      resolveClosed();
    },
  };
}
