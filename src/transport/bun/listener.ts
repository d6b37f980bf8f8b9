/**
 * A Bun tcp or tls listener that survives running out of file descriptors.
 *
 * When an accept fails for want of descriptors (EMFILE, ENFILE), Bun 1.4 retries it at once,
 * forever: 100 % CPU until descriptors are free, and no event. So once a second the watchdog
 * probes for a free descriptor (opening the null device); when there is none it reports the
 * error to `onError`, stops the listener (accepted sockets live on; new connections are refused
 * meanwhile, as the kernel would with no listener) and probes again with back-off (10 ms
 * doubling to 1 s), then binds the same address again.
 * @module
 */

import { closeSync, openSync } from "node:fs";
import { devNull } from "node:os";
import { ACCEPT_BACKOFF_MAX_MS, AcceptBackoff } from "../accept_backoff.ts";
import type { StreamListener } from "../types.ts";
import type { BunListener } from "./_bun_types.ts";

/** The error when the process has no descriptor to spare, else undefined. */
function probeDescriptors(): Error | undefined {
  try {
    closeSync(openSync(devNull, "r"));
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === "EMFILE" || code === "ENFILE" ? error as Error : undefined;
  }
}

/** What {@link watchedListener} reports to and runs at close. */
export interface WatchedListenerHooks {
  /** The listener cannot accept (out of descriptors) or could not bind again. */
  onError?(error: Error): void;
  /** Once, after the listener is closed. */
  onClose?(): void;
}

/**
 * Listens with `listen(port)` (which throws when binding fails) and keeps listening on the port
 * it bound, through descriptor exhaustion. `endpoint` is the bound address for the result.
 *
 * @example
 * ```ts
 * import { watchedListener } from "./listener.ts";
 * import assert from "node:assert/strict";
 * let stopped = 0;
 * const fake = (port: number) => ({ port: port || 4000, hostname: "h", stop: () => void stopped++ });
 * const listener = watchedListener(fake, 0, (l) => `tcp://h:${l.port}`);
 * assert.equal(listener.endpoint, "tcp://h:4000");
 * listener.close();
 * await listener.closed;
 * assert.equal(stopped, 1);
 * ```
 */
export function watchedListener(
  listen: (port: number) => BunListener,
  port: number,
  endpoint: (listener: BunListener) => string,
  hooks: WatchedListenerHooks = {},
): StreamListener {
  let current: BunListener | undefined = listen(port);
  const boundPort = current.port;
  const backoff = new AcceptBackoff();
  let open = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (ms: number) => {
    timer = setTimeout(check, ms);
    (timer as { unref?: () => void }).unref?.(); // the listener keeps the process alive, not this
  };
  const fail = (error: Error) => {
    hooks.onError?.(error);
    schedule(backoff.next());
  };
  function check(): void {
    if (!open) return;
    const exhausted = probeDescriptors();
    if (exhausted) {
      current?.stop(false); // stops the accept spin; accepted sockets live on
      current = undefined;
      return fail(exhausted);
    }
    if (!current) {
      try {
        current = listen(boundPort);
      } catch (error) {
        return fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
    backoff.reset();
    schedule(ACCEPT_BACKOFF_MAX_MS);
  }
  schedule(ACCEPT_BACKOFF_MAX_MS);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  return {
    endpoint: endpoint(current),
    closed,
    close() {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      // false: already accepted streams live on.
      current?.stop(false);
      current = undefined;
      hooks.onClose?.();
      resolveClosed();
    },
  };
}
