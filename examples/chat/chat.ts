/**
 * The chat demo server: one weft/nano App on one port serving raw-TCP pomelo, WebSocket
 * pomelo (at any path, `ws://host:port/` for nano's client) and the page at `/web/`.
 * @module
 */

import { readFile } from "node:fs/promises";
import { App, type HttpRequest, type HttpResponse } from "../../src/nano.ts";
import type { ClusterEnvOptions } from "../../src/nano/cluster/env.ts";
import { Room } from "./room.ts";

const WEB = new URL("./web/", import.meta.url);
const FILES: Record<string, [URL, string]> = {
  "/web/": [new URL("index.html", WEB), "text/html; charset=utf-8"],
  "/web/index.html": [new URL("index.html", WEB), "text/html; charset=utf-8"],
  "/web/app.js": [new URL("app.js", WEB), "text/javascript; charset=utf-8"],
  "/web/style.css": [new URL("style.css", WEB), "text/css; charset=utf-8"],
  "/web/weft-nano-client.js": [
    new URL("../../dist/weft-nano-client.js", import.meta.url),
    "text/javascript; charset=utf-8",
  ],
};

async function serve(request: HttpRequest): Promise<HttpResponse> {
  if (request.path === "/" || request.path === "/web") {
    return { status: 302, headers: { location: "/web/" } };
  }
  if (request.path === "/favicon.ico") return { status: 204 };
  const file = FILES[request.path];
  if (!file) return { status: 404, body: "not found\n" };
  try {
    return {
      status: 200,
      headers: { "content-type": file[1], "cache-control": "no-store" },
      body: new Uint8Array(await readFile(file[0])),
    };
  } catch {
    const hint = request.path.endsWith("client.js") ? " (run node tools/build_client.mjs)" : "";
    return { status: 500, body: `cannot read ${request.path}${hint}\n` };
  }
}

/** Options of {@link startChat}. */
export interface ChatOptions {
  /** Port (default 3250 as nano's demo; 0 picks a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Server heartbeat interval in ms (default 30 000). */
  heartbeatInterval?: number;
  /** Share the port with other chat processes (SO_REUSEPORT; `weft nano cluster` gates). */
  reusePort?: boolean;
  /**
   * Run as a node of a cluster (from `clusterEnv()`, which `weft nano cluster` sets up); a node
   * that is not a frontend serves no client port.
   */
  cluster?: ClusterEnvOptions;
}

/** The running demo. */
export interface Chat {
  app: App;
  /** The page, e.g. http://127.0.0.1:3250/web/ */
  page: string;
  /** WebSocket URL, e.g. ws://127.0.0.1:3250/ */
  ws: string;
  /** Raw TCP URL, e.g. tcp://127.0.0.1:3250 */
  tcp: string;
}

/** Starts the chat server and resolves once it listens (a backend node: once it started). */
export async function startChat(options: ChatOptions = {}): Promise<Chat> {
  const app = new App({
    port: options.port ?? 3250,
    host: options.host ?? "127.0.0.1",
    heartbeatInterval: options.heartbeatInterval ?? 30_000,
    http: serve,
    ...(options.reusePort ? { reusePort: true } : {}),
    // Clustered, gates forward the room's routes to the "chat" backends, so one room spans them.
    ...(options.cluster ? { cluster: { ...options.cluster, routes: { room: "chat" } } } : {}),
  });
  // Single-process, the app serves the room itself; clustered, only backends do.
  if (!options.cluster?.frontend) app.register(new Room(), { name: "room" });
  const host = options.host ?? "127.0.0.1";
  if (options.cluster && !options.cluster.frontend) {
    await app.start();
    return { app, page: "", ws: "", tcp: "" };
  }
  const { port } = await app.listen();
  return {
    app,
    page: `http://${host}:${port}/web/`,
    ws: `ws://${host}:${port}/`,
    tcp: `tcp://${host}:${port}`,
  };
}
