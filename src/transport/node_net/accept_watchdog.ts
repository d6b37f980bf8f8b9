/**
 * Keeps a `node:net` server accepting on Deno after the process ran out of file descriptors.
 *
 * Deno's `node:net` (2.9) drops a failed accept (EMFILE, ENFILE) silently, and its listener is
 * then never polled again: the kernel queue grows, no `error` event, 0 % CPU, for good. Calling
 * `listen()` again on the server's handle re-arms the same socket (its queue is kept). The
 * watchdog does that once a second; it also probes for free descriptors by binding a throwaway
 * server to the listener's own address (the permission the listener already has): `EADDRINUSE`
 * means descriptors are free, `EMFILE`/`ENFILE` is reported to `onError` and probed again with
 * back-off (10 ms doubling to 1 s) until descriptors are free, then the listener is re-armed.
 * @module
 */

import net from "node:net";
import { clearTimeout, setTimeout } from "node:timers";
import { ACCEPT_BACKOFF_MAX_MS, AcceptBackoff } from "../accept_backoff.ts";

/** Deno's server handle: `listen()` on a listening handle only re-arms its accept. */
interface RearmableHandle {
  listen(backlog: number): number;
}

/** Binds a throwaway server to `address`; resolves with the error when out of descriptors. */
function probeDescriptors(address: net.AddressInfo): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (error: Error & { code?: string }) => {
      resolve(error.code === "EMFILE" || error.code === "ENFILE" ? error : undefined);
    });
    // The listener holds the address, so this binds only if it is gone: then let go at once.
    probe.listen({ host: address.address, port: address.port, exclusive: true }, () => {
      probe.close();
      resolve(undefined);
    });
  });
}

/**
 * Watches `server` (listening) until the returned stop function is called. A no-op where the
 * server's handle cannot be re-armed (runtimes whose `node:net` keeps accepting by itself).
 *
 * @example
 * ```ts
 * import net from "node:net";
 * import { watchAccepting } from "./accept_watchdog.ts";
 * const server = net.createServer((socket) => socket.destroy());
 * await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
 * const stop = watchAccepting(server, (error) => console.error("cannot accept:", error.message));
 * stop();
 * server.close();
 * ```
 */
export function watchAccepting(server: net.Server, onError?: (error: Error) => void): () => void {
  const handle = (server as unknown as { _handle?: Partial<RearmableHandle> | null })._handle;
  const address = server.address();
  if (typeof handle?.listen !== "function" || address === null || typeof address === "string") {
    return () => {};
  }
  const rearm = () => handle.listen!(511);
  const backoff = new AcceptBackoff();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (ms: number) => {
    timer = setTimeout(check, ms);
    timer.unref(); // the listener, not its watchdog, keeps the process alive
  };
  const check = () => {
    void probeDescriptors(address).then((error) => {
      if (stopped) return;
      if (error) {
        onError?.(error);
        schedule(backoff.next());
        return;
      }
      backoff.reset();
      rearm();
      schedule(ACCEPT_BACKOFF_MAX_MS);
    });
  };
  schedule(ACCEPT_BACKOFF_MAX_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
