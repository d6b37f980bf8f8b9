/**
 * The server half of reuse_port_test.ts: a weft/nano App on `127.0.0.1:<port>` with
 * `reusePort: true`, answering `who.ami` with its pid. `app` listens the way `weft/nano` does
 * (Bun.listen; Deno: node:net); `deno-listen` gives it Deno's own tcp (Deno.listen, which needs
 * `--unstable-net` for SO_REUSEPORT). Prints `ready <pid>` once listening, `error <code>` if not.
 * @module
 */

import process from "node:process";
import { App } from "../../src/nano.ts";
import { DenoTcpTransport } from "../../src/transport/deno/tcp.ts";
import { createRegistry } from "../../src/transport/registry.ts";

const [portText, mode] = process.argv.slice(-2);
const transports = mode === "deno-listen" ? createRegistry([new DenoTcpTransport()]) : undefined;
const app = new App({
  host: "127.0.0.1",
  port: Number(portText),
  reusePort: true,
  ...(transports ? { transports } : {}),
});
app.handle("who.ami", () => ({ pid: process.pid }));
try {
  await app.listen();
  console.log(`ready ${process.pid}`);
} catch (error) {
  console.log(`error ${(error as { code?: string }).code} ${(error as Error).message}`);
  process.exit(1);
}
