/**
 * The server half of fd_exhaustion_test.ts, run in a child process under a low `ulimit -n`.
 * `nano`: a weft/nano App (on Deno: node:net); `tcp`: an echo server on the runtime's own tcp
 * listener (Deno.listen / Bun.listen, what ZeroMQ and SP bind with). Prints `port:<n>` once
 * listening and `accept-error:<message>` (stderr) for each accept failure it hears of.
 *
 * With `now` after the kind, the child itself takes every free descriptor right after listening
 * (prints `exhausted:<descriptors taken> at:<ms since start>`), holds them until 2 s after start —
 * past the moment Deno sets up its signal handling, which needs two — then gives them back and
 * prints `released`. No signal listener here: weft's listeners get that setup done early
 * (src/transport/deno/signal_setup.ts), and this child is how the tests know they do.
 * @module
 */

import { closeSync, openSync } from "node:fs";
import process from "node:process";
import { App } from "../../src/nano.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";

const [kind, when] = process.argv.slice(2);

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

if (when === "now") {
  const taken: number[] = [];
  try {
    for (;;) taken.push(openSync("/dev/null", "r"));
  } catch {
    // EMFILE: every descriptor is in use.
  }
  console.log(`exhausted:${taken.length} at:${Math.round(performance.now())}`);
  await new Promise((r) => setTimeout(r, Math.max(0, 2000 - performance.now())));
  for (const fd of taken) closeSync(fd);
  console.log("released");
}
