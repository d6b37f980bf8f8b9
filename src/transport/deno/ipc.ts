/**
 * `ipc:///path/to.sock` on Deno: unix domain sockets. Binding over a stale socket file (left by
 * a crashed process) works: the file is probed, and removed only when nothing answers on it.
 * The listener removes its file when it closes.
 * @module
 */

import type { Endpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import { connectTimeoutError } from "../dial_errors.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
} from "../types.ts";
import { toWeftError } from "./errors.ts";
import { acceptLoop } from "./listener.ts";
import { DenoStream } from "./stream.ts";

/** Removes `path` if it is a socket file nobody listens on; `EADDRINUSE` if someone does. */
async function clearStale(path: string, url: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw toWeftError(error, `bind to ${url}`);
  }
  if (info.isSocket !== true) {
    throw new WeftError("EADDRINUSE", `bind to ${url}: ${path} exists and is not a socket`);
  }
  let probe: Deno.UnixConn;
  try {
    probe = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    // Refused or reset: nobody (or a listener that is going away) owns the file.
    const stale = error instanceof Deno.errors.ConnectionRefused ||
      error instanceof Deno.errors.ConnectionReset;
    if (!stale) {
      throw toWeftError(error, `bind to ${url}`);
    }
    try {
      await Deno.remove(path);
    } catch (removeError) {
      if (!(removeError instanceof Deno.errors.NotFound)) {
        throw toWeftError(removeError, `removing the stale socket file of ${url}`);
      }
    }
    return;
  }
  probe.close();
  throw new WeftError("EADDRINUSE", `bind to ${url}: another process is listening on ${path}`);
}

/** Removes the socket file when it is still the one this listener created. */
function removeIfOurs(path: string, ino: number | null): void {
  try {
    if (Deno.lstatSync(path).ino === ino) Deno.removeSync(path);
  } catch {
    // already gone (Deno removes it on close) or replaced: not ours to touch
  }
}

/**
 * The ipc (unix socket) transport for Deno.
 *
 * @example
 * ```ts
 * import { DenoIpcTransport } from "./ipc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import assert from "node:assert/strict";
 * const ipc = new DenoIpcTransport();
 * const path = await Deno.makeTempFile({ suffix: ".sock" }); // a stale non-socket is refused…
 * await Deno.remove(path); // …so free the name first
 * const listener = await ipc.listen(parseEndpoint(`ipc://${path}`), (s) => s.close());
 * assert.equal(listener.endpoint, `ipc://${path}`);
 * listener.close();
 * await listener.closed;
 * await assert.rejects(Deno.lstat(path)); // the file is gone
 * ```
 */
export class DenoIpcTransport implements Transport {
  readonly scheme = "ipc";

  async dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const url = `ipc://${endpoint.path}`;
    const connecting = Deno.connect({ transport: "unix", path: endpoint.path });
    const timeoutMs = options?.connectTimeoutMs ?? 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = timeoutMs > 0
      ? new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // A connect that completes after the deadline is closed, not leaked.
          connecting.then((conn) => conn.close(), () => {});
          reject(connectTimeoutError(url, timeoutMs));
        }, timeoutMs);
      })
      : undefined;
    try {
      const conn = await (deadline ? Promise.race([connecting, deadline]) : connecting);
      return new DenoStream(conn, { local: url, remote: url }, { awaitPeerClose: true });
    } catch (error) {
      throw toWeftError(error, `connect to ${url}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    const path = endpoint.path;
    const url = `ipc://${path}`;
    await clearStale(path, url);
    let listener: Deno.UnixListener;
    try {
      listener = Deno.listen({ transport: "unix", path });
    } catch (error) {
      throw toWeftError(error, `bind to ${url}`);
    }
    const ino = Deno.lstatSync(path).ino;
    return acceptLoop(listener, url, {
      onConn: (conn) =>
        accept(new DenoStream(conn, { local: url, remote: url }, { awaitPeerClose: true })),
      onClose: () => removeIfOurs(path, ino),
      ...(options?.onError ? { onError: options.onError } : {}),
    });
  }
}
