/**
 * The NATS connection over WebSocket (`@nats-io/nats-core`'s `wsconnect`), the alternative to
 * `@nats-io/transport-node` for a cluster node on Deno: against nats-server's websocket listener
 * it measured a lower p99 round trip and more requests/s on Deno than transport-node through
 * Deno's node compat (bench/README.md, "NATS client"), at the price of a slower connect and a
 * `websocket { … }` block in the nats-server config.
 * @module
 */

import { type NatsConnection, wsconnect } from "@nats-io/nats-core";

/**
 * Connects to NATS over WebSocket (`ws://` or `wss://` URLs of nats-server's websocket
 * listener), reconnecting forever as a cluster node should.
 *
 * @example
 * ```ts ignore
 * // nats-server -c nats.conf, with: websocket { listen: "127.0.0.1:8080", no_tls: true }
 * import { connectWs } from "./nats_ws.ts";
 * const nc = await connectWs("ws://127.0.0.1:8080");
 * const reply = await nc.request("time.now", "");
 * console.log(reply.string());
 * await nc.close();
 * ```
 */
export function connectWs(servers: string | readonly string[]): Promise<NatsConnection> {
  return wsconnect({
    servers: typeof servers === "string" ? servers.split(",") : [...servers],
    maxReconnectAttempts: -1,
  });
}
