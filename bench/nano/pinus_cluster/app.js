"use strict";
// pinus in its own cluster mode, the stock way (pinus's game-server template, in plain JS):
// `node app.js` here starts the master (config/master.json, admin console on its port), which
// spawns every server of config/servers.json as `node app.js env=production id=… serverType=…`:
// two connectors (frontends, hybrid connector: raw TCP and WebSocket on each clientPort) and one
// `bench` backend serving app/servers/bench/handler/bench.js. Connectors forward `bench.bench.*`
// to the bench server over pinus RPC; its channel pushes back through each session's connector.
//
//   cd bench/nano/pinus_cluster && node app.js env=production
//
// The bench server prints {"ready":true,...} once the master reports every server started
// (pinus's start_all event); bench/nano/cluster_compare.mjs waits for it. Must run with this
// directory as the working directory (pinus-admin reads config/adminServer.json from there).
process.env.POMELO_LOGGER ??= "off";

require("reflect-metadata"); // pinus apps load it first (handler discovery uses it)
const path = require("path");
const { pinus } = require("pinus");

const app = pinus.createApp({ base: path.join(__dirname) });
app.set("name", "weft-bench");
app.configure("production", "connector", () => {
  app.set("connectorConfig", { connector: pinus.connectors.hybridconnector, heartbeat: 30 });
});
app.configure("production", "bench", () => {
  app.event.on("start_all", async () => {
    // Open every RPC connection (bench -> connector, connector -> bench) before the load: see
    // app/servers/connector/remote/warm.js for why the first burst of calls must not open them.
    for (const c of app.getServersByType("connector")) {
      await app.rpc.connector.warm.ping.toServer(c.id);
    }
    console.log(JSON.stringify({ ready: true, server: app.getServerId() }));
  });
});
app.start((err) => {
  if (err) {
    console.error("pinus did not start:", err);
    process.exit(1);
  }
});
