/**
 * Raw transport throughput: many small writes over one loopback tcp stream, with the runtime's
 * own transport (Deno's under `deno run`, Bun's under `bun run`). No protocol, no codec: the
 * ceiling the layers above can reach. Prints one line per run; quote the median.
 *
 *   ./node_modules/deno/deno run -A bench/transport_throughput.ts [count] [size] [scheme] [mode]
 *   ./node_modules/bun/bin/bun.exe bench/transport_throughput.ts [count] [size] [scheme] [mode]
 *
 * `mode` is how the sender makes each message: `views` (default: subarrays of a 64 KiB slab,
 * each handed over and never reused) or `alloc` (a `new Uint8Array(size)` per message — on V8
 * this allocation alone costs ~0.8 µs, more than the transport).
 * @module
 */

import { parseEndpoint } from "../src/core/endpoint.ts";
import { defaultTransports } from "../src/transport/default.ts";
import { InprocNamespace } from "../src/transport/inproc/inproc.ts";
import type { ByteStream } from "../src/transport/types.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const count = Number(args[0] ?? 1_000_000);
const size = Number(args[1] ?? 18);
const scheme = args[2] ?? "tcp";
const mode = args[3] ?? "views";
const runtime = "Bun" in globalThis ? "bun" : "deno";
const transport = defaultTransports(new InprocNamespace()).get(scheme)!;
const bindAt = scheme === "ipc" ? `ipc:///tmp/weft-bench-${Date.now()}.sock` : "tcp://127.0.0.1:0";

async function once(): Promise<void> {
  const total = count * size;
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let chunks = 0;
  const listener = await transport.listen(parseEndpoint(bindAt), (server) => {
    server.start({
      data(c) {
        chunks++;
        received += c.length;
        if (received >= total) done();
      },
      drain() {},
      end() {},
    });
  });
  const client: ByteStream = await transport.dial(parseEndpoint(listener.endpoint));
  let wake: (() => void) | undefined;
  client.start({ data() {}, drain: () => wake?.(), end() {} });
  const t0 = performance.now();
  let sent = 0;
  let slab = new Uint8Array(64 * 1024);
  let at = 0;
  while (sent < count) {
    // Bursts of 1000 writes; wait for drain only when the transport says so.
    let ok = true;
    for (let i = 0; i < 1000 && sent < count; i++, sent++) {
      let msg: Uint8Array;
      if (mode === "alloc") msg = new Uint8Array(size);
      else {
        if (at + size > slab.length) {
          slab = new Uint8Array(64 * 1024);
          at = 0;
        }
        msg = slab.subarray(at, at += size);
      }
      msg[0] = sent & 0xff;
      ok = client.write(msg);
    }
    if (!ok) await new Promise<void>((r) => (wake = r));
  }
  await finished;
  const ms = performance.now() - t0;
  console.log(
    `${runtime} ${scheme} (${mode}): ${count} x ${size} B in ${ms.toFixed(0)} ms = ` +
      `${(count / ms / 1000).toFixed(2)} M writes/s, ${(total / ms / 1000).toFixed(0)} MB/s, ` +
      `${chunks} read chunks (avg ${(total / chunks / 1024).toFixed(1)} KiB)`,
  );
  client.close(0);
  listener.close();
  await Promise.all([client.closed, listener.closed]);
}

for (let run = 0; run < 3; run++) await once();
