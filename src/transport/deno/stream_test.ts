// DenoStream: chunks are owned (never overwritten by later reads while slabs grow and shrink),
// pause holds data back until resume, addresses can be formatted on demand, and `closed`
// settles whether or not it was asked for before the close. Deno only (skipped under Bun).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StreamHandler } from "../types.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

async function pair() {
  const { DenoStream } = await import("./stream.ts");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const format = (a: Deno.Addr) => a.transport === "tcp" ? `tcp://${a.hostname}:${a.port}` : "?";
  const client = new DenoStream(
    await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    format,
  );
  const server = new DenoStream(await accepted, { local: "tcp://s", remote: "tcp://c" });
  listener.close();
  return { client, server, port: listener.addr.port };
}

function collector() {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let wake: (() => void) | undefined;
  const handler: StreamHandler = {
    data(c) {
      chunks.push(c);
      total += c.length;
      wake?.();
    },
    drain() {},
    end() {
      wake?.();
    },
  };
  const until = async (n: number) => {
    const deadline = Date.now() + 20_000;
    while (total < n) {
      if (Date.now() > deadline) throw new Error(`got ${total} of ${n} bytes`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  };
  return {
    chunks,
    handler,
    until,
    get total() {
      return total;
    },
  };
}

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + (i >>> 8)) & 255;
  return out;
}

describe("deno stream", { skip: !isDeno }, () => {
  test("a burst then small writes: every chunk keeps its bytes (slabs grow and shrink)", async () => {
    const { client, server, port } = await pair();
    assert.equal(client.remoteAddress, `tcp://127.0.0.1:${port}`); // formatted when asked
    const got = collector();
    server.start(got.handler);
    client.start({ data() {}, drain() {}, end() {} });
    const big = pattern(3 << 20);
    for (let at = 0; at < big.length; at += 64 * 1024) client.write(big.slice(at, at + 64 * 1024));
    await got.until(big.length);
    // Then small reads, enough to finish the 256 KiB slab and shrink. Each write waits until
    // the previous one was read, so a stalled reader (a loaded box) cannot merge them.
    const small = pattern(400_000).map((b) => b ^ 0x5a);
    for (let at = 0; at < small.length; at += 1000) {
      client.write(small.slice(at, at + 1000));
      await got.until(big.length + Math.min(at + 1000, small.length));
    }
    await got.until(big.length + small.length);
    // Checked only now: a chunk reused by a later read would have changed meanwhile.
    const all = new Uint8Array(got.total);
    let at = 0;
    for (const c of got.chunks) {
      all.set(c, at);
      at += c.length;
    }
    assert.deepEqual(all.subarray(0, big.length), big);
    assert.deepEqual(all.subarray(big.length), small);
    assert.equal(got.chunks[0]!.buffer.byteLength, 4 * 1024, "a small first slab");
    const slabs = got.chunks.map((c) => c.buffer.byteLength);
    const largest = Math.max(...slabs);
    assert.ok(largest > 4 * 1024 && largest <= 256 * 1024, `grew (to ${largest})`);
    assert.ok(slabs.at(-1)! < largest, `shrank after small reads (${slabs.at(-1)})`);
    client.close();
    server.close();
    await Promise.all([client.closed, server.closed]);
  });

  test("pause holds data back; resume delivers it in order and reads on", async () => {
    const { client, server } = await pair();
    const got = collector();
    server.start(got.handler);
    server.pause();
    client.start({ data() {}, drain() {}, end() {} });
    client.write(new Uint8Array([1, 2, 3]));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.total, 0);
    server.resume();
    client.write(new Uint8Array([4, 5]));
    await got.until(5);
    assert.deepEqual([...got.chunks.flatMap((c) => [...c])], [1, 2, 3, 4, 5]);
    const closed = server.closed; // asked before the close
    client.close();
    server.close();
    await Promise.all([closed, client.closed]);
  });

  test("closing a paused stream with a linger still ends and settles", async () => {
    const { client, server } = await pair();
    let ended = 0;
    server.start({ data() {}, drain() {}, end: () => void ended++ });
    server.pause();
    client.start({ data() {}, drain() {}, end() {} });
    client.write(new Uint8Array(1000));
    server.write(new Uint8Array(10));
    server.close(200);
    client.close();
    await Promise.all([server.closed, client.closed]);
    assert.equal(ended, 1);
  });
});
