/**
 * The accept loop shared by Deno's tcp and ipc listeners.
 * @module
 */

import { AcceptBackoff } from "../accept_backoff.ts";
import type { StreamListener } from "../types.ts";
import { isClosedLocally } from "./errors.ts";
import { setUpSignalsEarly } from "./signal_setup.ts";

/** What {@link acceptLoop} calls. */
export interface AcceptHooks {
  /** Each accepted conn. */
  onConn(conn: Deno.Conn): void;
  /** Once, after the listener is closed. */
  onClose?(): void;
  /** Each failed accept (e.g. out of file descriptors); the loop backs off and tries again. */
  onError?(error: Error): void;
}

/**
 * Runs `listener.accept()` until the listener closes, handing each conn to `onConn`.
 * Accept errors (e.g. too many open files) go to `onError` and are retried with back-off
 * (10 ms doubling to 1 s, reset by the next accepted conn), so the loop never spins.
 * `onClose` runs once, after the listener is closed (the ipc transport removes its file there).
 *
 * @example
 * ```ts
 * import { acceptLoop } from "./listener.ts";
 * import assert from "node:assert/strict";
 * const raw = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const listener = acceptLoop(raw, "tcp://127.0.0.1:" + raw.addr.port, {
 *   onConn: (conn) => conn.close(),
 * });
 * assert.ok(listener.endpoint.startsWith("tcp://127.0.0.1:"));
 * listener.close();
 * await listener.closed;
 * ```
 */
export function acceptLoop(
  listener: Deno.Listener,
  endpoint: string,
  hooks: AcceptHooks,
): StreamListener {
  setUpSignalsEarly(); // before accepting can use up the descriptors Deno needs for it
  let closing = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const backoff = new AcceptBackoff();
  (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closing || isClosedLocally(error)) break;
        hooks.onError?.(error instanceof Error ? error : new Error(String(error)));
        await new Promise((r) => setTimeout(r, backoff.next()));
        continue;
      }
      backoff.reset();
      if (closing) {
        conn.close();
        break;
      }
      hooks.onConn(conn);
    }
  })().finally(() => {
    closing = true;
    try {
      listener.close();
    } catch {
      // already closed
    }
    hooks.onClose?.();
    resolveClosed();
  });
  return {
    endpoint,
    closed,
    close() {
      if (closing) return;
      closing = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  };
}
