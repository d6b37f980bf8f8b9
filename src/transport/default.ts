/**
 * The default transports for the running runtime, chosen once: tcp, ipc and tls+tcp from
 * `deno/` or `bun/` (feature-detected; on Deno, tcp through `node_net/` when asked), ws over
 * that tcp and wss over that tls+tcp, plus inproc.
 * On any other runtime, inproc only.
 * @module
 */

import { bunTransports } from "./bun/mod.ts";
import { denoTransports } from "./deno/mod.ts";
import { type InprocNamespace, InprocTransport } from "./inproc/inproc.ts";
import { NodeNetTcpTransport } from "./node_net/tcp.ts";
import { createRegistry } from "./registry.ts";
import type { TlsTransportOptions } from "./tls.ts";
import type { Transport, TransportRegistry } from "./types.ts";
import { WsTransport } from "./ws/transport.ts";

/** Options of {@link defaultTransports}. */
export interface DefaultTransportsOptions {
  /**
   * TLS settings for `tls+tcp://` and `wss://`: the server's `cert` and `key` (PEM) to listen,
   * `caCerts` to trust when dialing (besides or instead of the runtime's roots — see
   * docs/tls.md). Without it, those schemes still dial, trusting the runtime's roots.
   */
  readonly tls?: TlsTransportOptions;
  /**
   * Which tcp Deno uses: `"deno"` (the default: the runtime's own listen/connect, whose large reads
   * suit bulk streams — ZeroMQ, SP) or `"node:net"` (Deno's `node:net`, whose synchronous
   * writes make one write to each of many connections about half as costly: weft/nano's
   * broadcast; measured in bench/README.md). Bun always uses its own sockets.
   */
  readonly denoTcp?: "deno" | "node:net";
}

/**
 * A registry with the runtime's tcp, ipc and tls+tcp transports, ws and wss over them, and
 * inproc over `namespace`.
 *
 * @example
 * ```ts
 * import { defaultTransports, InprocNamespace } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const registry = defaultTransports(new InprocNamespace());
 * assert.ok(registry.get("inproc"));
 * assert.equal(registry.get("tcp")?.scheme, "tcp"); // on Deno or Bun
 * assert.equal(registry.get("ws")?.scheme, "ws");
 * assert.equal(registry.get("wss")?.scheme, "wss");
 * ```
 */
export function defaultTransports(
  namespace: InprocNamespace,
  options?: DefaultTransportsOptions,
): TransportRegistry {
  const runtimeOptions = options?.tls ? { tls: options.tls } : {};
  const runtime: Transport[] = "Bun" in globalThis
    ? bunTransports(runtimeOptions)
    : "Deno" in globalThis
    ? denoTransports(runtimeOptions).map((t) =>
      t.scheme === "tcp" && options?.denoTcp === "node:net" ? new NodeNetTcpTransport() : t
    )
    : [];
  const over = (scheme: string, ws: string): Transport[] => {
    const base = runtime.find((t) => t.scheme === scheme);
    return base ? [new WsTransport(base, { scheme: ws })] : [];
  };
  return createRegistry([
    ...runtime,
    ...over("tcp", "ws"),
    ...over("tls+tcp", "wss"),
    new InprocTransport(namespace),
  ]);
}
