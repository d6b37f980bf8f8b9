/**
 * weft/nano request/response throughput on one machine: an App with an echo handler and C
 * raw-TCP clients each keeping D requests in flight, all in one process (so server and clients
 * share the cores). Prints requests per second.
 *
 *   ./node_modules/deno/deno run -A bench/nano/echo.ts [clients=100] [depth=10] [seconds=5]
 *   ./node_modules/bun/bin/bun.exe bench/nano/echo.ts 100 10 5
 * @module
 */

import { App } from "../../src/nano.ts";
import { MessageType, PacketType, PomeloDecoder, PomeloEncoder } from "../../src/codec/pomelo.ts";
import { encodePacket } from "../../src/codec/pomelo_encoder.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const clients = Number(args[0] ?? 100);
const depth = Number(args[1] ?? 10);
const seconds = Number(args[2] ?? 5);

const app = new App({ port: 0, host: "127.0.0.1", logger: { error: console.error, warn() {} } });
app.handle("bench.echo", (_s, p: unknown) => p);
const { port } = await app.listen();
const tcp = defaultTransports(new InprocNamespace()).get("tcp")!;
const te = new TextEncoder();
const body = te.encode('{"msg":"hello, nano"}');
const encoder = new PomeloEncoder();
let done = 0;
let running = true;

async function client(): Promise<() => void> {
  const stream = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${port}`));
  const decoder = new PomeloDecoder();
  let id = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const send = () => {
    stream.write(
      encoder.encodeMessage({ type: MessageType.REQUEST, id: ++id, route: "bench.echo", body }),
    );
  };
  stream.start({
    data: (chunk) =>
      decoder.feed(chunk, {
        packet: (type) => {
          if (type === PacketType.HANDSHAKE) {
            stream.write(encodePacket(PacketType.HANDSHAKE_ACK, new Uint8Array(0)));
            ready();
          }
        },
        message: () => {
          done++;
          if (running) send();
        },
      }),
    drain() {},
    end() {},
  });
  stream.write(
    encodePacket(PacketType.HANDSHAKE, te.encode('{"sys":{"type":"bench","version":"1"}}')),
  );
  await isReady;
  return () => {
    for (let i = 0; i < depth; i++) send();
  };
}

// Every client finishes its handshake before any request goes out.
const starts = await Promise.all(Array.from({ length: clients }, client));
for (const start of starts) start();
const start = performance.now();
done = 0;
await new Promise((r) => setTimeout(r, seconds * 1000));
const elapsed = (performance.now() - start) / 1000;
const total = done;
running = false;
const runtime = "Bun" in globalThis ? "bun" : "deno";
console.log(
  `${runtime}: ${clients} clients × ${depth} in flight: ${
    Math.round(total / elapsed)
  } req/s (${total} in ${elapsed.toFixed(1)} s)`,
);
await app.close({ timeout: 500 });
