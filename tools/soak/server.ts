/**
 * The soak's server process: all three families at once — ZeroMQ PULL and REP, SP REP, and a nano
 * App (TCP and WebSocket on one port) — on loopback ephemeral ports. It prints
 * `{"ready":true,…ports}` once listening, then one `{"sample":…}` JSON line every `interval` ms:
 * RSS, JS heap after a GC (on Deno also split into objects and compiled code), open FDs,
 * messages handled and errors seen so far. Driven by
 * tools/soak/clients.ts from another process; started and read by tools/soak.mjs.
 *
 *   ./node_modules/deno/deno run -A --v8-flags=--expose-gc tools/soak/server.ts [intervalMs [leak]]
 *   ./node_modules/bun/bin/bun.exe tools/soak/server.ts [intervalMs [leak]]
 * @module
 */
import { readdirSync } from "node:fs";
import process from "node:process";
import v8 from "node:v8";
import { Pull, Rep } from "../../src/zmq.ts";
import { Rep0 } from "../../src/sp.ts";
import { App } from "../../src/nano.ts";

const [intervalArg, leakArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg) > 0 ? Number(intervalArg) : 5000;
/**
 * To try the check (`npm run soak -- --leak N`): keep N bytes of JS objects per connection the
 * ZeroMQ and SP sockets accept, the way a per-connection map that never forgets would.
 */
const leakBytes = Number(leakArg) > 0 ? Number(leakArg) : 0;
const leaked: number[][] = [];

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

/**
 * On Deno (V8), the heap in two parts: JS objects (new, old and large-object spaces) and compiled
 * code (code and trusted spaces: machine code, bytecode, deoptimization data), which grows for
 * minutes while the JIT optimizes more functions. Bun (JavaScriptCore) has no such split.
 */
function heapParts(): { objects: number; code: number } | undefined {
  if ("Bun" in globalThis) return undefined;
  const used = new Map(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  const sum = (names: string[]) => names.reduce((a, n) => a + (used.get(n) ?? 0), 0);
  return {
    objects: sum(["new_space", "old_space", "large_object_space", "new_large_object_space"]),
    code: sum([
      "code_space",
      "code_large_object_space",
      "trusted_space",
      "trusted_large_object_space",
    ]),
  };
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
// Each socket's events are read as a monitor would read them (iterating the stream), which
// also keeps the stream's buffer (up to 1,024 unread events) empty.
for (const [family, socket] of [["zmq", pull], ["zmq", rep], ["sp", spRep]] as const) {
  void (async () => {
    for await (const e of socket.events) {
      if (leakBytes && e.type === "accept") {
        leaked.push(new Array(Math.ceil(leakBytes / 8)).fill(0));
      }
      if (e.type === "accept:error" || e.type === "handshake:error") {
        count(family, `${e.type} ${e.code ?? ""}`.trim());
      } else if (e.type === "disconnect" && e.code) count(family, `disconnect ${e.code}`);
    }
  })();
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
/**
 * A log line without what changes from line to line — the peer address, numbers (the count in
 * "…and 4 more connections closed", the size a garbage header claims) — so the tally keeps one
 * key per kind: text and error code.
 */
function reason(message: unknown, e: unknown): string {
  const text = String(message).replace(/[a-z+]+:\/\/[^\s]+/g, "<peer>").replace(/\d+/g, "N");
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

/**
 * One JSON line to stdout. Not `console.log`: Deno keeps the last 1,000 console messages alive
 * (V8's inspector console storage, with or without an inspector attached), ~1 MB of sample lines
 * that grew the object heap linearly for the first 1,000 samples (83 minutes at one per 5 s) — the
 * soak's own creep, not weft's.
 */
function print(line: unknown): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

print({
  ready: true,
  runtime: "Bun" in globalThis ? "bun" : "deno",
  gc: collect(),
  zmqPull: pull.lastEndpoint,
  zmqRep: rep.lastEndpoint,
  spRep: spRep.lastEndpoint,
  nano: nano.port,
});

const started = Date.now();
const sampler = setInterval(() => {
  const gc = collect();
  const m = process.memoryUsage();
  const parts = heapParts();
  print({
    sample: {
      t: (Date.now() - started) / 1000,
      rss: m.rss,
      heap: m.heapUsed,
      ...(parts ? { heapObjects: parts.objects, heapCode: parts.code } : {}),
      gc,
      fds: openFds(),
      sessions: app.connectionCount,
      handled: { ...handled },
      errors: { ...errors },
      reasons: Object.fromEntries(reasons),
    },
  });
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
