/**
 * The server half of fd_exhaustion_test.ts, run in a child process under a low `ulimit -n`.
 * `nano`: a weft/nano App (on Deno: node:net); `tcp`: an echo server on the runtime's own tcp
 * listener (Deno.listen / Bun.listen, what ZeroMQ and SP bind with). Prints `port:<n>` once
 * listening and `accept-error:<message>` (stderr) for each accept failure it hears of.
 * @module
 */

import process from "node:process";
import { App } from "../../src/nano.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";

const kind = process.argv.at(-1);

// Deno sets up its signal handling (a socketpair) lazily, the first time anything listens for a
// signal — Deno itself does, about 500 ms after startup — and panics if no descriptor is free
// then (ext/signals/lib.rs, Deno 2.9.6). Listening now gets that done while descriptors are free.
(globalThis as { Deno?: typeof Deno }).Deno?.addSignalListener("SIGUSR2", () => {});
const report = (...a: unknown[]) => console.error(...a);

if (kind === "nano") {
  const logger = {
    error: (...a: unknown[]) => report("accept-error:", ...a),
    warn() {},
  };
  const app = new App({ host: "127.0.0.1", port: 0, logger });
  class Echo {
    ping(_session: unknown, body: unknown) {
      return { pong: body };
    }
  }
  app.register(new Echo(), { name: "echo" });
  const { port } = await app.listen();
  console.log(`port:${port}`);
} else {
  const tcp = defaultTransports(new InprocNamespace()).get("tcp")!;
  const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (stream) => {
    stream.start({ data: (b) => void stream.write(b), drain() {}, end: () => stream.close() });
  }, { onError: (e) => report("accept-error:", e.message) });
  console.log(`port:${parseEndpoint(listener.endpoint).port}`);
}
