/**
 * A cluster node for nano_cluster_test.ts, started by `weft nano cluster`: reads clusterEnv(),
 * connects to the NATS server it names (a real nats-server) and, on a gate, listens on PORT with
 * SO_REUSEPORT; then prints `ready <nodeId> <serverType> pid=<pid> frontend=<0|1>`. It stops on
 * SIGTERM or SIGINT, printing `stopping <nodeId> <signal>`.
 * @module
 */

import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { App } from "../../src/nano.ts";
import { clusterEnv } from "../../src/nano/cluster/env.ts";

const env = clusterEnv();
const cluster = env.cluster;
if (!cluster) throw new Error("expected WEFT_NATS_URL (run me with weft nano cluster)");
const nc = await connect({ servers: cluster.nats.split(",") });
const app = new App({ host: "127.0.0.1", port: env.port ?? 0, reusePort: env.reusePort });
app.handle("who.ami", () => ({ nodeId: cluster.nodeId, pid: process.pid }));
if (cluster.frontend) await app.listen();
else await app.start();
console.log(
  `ready ${cluster.nodeId} ${cluster.serverType} pid=${process.pid} frontend=${+cluster.frontend}`,
);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    console.log(`stopping ${cluster.nodeId} ${signal}`);
    await app.close();
    await nc.close();
    process.exit(0);
  });
}
