/**
 * The weft side of the nano cluster scenarios (bench/nano/cluster_compare.mjs), run by
 * `weft nano cluster --gates 2 --backends 1 --gate-type connector --backend-type bench`, which
 * gives each process its place through the environment (`clusterEnv()`):
 *
 * - a gate (server type `connector`) serves `connector.bench.echo` itself (the local route the
 *   forwarded one is compared with) and forwards `bench.bench.*` to the backend;
 * - the backend (server type `bench`) serves `bench.echo`, `bench.join` (adds the session, which
 *   lives on a gate, to the group "all"), `bench.broadcast` (pushes `onBench` to the group: one
 *   NATS message per gate holding members, each gate fans out locally) and `bench.mem`.
 *
 * The routes and bytes are those of bench/nano/pinus_cluster (pinus routes `bench.bench.echo` to
 * its `bench` server the same way). Prints `{"ready":true,...}` once listening (gates) or started
 * (the backend); exits on SIGTERM / SIGINT.
 *
 *   WEFT_NATS_URL=… WEFT_SERVER_TYPE=bench WEFT_NODE_ID=b1 WEFT_FRONTEND=0 \
 *     ./node_modules/deno/deno run -A bench/nano/cluster_server.ts
 * @module
 */

import process from "node:process";
import { App } from "../../src/nano.ts";
import { clusterEnv } from "../../src/nano/cluster/env.ts";

const { cluster, reusePort, port } = clusterEnv();
if (!cluster) throw new Error("cluster_server.ts runs under `weft nano cluster` (WEFT_NATS_URL)");
const app = new App({
  port: port ?? 0,
  host: "127.0.0.1",
  reusePort,
  heartbeatInterval: 30_000,
  logger: { error: console.error, warn() {} },
  cluster,
});
const memory = () => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, sessions: app.connectionCount };
};

if (cluster.frontend) {
  app.handle("connector.bench.echo", (_s, payload: unknown) => payload);
  app.handle("connector.bench.mem", memory);
  const address = await app.listen();
  console.log(JSON.stringify({ ready: true, node: cluster.nodeId, port: address.port }));
} else {
  const all = app.group("all");
  app.handle("bench.echo", (_s, payload: unknown) => payload);
  app.handle("bench.join", (session) => ({ joined: all.add(session) }));
  app.handle("bench.broadcast", (_s, payload: unknown) => ({
    count: all.broadcast("onBench", payload),
  }));
  app.handle("bench.mem", memory);
  await app.start();
  console.log(JSON.stringify({ ready: true, node: cluster.nodeId }));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void app.close({ timeout: 200 }).finally(() => process.exit(0));
  });
}
