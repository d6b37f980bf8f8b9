// `npm start`: the chat demo. Open the printed page in two browser tabs.
// PORT and HOST override 127.0.0.1:3250. `npm run start:cluster` runs it as two gates and a
// backend (weft nano cluster, over a nats-server it starts): clusterEnv() reads its settings.
import process from "node:process";
import { clusterEnv } from "../../src/nano/cluster/env.ts";
import { startChat } from "./chat.ts";

const { cluster, reusePort, port } = clusterEnv();
const chat = await startChat({
  port: port ?? 3250,
  host: process.env.HOST ?? "127.0.0.1",
  reusePort,
  ...(cluster ? { cluster } : {}),
});
if (cluster && !cluster.frontend) {
  console.log(`weft chat: backend ${cluster.nodeId} (${cluster.serverType}) ready`);
} else {
  const node = cluster ? ` gate ${cluster.nodeId} ready:` : "";
  console.log(`weft chat:${node} open ${chat.page} (in two tabs)`);
  console.log(`  WebSocket ${chat.ws}   raw TCP pomelo ${chat.tcp}   (Ctrl+C stops it)`);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await chat.app.close({ reason: "server shutdown" });
    process.exit(0);
  });
}
