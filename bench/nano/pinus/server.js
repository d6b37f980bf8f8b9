"use strict";
// The pinus side of the nano scenarios: one frontend (connector) server with the hybrid
// connector (raw TCP and WebSocket on one port, pinus's default) and the bench handler in
// app/servers/connector/handler/bench.js. Started without the pinus CLI and without a master:
// the server is named by its arguments, and its monitor's link to a master is a stand-in that
// registers at once (pinus has no switch to run a frontend alone).
//
//   node --expose-gc bench/nano/pinus/server.js <port>
//
// Prints {"ready":true,"port":P} once listening. Run it with --expose-gc (bench.mem needs gc).
const { EventEmitter } = require("events");
const path = require("path");

const port = Number(process.argv[2] ?? 3010);
// pinus reads its server's identity from argv (key=value after the script).
process.argv.splice(
  2,
  process.argv.length,
  "env=production",
  "serverType=connector",
  "id=connector-1",
  "host=127.0.0.1",
  "clientHost=127.0.0.1",
  `clientPort=${port}`,
  "frontend=true",
);
process.env.POMELO_LOGGER ??= "off";

require("reflect-metadata"); // pinus apps load it first (handler discovery uses it)
const { pinus } = require("pinus");
const { PRO_OK } = require("pinus-admin/dist/lib/util/protocol");

function loneMonitorClient() {
  const client = new EventEmitter();
  client.connect = () =>
    process.nextTick(() => {
      client.emit("connect");
      client.emit("register", { code: PRO_OK });
    });
  client.send = () => {};
  client.close = () => {};
  return client;
}

const app = pinus.createApp({ base: path.join(__dirname) });
app.set("monitorConfig", { monitorAgentClientFactory: loneMonitorClient, closeWatcher: true });
app.set("connectorConfig", { connector: pinus.connectors.hybridconnector, heartbeat: 30 });
app.start((err) => {
  if (err) {
    console.error("pinus did not start:", err);
    process.exit(1);
  }
  console.log(JSON.stringify({ ready: true, port }));
});
