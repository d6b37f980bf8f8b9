/**
 * The weft side of the nano scenarios: an App serving the bench routes on one port (raw TCP and
 * WebSocket), driven by bench/nano/load.mjs from other processes. The pinus twin is
 * bench/nano/pinus/server.js, with the same routes (named as pinus names them, server type
 * first, so both servers get the very same bytes):
 *
 * - `connector.bench.echo` answers with the request's payload;
 * - `connector.bench.join` adds the session to the group "all";
 * - `connector.bench.broadcast` pushes `onBench` (the payload) to the group;
 * - `connector.bench.mem` collects garbage, then answers `{heap, rss, sessions}` (heapUsed).
 *
 *   ./node_modules/deno/deno run -A --v8-flags=--expose-gc bench/nano/server.ts [port]
 *   ./node_modules/bun/bin/bun.exe bench/nano/server.ts [port]
 *
 * Prints `{"ready":true,"port":P}` once listening; exits on SIGTERM / SIGINT (so that
 * `--cpu-prof` profiles get written).
 * @module
 */

import { App } from "../../src/nano.ts";

interface Runtime {
  args: string[];
  gc(): void;
  memory(): { heapUsed: number; rss: number };
  onSignal(fn: () => void): void;
  exit(): void;
}

// Both runtimes reached through globalThis: bench code stays runtime-neutral at type level.
function runtime(): Runtime {
  const g = globalThis as unknown as {
    Deno?: {
      args: string[];
      memoryUsage(): { heapUsed: number; rss: number };
      addSignalListener(signal: string, fn: () => void): void;
      exit(code?: number): void;
    };
    Bun?: { gc(force: boolean): void };
    process: {
      argv: string[];
      memoryUsage(): { heapUsed: number; rss: number };
      on(signal: string, fn: () => void): void;
      exit(code?: number): void;
    };
    gc?: () => void;
  };
  if (g.Deno) {
    const deno = g.Deno;
    return {
      args: deno.args,
      gc: () => {
        if (!g.gc) throw new Error("run Deno with --v8-flags=--expose-gc");
        g.gc();
      },
      memory: () => deno.memoryUsage(),
      onSignal: (fn) => {
        deno.addSignalListener("SIGTERM", fn);
        deno.addSignalListener("SIGINT", fn);
      },
      exit: () => deno.exit(0),
    };
  }
  const bun = g.Bun!;
  return {
    args: g.process.argv.slice(2),
    gc: () => bun.gc(true),
    memory: () => g.process.memoryUsage(),
    onSignal: (fn) => {
      g.process.on("SIGTERM", fn);
      g.process.on("SIGINT", fn);
    },
    exit: () => g.process.exit(0),
  };
}

const rt = runtime();
const port = Number(rt.args[0] ?? 3250);
const app = new App({
  port,
  host: "127.0.0.1",
  heartbeatInterval: 30_000,
  logger: { error: console.error, warn() {} },
});
const all = app.group("all");

app.handle("connector.bench.echo", (_s, payload: unknown) => payload);
app.handle("connector.bench.join", (session) => ({ joined: all.add(session) }));
app.handle("connector.bench.broadcast", (_s, payload: unknown) => ({
  count: all.broadcast("onBench", payload),
}));
app.handle("connector.bench.mem", async () => {
  // A few rounds: finalizers and weak references can free more on the next pass.
  for (let i = 0; i < 3; i++) {
    rt.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = rt.memory();
  return { heap: m.heapUsed, rss: m.rss, sessions: app.connectionCount };
});

const address = await app.listen();
console.log(JSON.stringify({ ready: true, port: address.port }));
rt.onSignal(() => {
  void app.close({ timeout: 200 }).finally(() => rt.exit());
});
