// What TLS adds beyond the byte-stream contract (transport_tls_test.ts runs that): who is
// trusted, which name is checked, what a wrong CA or a non-TLS peer gives, one port serving raw
// bytes, WebSocket and HTTP over TLS, and the runtime's own WebSocket client against our wss
// listener. Runs under `deno test` and `bun test` on that runtime's TLS transport.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { WeftError } from "../../src/core/errors.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import type {
  ByteStream,
  DialOptions,
  StreamListener,
  Transport,
} from "../../src/transport/types.ts";
import { formatResponse, looksLikeHttp } from "../../src/transport/ws/http.ts";
import { PeekStream } from "../../src/transport/ws/peek.ts";
import { upgradeServerStream } from "../../src/transport/ws/upgrade.ts";
import { requirePeer } from "../interop/_peers.ts";
import { makeTestCerts } from "./_tls_certs.ts";
import { within } from "../_helpers.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records a stream's bytes and end; lets a test wait for a condition. */
class Reader {
  text = "";
  ended = false;
  #wake: (() => void) | undefined;

  constructor(stream: ByteStream) {
    stream.start({
      data: (c) => {
        this.text += dec.decode(c, { stream: true });
        this.#poke();
      },
      drain() {},
      end: () => {
        this.ended = true;
        this.#poke();
      },
    });
  }

  async until(check: () => boolean, what: string): Promise<void> {
    while (!check()) await within(new Promise<void>((r) => (this.#wake = r)), what);
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Listens on `url` and echoes every accepted stream, upper-cased; counts accepted streams. */
async function echoServer(transport: Transport, url: string) {
  const accepted: ByteStream[] = [];
  const listener = await transport.listen(parseEndpoint(url), (s) => {
    accepted.push(s);
    s.start({
      data: (c) => s.write(enc.encode(dec.decode(c).toUpperCase())),
      drain() {},
      end() {},
    });
  });
  return { listener, accepted };
}

/** Dials, sends `text`, and resolves with the echo. */
async function roundTrip(
  transport: Transport,
  url: string,
  options?: DialOptions,
): Promise<string> {
  const stream = await within(transport.dial(parseEndpoint(url), options), `dial ${url}`);
  const reader = new Reader(stream);
  stream.write(enc.encode("hello"));
  await reader.until(() => reader.text.length >= 5, "the echo");
  stream.close();
  await within(stream.closed, "stream closed");
  return reader.text;
}

/** Asserts `promise` rejects with a WeftError whose code is one of `codes`; returns it. */
async function rejectsWith(promise: Promise<unknown>, codes: string[]): Promise<WeftError> {
  let caught: unknown;
  await assert.rejects(within(promise, "the rejection"), (e: unknown) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof WeftError, `expected a WeftError, got ${String(caught)}`);
  assert.ok(codes.includes(caught.code), `expected ${codes.join("|")}, got ${caught.code}`);
  return caught;
}

async function closeAll(...listeners: StreamListener[]): Promise<void> {
  for (const l of listeners) l.close();
  await within(Promise.all(listeners.map((l) => l.closed)), "listeners closed");
}

const certs = makeTestCerts();

describe(`TLS specifics (${runtime})`, () => {
  if (!certs) {
    test("needs openssl for a throwaway certificate", (t) => {
      requirePeer(t, "openssl");
    });
    return;
  }
  const { cert, key, wrongCa } = certs;
  // The server side has credentials only; dialers bring their trust roots per dial.
  const server = defaultTransports(new InprocNamespace(), { tls: { cert, key } });
  const tls = server.get("tls+tcp")!;
  const tcp = server.get("tcp")!;
  const trusted: DialOptions = { tls: { caCerts: [cert] } };

  test("a listener made with cert and key serves dialers that trust it through caCerts", async () => {
    const { listener } = await echoServer(tls, "tls+tcp://127.0.0.1:0");
    assert.match(listener.endpoint, /^tls\+tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(await roundTrip(tls, listener.endpoint, trusted), "HELLO");
    // Credentials may also come per listen, for a transport made without them.
    const bare = defaultTransports(new InprocNamespace()).get("tls+tcp")!;
    const other = await bare.listen(parseEndpoint("tls+tcp://127.0.0.1:0"), (s) => s.close(), {
      tls: { cert, key },
    });
    const stream = await within(bare.dial(parseEndpoint(other.endpoint), trusted), "dial");
    assert.match(stream.remoteAddress, /^tls\+tcp:\/\/127\.0\.0\.1:\d+$/);
    stream.close();
    await closeAll(listener, other);
  });

  test("a wrong CA is refused with EPROTO naming the endpoint and the reason", async () => {
    const { listener, accepted } = await echoServer(tls, "tls+tcp://127.0.0.1:0");
    const error = await rejectsWith(
      tls.dial(parseEndpoint(listener.endpoint), { tls: { caCerts: [wrongCa] } }),
      ["EPROTO"],
    );
    assert.ok(error.message.includes(listener.endpoint), error.message);
    assert.match(error.message, /TLS handshake .* failed: .*certificate/i);
    // Nothing reached the server's accept, and it still serves a trusting dialer.
    assert.equal(await roundTrip(tls, listener.endpoint, trusted), "HELLO");
    assert.equal(accepted.length, 1);
    await closeAll(listener);
  });

  test("without caCerts the runtime's roots do not trust a self-signed server", async () => {
    const { listener } = await echoServer(tls, "tls+tcp://127.0.0.1:0");
    const error = await rejectsWith(tls.dial(parseEndpoint(listener.endpoint)), ["EPROTO"]);
    assert.match(error.message, /certificate|issuer/i);
    await closeAll(listener);
  });

  test("the name checked is tls.hostname (SNI) when given, else the endpoint's host", async () => {
    const { listener } = await echoServer(tls, "tls+tcp://127.0.0.1:0");
    const port = parseEndpoint(listener.endpoint).port;
    // 127.0.0.1 is in the certificate, and so is localhost.
    assert.equal(
      await roundTrip(tls, listener.endpoint, { tls: { caCerts: [cert], hostname: "localhost" } }),
      "HELLO",
    );
    assert.equal(await roundTrip(tls, `tls+tcp://localhost:${port}`, trusted), "HELLO");
    const error = await rejectsWith(
      tls.dial(parseEndpoint(listener.endpoint), {
        tls: { caCerts: [cert], hostname: "not-in-the-cert.example" },
      }),
      ["EPROTO"],
    );
    assert.ok(error.message.includes(listener.endpoint), error.message);
    await closeAll(listener);
  });

  test("listening without a certificate and key fails with EINVAL naming the endpoint", async () => {
    const bare = defaultTransports(new InprocNamespace());
    for (const url of ["tls+tcp://127.0.0.1:0", "wss://127.0.0.1:0/x"]) {
      const scheme = parseEndpoint(url).scheme;
      const error = await rejectsWith(
        bare.get(scheme)!.listen(parseEndpoint(url), (s) => s.close()),
        ["EINVAL"],
      );
      assert.match(error.message, /certificate and key/);
      assert.ok(error.message.includes("127.0.0.1:0"), error.message);
    }
  });

  test("insecure: Bun skips verification; Deno cannot per connection (ENOTSUP)", async () => {
    const { listener } = await echoServer(tls, "tls+tcp://127.0.0.1:0");
    const insecure: DialOptions = { tls: { insecure: true } };
    if (runtime === "Bun") {
      assert.equal(await roundTrip(tls, listener.endpoint, insecure), "HELLO");
    } else {
      const error = await rejectsWith(tls.dial(parseEndpoint(listener.endpoint), insecure), [
        "ENOTSUP",
      ]);
      assert.match(error.message, /caCerts/);
    }
    await closeAll(listener);
  });

  test("a peer that does not speak TLS: dials fail rather than hang", async () => {
    // A plain TCP server that stays silent: the handshake deadline ends the dial.
    const silent = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => {
      s.start({ data() {}, drain() {}, end() {} });
    });
    const silentPort = parseEndpoint(silent.endpoint).port;
    await rejectsWith(
      tls.dial(parseEndpoint(`tls+tcp://127.0.0.1:${silentPort}`), {
        ...trusted,
        connectTimeoutMs: 300,
      }),
      ["ETIMEDOUT"],
    );
    // A plain TCP server that answers with text and hangs up.
    const chatty = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (s) => {
      s.start({ data() {}, drain() {}, end() {} });
      s.write(enc.encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
      s.close(1000);
    });
    const chattyPort = parseEndpoint(chatty.endpoint).port;
    await rejectsWith(
      tls.dial(parseEndpoint(`tls+tcp://127.0.0.1:${chattyPort}`), trusted),
      ["EPROTO", "ECLOSED"],
    );
    await closeAll(silent, chatty);
  });

  test("plaintext or silence at a TLS listener never becomes a stream", async () => {
    const quick = defaultTransports(new InprocNamespace(), {
      tls: { cert, key, handshakeTimeoutMs: 300 },
    }).get("tls+tcp")!;
    const { listener, accepted } = await echoServer(quick, "tls+tcp://127.0.0.1:0");
    const port = parseEndpoint(listener.endpoint).port;
    // Plain HTTP at a TLS port: the handshake fails and the server hangs up.
    const plain = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${port}`));
    const plainReader = new Reader(plain);
    plain.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await plainReader.until(() => plainReader.ended, "the server to drop a plaintext client");
    // A client that never starts its handshake: dropped at the server's handshake deadline on
    // Bun. Deno gives up on it too (it is never accepted), but closing a server-side TlsConn
    // before its handshake does not close the socket (Deno 2.9): it stays open until the
    // client sends something or leaves.
    const silent = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${port}`));
    const silentReader = new Reader(silent);
    if (runtime === "Bun") {
      await silentReader.until(() => silentReader.ended, "the server's handshake deadline");
    }
    assert.equal(accepted.length, 0);
    assert.equal(await roundTrip(tls, listener.endpoint, trusted), "HELLO");
    assert.equal(accepted.length, 1);
    silent.close(0);
    await closeAll(listener);
  });

  test("one TLS port: raw bytes, wss and HTTP told apart by their first decrypted bytes", async () => {
    const kinds: string[] = [];
    const listener = await tls.listen(parseEndpoint("tls+tcp://127.0.0.1:0"), (raw) => {
      const peek = new PeekStream(raw);
      void (async () => {
        const first = await peek.peek(1);
        if (!looksLikeHttp(first)) {
          kinds.push("raw");
          peek.start({
            data: (c) => peek.write(enc.encode(`raw:${dec.decode(c)}`)),
            drain() {},
            end() {},
          });
          return;
        }
        const ws = await upgradeServerStream(peek, {
          route: (req) => (req.path === "/ws" ? {} : undefined),
          onRequest: (req, stream) => {
            kinds.push("http");
            stream.write(formatResponse(200, [], `static ${req.path}`));
            stream.close(1000);
          },
        }).catch(() => undefined);
        if (!ws) return;
        kinds.push("ws");
        ws.start({
          data: (m) => ws.write(enc.encode(`ws:${dec.decode(m)}`)),
          drain() {},
          end() {},
        });
      })();
    });
    const port = parseEndpoint(listener.endpoint).port;

    // Raw bytes (a pomelo handshake packet's head, say), over TLS.
    const raw = await tls.dial(parseEndpoint(listener.endpoint), trusted);
    const rawReader = new Reader(raw);
    raw.write(new Uint8Array([1, 0, 0, 2]));
    await rawReader.until(() => rawReader.text.startsWith("raw:"), "the raw echo");
    raw.close();

    // Plain HTTP over TLS (https).
    const https = await tls.dial(parseEndpoint(listener.endpoint), trusted);
    const httpsReader = new Reader(https);
    https.write(enc.encode("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    await httpsReader.until(() => httpsReader.ended, "the HTTP answer and close");
    assert.match(httpsReader.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nstatic \/index\.html$/);

    // wss on the same port, through our wss dialer.
    const wss = server.get("wss")!;
    const client = await within(
      wss.dial(parseEndpoint(`wss://127.0.0.1:${port}/ws`), trusted),
      "wss dial",
    );
    assert.equal(client.framing, "messages");
    const wsReader = new Reader(client);
    client.write(enc.encode("hi"));
    await wsReader.until(() => wsReader.text === "ws:hi", "the ws echo");
    client.close();
    await within(client.closed, "wss closed");
    assert.deepEqual(kinds.sort(), ["http", "raw", "ws"]);
    await closeAll(listener);
  });

  test("the runtime's native WebSocket client reaches our wss listener", async (t) => {
    const wss = server.get("wss")!;
    const listener = await wss.listen(parseEndpoint("wss://127.0.0.1:0/echo"), (s) => {
      s.start({ data: (m) => s.write(enc.encode(`echo:${dec.decode(m)}`)), drain() {}, end() {} });
    });
    const url = listener.endpoint.replace("127.0.0.1", "localhost");
    try {
      if (runtime === "Bun") {
        // Bun's WebSocket takes TLS options (its extension to the standard constructor).
        const BunWebSocket = WebSocket as unknown as new (
          url: string,
          options: { tls: { ca: string[] } },
        ) => WebSocket;
        const sock = new BunWebSocket(url, { tls: { ca: [cert] } });
        sock.binaryType = "arraybuffer";
        const got = await within(
          new Promise<string>((resolve, reject) => {
            sock.onopen = () => sock.send(enc.encode("hello"));
            sock.onmessage = (e) => resolve(dec.decode(e.data as ArrayBuffer));
            sock.onerror = () => reject(new Error("native WebSocket failed"));
          }),
          "the native client's echo",
        );
        assert.equal(got, "echo:hello");
        sock.close();
      } else {
        // Deno's WebSocket cannot be given a CA per socket, only per process (--cert): run a
        // native client in a child Deno.
        if (!("Deno" in globalThis)) {
          t.skip?.("not Deno or Bun");
          return;
        }
        assert.equal(await denoNativeClient(url, cert), "echo:hello");
      }
    } finally {
      await closeAll(listener);
    }
  });
});

/** Runs `new WebSocket(url)` in a child `deno run --cert`, sends "hello", returns the reply. */
async function denoNativeClient(url: string, ca: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "weft-wss-"));
  try {
    const caFile = join(dir, "ca.pem");
    const script = join(dir, "client.js");
    writeFileSync(caFile, ca);
    writeFileSync(
      script,
      `const ws = new WebSocket(Deno.args[0]);
ws.binaryType = "arraybuffer";
ws.onopen = () => ws.send(new TextEncoder().encode("hello"));
ws.onmessage = (e) => { console.log("reply:" + new TextDecoder().decode(e.data)); ws.close(); };
ws.onerror = (e) => { console.log("error:" + e.message); Deno.exit(1); };
`,
    );
    const child = spawn(
      process.execPath,
      ["run", "--quiet", "--no-config", "--allow-net", "--cert", caFile, script, url],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Uint8Array) => (out += dec.decode(c)));
    child.stderr!.on("data", (c: Uint8Array) => (err += dec.decode(c)));
    const code = await within(
      new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c))),
      "the child Deno's WebSocket client",
    ).catch((e) => {
      child.kill("SIGKILL");
      throw e;
    });
    const reply = /^reply:(.*)$/m.exec(out)?.[1];
    assert.ok(reply !== undefined, `child exited ${code}: ${out}${err}`);
    return reply;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
