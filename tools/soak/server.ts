/**
 * The soak's server process: all three families at once — ZeroMQ PULL and REP, SP REP, and a nano
 * App (TCP and WebSocket on one port) — on loopback ephemeral ports. It prints
 * `{"ready":true,…ports}` once listening, then one `{"sample":…}` JSON line every `interval` ms:
 * RSS, JS heap after a GC, open FDs, messages handled and errors seen so far. Driven by
 * tools/soak/clients.ts from another process; started and read by tools/soak.mjs.
 *
 *   ./node_modules/deno/deno run -A --v8-flags=--expose-gc tools/soak/server.ts [intervalMs]
 *   ./node_modules/bun/bin/bun.exe tools/soak/server.ts [intervalMs]
 * @module
 */
import { readdirSync } from "node:fs";
import process from "node:process";
import { Pull, Rep } from "../../src/zmq.ts";
import { Rep0 } from "../../src/sp.ts";
import { App } from "../../src/nano.ts";

const intervalMs = Number(process.argv.at(-1)) > 0 ? Number(process.argv.at(-1)) : 5000;

/** A full GC where the runtime offers one (Deno with --expose-gc, Bun always). */
function collect(): boolean {
  const g = globalThis as unknown as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) {
    g.Bun.gc(true);
    return true;
  }
  if (g.gc) {
    g.gc();
    return true;
  }
  return false;
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1; // not Linux
  }
}

const handled = { zmqPush: 0, zmqReq: 0, spReq: 0, nano: 0 };
const errors = { zmq: 0, sp: 0, nano: 0 };
/** Error-like events by type, e.g. `zmq handshake:error EPROTO` (hostile clients cause them). */
const reasons = new Map<string, number>();
function count(family: "zmq" | "sp" | "nano", what: string): void {
  errors[family]++;
  reasons.set(`${family} ${what}`, (reasons.get(`${family} ${what}`) ?? 0) + 1);
}

const pull = new Pull({ linger: 0 });
const rep = new Rep({ linger: 0 });
const spRep = new Rep0();
for (const [family, socket] of [["zmq", pull], ["zmq", rep], ["sp", spRep]] as const) {
  for (const type of ["accept:error", "handshake:error", "disconnect"] as const) {
    socket.events.on(type, (e) => {
      if (type !== "disconnect" || e.code) count(family, `${type} ${e.code ?? ""}`.trim());
    });
  }
}
await pull.bind("tcp://127.0.0.1:0");
await rep.bind("tcp://127.0.0.1:0");
await spRep.listen("tcp://127.0.0.1:0");

// Receive loops: ZeroMQ PULL counts, REP and SP REP echo.
void (async () => {
  for (;;) {
    const batch = await pull.receiveBatch().catch(() => undefined);
    if (!batch) return;
    handled.zmqPush += batch.length;
  }
})();
void (async () => {
  for (;;) {
    const request = await rep.receive().catch(() => undefined);
    if (!request) return;
    handled.zmqReq++;
    await rep.send(request).catch(() => count("zmq", "rep send"));
  }
})();
void (async () => {
  for (;;) {
    const request = await spRep.recv().catch(() => undefined);
    if (!request) return;
    handled.spReq++;
    await spRep.send(request).catch(() => count("sp", "rep send"));
  }
})();

// nano: echo, join a group, and a broadcast to that group twice a second. The logger counts
// instead of printing: hostile clients make one line each.
const app = new App({
  port: 0,
  host: "127.0.0.1",
  handshakeTimeout: 2000,
  heartbeatInterval: 5000,
  logger: {
    error: (message: unknown, e?: unknown) => count("nano", `error ${reason(message, e)}`),
    warn: (message: unknown, e?: unknown) => count("nano", `warn ${reason(message, e)}`),
  },
});
/** A log line without its peer address (so the tally stays small): text and error code. */
function reason(message: unknown, e: unknown): string {
  const text = String(message).replace(/[a-z+]+:\/\/[^\s]+/g, "<peer>");
  const code = (e as { code?: string } | undefined)?.code;
  return code ? `${text} ${code}` : text;
}
const room = app.group("soak");
app.handle("soak.echo", (_s, payload: unknown) => {
  handled.nano++;
  return payload;
});
app.handle("soak.join", (session) => {
  handled.nano++;
  return { joined: room.add(session) };
});
const nano = await app.listen();
const broadcaster = setInterval(() => room.broadcast("onTick", { t: Date.now() }), 500);

console.log(JSON.stringify({
  ready: true,
  runtime: "Bun" in globalThis ? "bun" : "deno",
  gc: collect(),
  zmqPull: pull.lastEndpoint,
  zmqRep: rep.lastEndpoint,
  spRep: spRep.lastEndpoint,
  nano: nano.port,
}));

const started = Date.now();
const sampler = setInterval(() => {
  const gc = collect();
  const m = process.memoryUsage();
  console.log(JSON.stringify({
    sample: {
      t: (Date.now() - started) / 1000,
      rss: m.rss,
      heap: m.heapUsed,
      gc,
      fds: openFds(),
      sessions: app.connectionCount,
      handled: { ...handled },
      errors: { ...errors },
      reasons: Object.fromEntries(reasons),
    },
  }));
}, intervalMs);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(sampler);
  clearInterval(broadcaster);
  pull.close();
  rep.close();
  spRep.close();
  await app.close({ timeout: 200 });
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.on("end", () => void stop()); // the driver went away
process.stdin.resume();
