#!/usr/bin/env node
// Which NATS client a weft/nano cluster node uses, measured against a real nats-server on
// loopback (the Debian package, /usr/sbin/nats-server, with its websocket listener on):
//
//   deno  tcp   @nats-io/transport-node 3.4.0 through npm: + Deno's node compat (node:net)
//   deno  ws    @nats-io/nats-core 3.4.0's wsconnect (Deno's WebSocket) → nats-server websocket
//   bun   tcp   @nats-io/transport-node 3.4.0 (Bun's node:net)
//   bun   ws    @nats-io/nats-core 3.4.0's wsconnect (Bun's WebSocket), for comparison
//
// Per client: connect time (median of 5), request/reply round trip p50/p99 over N sequential
// 64-byte requests (a responder on a second connection in the same process), publish throughput
// (M 64-byte messages then a flush), and whether it reconnects after nats-server is restarted
// on the same ports (a request must succeed again). Counts are bounded; nothing else runs.
//
//   node bench/nano/nats_client_compare.mjs [--requests 20000] [--publishes 200000]
//
// The same file is the worker: `<runtime> bench/nano/nats_client_compare.mjs --worker tcp|ws
// --tcp-port P --ws-port W` prints one JSON line of figures (and "restart-now" when it wants
// nats-server restarted).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args.includes("--worker")) await worker();
else await main();

// ---- the worker: runs inside the runtime under test ----

async function worker() {
  const kind = opt("worker");
  const tcpPort = Number(opt("tcp-port"));
  const wsPort = Number(opt("ws-port"));
  const requests = Number(opt("requests", "20000"));
  const publishes = Number(opt("publishes", "200000"));
  const connect = kind === "tcp"
    ? (await import("@nats-io/transport-node")).connect
    : (await import("@nats-io/nats-core")).wsconnect;
  const servers = kind === "tcp" ? `nats://127.0.0.1:${tcpPort}` : `ws://127.0.0.1:${wsPort}`;
  const options = { servers, reconnectTimeWait: 100, maxReconnectAttempts: -1 };
  const out = { runtime: "Bun" in globalThis ? "bun" : "deno", kind };

  const connectMs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const nc = await connect(options);
    connectMs.push(performance.now() - t0);
    await nc.close();
  }
  out.connectMs = connectMs.sort((a, b) => a - b)[2];

  const responder = await connect(options);
  responder.subscribe("bench.echo", { callback: (_e, m) => m.respond(m.data) });
  await responder.flush();
  const nc = await connect(options);
  const body = new Uint8Array(64).fill(7);
  for (let i = 0; i < 500; i++) await nc.request("bench.echo", body, { timeout: 5000 }); // warm-up
  const rtt = new Float64Array(requests);
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) {
    const s = performance.now();
    await nc.request("bench.echo", body, { timeout: 5000 });
    rtt[i] = performance.now() - s;
  }
  out.requestsPerSec = Math.round(requests / ((performance.now() - t0) / 1000));
  rtt.sort();
  out.rttP50us = Math.round(rtt[Math.floor(requests * 0.5)] * 1000);
  out.rttP99us = Math.round(rtt[Math.floor(requests * 0.99)] * 1000);

  const sink = await connect(options);
  let received = 0;
  const all = Promise.withResolvers();
  sink.subscribe("bench.pub", {
    callback: () => {
      if (++received === publishes) all.resolve();
    },
  });
  await sink.flush();
  const p0 = performance.now();
  for (let i = 0; i < publishes; i++) nc.publish("bench.pub", body);
  await nc.flush();
  out.publishPerSec = Math.round(publishes / ((performance.now() - p0) / 1000));
  await all.promise;
  out.publishDeliveredPerSec = Math.round(publishes / ((performance.now() - p0) / 1000));
  await sink.close();

  // Reconnect: nats-server is restarted on the same ports; a request must succeed again.
  console.log("restart-now");
  const r0 = performance.now();
  const deadline = r0 + 30_000;
  out.reconnected = false;
  // Wait until the client has noticed the restart, then until a request gets through.
  await new Promise((r) => setTimeout(r, 300));
  while (performance.now() < deadline) {
    try {
      await nc.request("bench.echo", body, { timeout: 500 });
      out.reconnected = true;
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  out.reconnectMs = out.reconnected ? Math.round(performance.now() - r0) : null;
  console.log(JSON.stringify(out));
  await nc.close();
  await responder.close();
  process.exit(0);
}

// ---- the driver: nats-server, one worker per client, the table ----

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function untilAccepting(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.once("connect", () => (c.destroy(), resolve(true)));
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}

async function main() {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const natsServer = process.env.WEFT_NATS_SERVER ?? "/usr/sbin/nats-server";
  const requests = opt("requests", "20000");
  const publishes = opt("publishes", "200000");
  const dir = mkdtempSync(join(tmpdir(), "weft-nats-bench-"));
  const [tcpPort, wsPort] = [await freePort(), await freePort()];
  const conf = join(dir, "nats.conf");
  writeFileSync(
    conf,
    `listen: "127.0.0.1:${tcpPort}"\nwebsocket { listen: "127.0.0.1:${wsPort}", no_tls: true }\n`,
  );
  let server;
  const startServer = async () => {
    server = spawn(natsServer, ["-c", conf], { stdio: "ignore" });
    await untilAccepting(tcpPort);
    await untilAccepting(wsPort);
  };
  const stopServer = () =>
    new Promise((resolve) => {
      if (!server || server.exitCode !== null) return resolve();
      server.once("exit", resolve);
      server.kill("SIGTERM");
    });
  const runtimes = {
    deno: [join(root, "node_modules/deno/deno"), ["run", "-A", self]],
    bun: [join(root, "node_modules/bun/bin/bun.exe"), [self]],
  };
  const rows = [];
  try {
    await startServer();
    for (
      const [runtime, kind] of [["deno", "tcp"], ["deno", "ws"], ["bun", "tcp"], ["bun", "ws"]]
    ) {
      const [cmd, pre] = runtimes[runtime];
      const child = spawn(cmd, [
        ...pre,
        "--worker",
        kind,
        "--tcp-port",
        String(tcpPort),
        "--ws-port",
        String(wsPort),
        "--requests",
        requests,
        "--publishes",
        publishes,
      ], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
      });
      let buffered = "";
      const result = await new Promise((resolve) => {
        let row;
        child.stdout.on("data", async (chunk) => {
          buffered += chunk;
          let nl;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line === "restart-now") {
              await stopServer();
              await startServer();
            } else if (line.startsWith("{")) row = JSON.parse(line);
          }
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve(row ?? { runtime, kind, failed: `exit ${code}` });
        });
      });
      rows.push(result);
      console.error(JSON.stringify(result));
    }
  } finally {
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  }
  const label = { tcp: "transport-node (npm, node:net)", ws: "nats-core wsconnect (WebSocket)" };
  console.log(
    `\nNATS clients against nats-server ${natsServer} on loopback (${requests} requests, ${publishes} publishes of 64 B)\n`,
  );
  console.log(
    "| runtime | client | connect ms | req/rep p50 µs | p99 µs | req/s | publish msg/s | delivered msg/s | reconnect |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    if (r.failed) {
      console.log(`| ${r.runtime} | ${label[r.kind]} | failed: ${r.failed} |||||||`);
      continue;
    }
    console.log(
      `| ${r.runtime} | ${label[r.kind]} | ${
        r.connectMs.toFixed(1)
      } | ${r.rttP50us} | ${r.rttP99us} | ${r.requestsPerSec} | ${r.publishPerSec} | ${r.publishDeliveredPerSec} | ${
        r.reconnected ? `yes, ${r.reconnectMs} ms` : "no"
      } |`,
    );
  }
}
