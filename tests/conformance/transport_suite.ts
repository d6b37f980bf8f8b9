/**
 * The transport conformance suite: one set of tests every {@link Transport} must pass (inproc,
 * tcp, tcp over IPv6, ipc — on Deno and on Bun). Each implementation has a small `*_test.ts`
 * file that calls {@link runTransportSuite}. Tests wait for events with generous deadlines and
 * never assert on timing.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import type { ByteStream, StreamListener, Transport } from "../../src/transport/types.ts";
import { within } from "../_helpers.ts";

/** What the suite needs to know about one implementation. */
export interface TransportSuiteOptions {
  /** Shown in test names, e.g. `tcp (Deno)`. */
  readonly name: string;
  /** The transport under test. */
  readonly transport: Transport;
  /** A fresh endpoint to bind for each test (e.g. `tcp://127.0.0.1:0`, a new ipc path). */
  endpoint(): string;
  /**
   * A relay with buffers of its own (a fault proxy) sits between the ends: it keeps reading while
   * the far reader is paused, so the check that no `drain` comes during the pause is skipped.
   */
  readonly relayed?: boolean;
}

/** How long any single awaited event may take before the test fails (loaded CI machines). */
const DEADLINE_MS = 20_000;

/** One macrotask turn (lets I/O callbacks run; not a timed sleep). */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A stream handler that records everything and lets tests wait for conditions. */
class Recorder {
  chunks: Uint8Array[] = [];
  bytes = 0;
  ends = 0;
  endError: Error | undefined;
  drains = 0;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  attach(stream: ByteStream): this {
    stream.start({
      data: (chunk) => {
        this.chunks.push(chunk);
        this.bytes += chunk.length;
        this.#poke();
      },
      drain: () => {
        this.drains++;
        this.#poke();
      },
      end: (error) => {
        this.ends++;
        this.endError = error;
        this.#poke();
      },
    });
    return this;
  }

  until(check: () => boolean, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiters.push({ check, resolve })), what);
  }

  joined(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.joined());
  }

  #poke(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

interface Pair {
  listener: StreamListener;
  client: ByteStream;
  server: ByteStream;
  cleanup(): Promise<void>;
}

async function connectPair(options: TransportSuiteOptions): Promise<Pair> {
  const { transport } = options;
  let accepted!: (s: ByteStream) => void;
  const serverP = new Promise<ByteStream>((r) => (accepted = r));
  const listener = await transport.listen(parseEndpoint(options.endpoint()), (s) => accepted(s));
  const client = await within(transport.dial(parseEndpoint(listener.endpoint)), "dial");
  const server = await within(serverP, "accept");
  return {
    listener,
    client,
    server,
    async cleanup() {
      client.close(0);
      server.close(0);
      listener.close();
      await within(Promise.all([client.closed, server.closed, listener.closed]), "closed");
    },
  };
}

/** A deterministic byte pattern, so corruption, loss or reordering shows. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(got: Uint8Array, want: Uint8Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.fail(`${what}: byte ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

const encoder = new TextEncoder();

/** The chunk {@link writeUntilRefused} writes: `pattern(CHUNK, i + 1)` for the i-th. */
const CHUNK = 256 * 1024;

/**
 * Writes patterned chunks, one per turn (so the kernel buffers fill before the transport's own
 * queue does), until `write` returns `false`; fails the test if it never does within 512 MiB.
 * Returns the bytes written.
 */
async function writeUntilRefused(stream: ByteStream, when: string): Promise<number> {
  let written = 0;
  let accepted = true;
  for (let i = 0; accepted && written < 512 * 1024 * 1024; i++) {
    accepted = stream.write(pattern(CHUNK, i + 1));
    written += CHUNK;
    await turn();
  }
  assert.equal(accepted, false, `write() never reported back-pressure ${when}`);
  return written;
}

/**
 * Registers the conformance tests for one transport implementation.
 *
 * @example
 * ```ts ignore
 * import { runTransportSuite } from "./transport_suite.ts";
 * import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
 * let n = 0;
 * runTransportSuite({
 *   name: "inproc",
 *   transport: new InprocTransport(new InprocNamespace()),
 *   endpoint: () => `inproc://suite-${n++}`,
 * });
 * ```
 */
export function runTransportSuite(options: TransportSuiteOptions): void {
  const { transport } = options;

  describe(`transport conformance: ${options.name}`, () => {
    test("dial/listen round trip in both directions", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      const atClient = new Recorder().attach(p.client);
      assert.ok(p.client.localAddress.length > 0 && p.client.remoteAddress.length > 0);
      p.client.write(encoder.encode("ping"));
      await atServer.until(() => atServer.bytes >= 4, "ping at the server");
      assert.equal(atServer.text(), "ping");
      p.server.write(encoder.encode("pong"));
      await atClient.until(() => atClient.bytes >= 4, "pong at the client");
      assert.equal(atClient.text(), "pong");
      await p.cleanup();
    });

    test("10,000 small writes arrive in order", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      new Recorder().attach(p.client);
      const count = 10_000;
      for (let i = 0; i < count; i++) {
        const b = new Uint8Array(6);
        new DataView(b.buffer).setUint32(0, i);
        b[4] = 0xab;
        b[5] = i & 0xff;
        p.client.write(b);
        if (i % 1000 === 999) await turn(); // bursts across turns as well as within one
      }
      await atServer.until(() => atServer.bytes >= count * 6, "10,000 writes");
      const all = atServer.joined();
      assert.equal(all.length, count * 6);
      const view = new DataView(all.buffer);
      for (let i = 0; i < count; i++) {
        const got = view.getUint32(i * 6);
        if (got !== i || all[i * 6 + 4] !== 0xab || all[i * 6 + 5] !== (i & 0xff)) {
          assert.fail(`write ${i}: got index ${got}`);
        }
      }
      await p.cleanup();
    });

    test("a 10 MiB write arrives intact (and chunks are owned)", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      new Recorder().attach(p.client);
      const size = 10 * 1024 * 1024;
      const want = pattern(size, 7);
      p.client.write(want.slice()); // ownership passes: hand over a copy
      await atServer.until(() => atServer.bytes >= size, "10 MiB");
      // Chunks were kept, not copied, while later reads happened: reuse would show here.
      sameBytes(atServer.joined(), want, "10 MiB payload");
      await p.cleanup();
    });

    test("bytes sent before start() wait (the sender feels back-pressure), then all arrive", async () => {
      const p = await connectPair(options);
      const atClient = new Recorder().attach(p.client); // the server stream is not started yet
      // Until start(), the reader holds a bounded amount and leaves the rest to the kernel, so the
      // writer must see `false` long before the helper's ceiling.
      const written = await writeUntilRefused(p.client, "before start()");
      const atServer = new Recorder().attach(p.server);
      await atServer.until(() => atServer.bytes >= written, "all bytes after start()");
      const want = new Uint8Array(written);
      for (let i = 0, at = 0; at < written; i++, at += CHUNK) want.set(pattern(CHUNK, i + 1), at);
      sameBytes(atServer.joined(), want, "bytes sent before start()");
      await atClient.until(() => atClient.drains > 0, "drain once the reader started");
      await p.cleanup();
    });

    test("write back-pressure: false, then drain; pause stops and resume restarts delivery", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      p.server.pause();
      const atClient = new Recorder().attach(p.client);
      const written = await writeUntilRefused(p.client, "while the reader was paused");
      for (let i = 0; i < 20; i++) await turn();
      assert.equal(atServer.bytes, 0, "data was delivered while paused");
      if (!options.relayed) {
        assert.equal(atClient.drains, 0, "drain came while the reader was paused");
      }
      p.server.resume();
      await atClient.until(() => atClient.drains > 0, "drain after resume");
      await atServer.until(() => atServer.bytes >= written, "all bytes after resume");
      assert.equal(atServer.bytes, written);
      // Pause again mid-stream: delivery stops, then restarts.
      p.server.pause();
      const before = atServer.bytes;
      p.client.write(encoder.encode("after"));
      for (let i = 0; i < 20; i++) await turn();
      assert.equal(atServer.bytes, before, "data was delivered while paused again");
      p.server.resume();
      await atServer.until(() => atServer.bytes >= before + 5, "bytes after the second resume");
      await p.cleanup();
    });

    test("close by the client gives end exactly once on both sides", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      const atClient = new Recorder().attach(p.client);
      p.client.close();
      p.client.close(); // idempotent
      await atServer.until(() => atServer.ends > 0, "end at the server");
      await within(Promise.all([p.client.closed, p.server.closed]), "closed promises");
      for (let i = 0; i < 5; i++) await turn();
      assert.equal(atServer.ends, 1);
      assert.equal(atServer.endError, undefined);
      assert.equal(atClient.ends, 1);
      p.listener.close();
      await within(p.listener.closed, "listener closed");
    });

    test("close by the server gives end exactly once on both sides", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      const atClient = new Recorder().attach(p.client);
      p.server.close();
      await atClient.until(() => atClient.ends > 0, "end at the client");
      await within(Promise.all([p.client.closed, p.server.closed]), "closed promises");
      p.client.close(); // after the peer ended: a no-op
      p.client.write(encoder.encode("ignored")); // writes after close are ignored
      for (let i = 0; i < 5; i++) await turn();
      assert.equal(atClient.ends, 1);
      assert.equal(atClient.endError, undefined);
      assert.equal(atServer.ends, 1);
      p.listener.close();
      await within(p.listener.closed, "listener closed");
    });

    test("dial to nothing rejects with ECONNREFUSED", async () => {
      const listener = await transport.listen(parseEndpoint(options.endpoint()), (s) => s.close());
      const gone = listener.endpoint;
      listener.close();
      await within(listener.closed, "listener closed");
      await assert.rejects(transport.dial(parseEndpoint(gone)), (error: unknown) => {
        const e = error as { code?: string; message?: string };
        assert.equal(e.code, "ECONNREFUSED");
        return true;
      });
    });

    test("binding the same endpoint twice rejects with EADDRINUSE", async () => {
      const listener = await transport.listen(parseEndpoint(options.endpoint()), (s) => s.close());
      await assert.rejects(
        transport.listen(parseEndpoint(listener.endpoint), (s) => s.close()),
        (error: unknown) => {
          const e = error as { code?: string; message?: string };
          assert.equal(e.code, "EADDRINUSE");
          assert.ok(e.message?.includes(listener.endpoint), `message names the endpoint`);
          return true;
        },
      );
      listener.close();
      await within(listener.closed, "listener closed");
    });

    test("an ephemeral port binds a real port in listener.endpoint", async () => {
      const asked = parseEndpoint(options.endpoint());
      const listener = await transport.listen(asked, (s) => s.close());
      const bound = parseEndpoint(listener.endpoint);
      assert.equal(bound.scheme, asked.scheme);
      if (asked.port === 0 && asked.host !== "") {
        assert.ok(bound.port > 0, `expected a real port, got ${listener.endpoint}`);
        assert.equal(bound.host, asked.host === "*" ? "0.0.0.0" : asked.host);
      }
      listener.close();
      await within(listener.closed, "listener closed");
    });

    test("linger: close right after a large write still delivers it", async () => {
      const p = await connectPair(options);
      const atServer = new Recorder().attach(p.server);
      new Recorder().attach(p.client);
      const size = 8 * 1024 * 1024;
      const want = pattern(size, 99);
      p.client.write(want.slice());
      p.client.close(DEADLINE_MS);
      await atServer.until(() => atServer.ends > 0, "end after the lingering close");
      sameBytes(atServer.joined(), want, "lingered payload");
      assert.equal(atServer.endError, undefined);
      await p.cleanup();
    });

    test("closed promises settle for streams and listeners", async () => {
      const p = await connectPair(options);
      new Recorder().attach(p.server);
      new Recorder().attach(p.client);
      p.client.write(encoder.encode("x"));
      p.client.close(0);
      p.server.close(0);
      p.listener.close();
      p.listener.close(); // idempotent
      await within(
        Promise.all([p.client.closed, p.server.closed, p.listener.closed]),
        "all closed promises",
      );
    });
  });
}
