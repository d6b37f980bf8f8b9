/**
 * `ipc:///path/to.sock` on Bun: unix domain sockets (`unix:` option). Binding over a stale
 * socket file (left by a crashed process) works: the file is probed, and removed only when
 * nothing answers on it. The listener removes its file when it closes.
 * @module
 */

import { lstatSync, unlinkSync } from "node:fs";
import type { Endpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type { ByteStream, DialOptions, StreamListener, Transport } from "../types.ts";
import { bun, type BunSocket } from "./_bun_types.ts";
import { dialSocket, listenerOf } from "./connect.ts";
import { toWeftError } from "./errors.ts";
import { BunStream, socketHandler } from "./stream.ts";

function inode(path: string): number | bigint | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Removes `path` if it is a socket file nobody listens on; `EADDRINUSE` if someone does. */
async function clearStale(path: string, url: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new WeftError("EADDRINUSE", `bind to ${url}: ${path} exists and is not a socket`);
  }
  try {
    const probe = await bun().connect({ unix: path, socket: { data() {} } });
    probe.end();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "ECONNREFUSED" && code !== "ENOENT" && code !== "ECONNRESET") {
      throw toWeftError(error, `bind to ${url}`);
    }
    try {
      unlinkSync(path);
    } catch {
      // raced with another cleaner: fine
    }
    return;
  }
  throw new WeftError("EADDRINUSE", `bind to ${url}: another process is listening on ${path}`);
}

/**
 * The ipc (unix socket) transport for Bun.
 *
 * @example
 * ```ts
 * import { BunIpcTransport } from "./ipc.ts";
 * import { parseEndpoint } from "../../core/endpoint.ts";
 * import { existsSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const ipc = new BunIpcTransport();
 *   const path = `${tmpdir()}/weft-doc-${crypto.randomUUID()}.sock`;
 *   const listener = await ipc.listen(parseEndpoint(`ipc://${path}`), (s) => s.close());
 *   const client = await ipc.dial(parseEndpoint(`ipc://${path}`));
 *   client.start({ data() {}, drain() {}, end() {} });
 *   await client.closed; // the server closed it
 *   listener.close();
 *   assert.equal(existsSync(path), false); // the socket file is removed
 * }
 * ```
 */
export class BunIpcTransport implements Transport {
  readonly scheme = "ipc";

  dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const url = `ipc://${endpoint.path}`;
    const wrap = (socket: BunSocket<BunStream | undefined>) =>
      new BunStream(socket, { local: url, remote: url }, { awaitPeerClose: true });
    return dialSocket(
      (socket) => bun().connect({ unix: endpoint.path, socket }),
      wrap,
      { url, timeoutMs: options?.connectTimeoutMs ?? 0 },
    );
  }

  async listen(endpoint: Endpoint, accept: (stream: ByteStream) => void): Promise<StreamListener> {
    const path = endpoint.path;
    const url = `ipc://${path}`;
    await clearStale(path, url);
    try {
      const listener = bun().listen({
        unix: path,
        socket: socketHandler((socket) =>
          accept(new BunStream(socket, { local: url, remote: url }, { awaitPeerClose: true }))
        ),
      });
      const ino = inode(path);
      return listenerOf(listener, url, () => {
        // Only remove the file if it is still the one this listener created.
        if (ino !== undefined && inode(path) === ino) {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        }
      });
    } catch (error) {
      throw toWeftError(error, `bind to ${url}`);
    }
  }
}
