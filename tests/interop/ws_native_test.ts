// Interop with the runtime's own WebSocket: its client (`new WebSocket`, in Deno and Bun)
// against our listener, and our client against its server (Deno.serve + Deno.upgradeWebSocket
// under `deno test`, Bun.serve under `bun test`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import type { ByteStream } from "../../src/transport/types.ts";
import type { WsStream } from "../../src/transport/ws/stream.ts";
import { WsTransport } from "../../src/transport/ws/transport.ts";
import { within } from "../_helpers.ts";
import { Collector, pattern, tcp } from "../../src/transport/ws/_raw_test_helpers_test.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const runtime = "Bun" in globalThis ? "Bun" : "Deno";

interface NativeServer {
  port: number;
  stop(): Promise<void>;
}

/** The few Bun.serve shapes used here (declared locally so `deno check` passes). */
interface BunLike {
  serve(options: {
    hostname: string;
    port: number;
    fetch(
      req: Request,
      server: { upgrade(req: Request, o?: object): boolean },
    ): Response | undefined;
    websocket: { message(ws: { send(m: unknown): void }, message: unknown): void };
  }): { port: number; stop(force?: boolean): void };
}

/** A native echo server; selects `protocol` when given. */
function nativeEchoServer(protocol?: string): NativeServer {
  if ("Bun" in globalThis) {
    const bun = (globalThis as unknown as { Bun: BunLike }).Bun;
    const server = bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req, srv) {
        const headers = protocol ? { "Sec-WebSocket-Protocol": protocol } : {};
        if (srv.upgrade(req, { headers })) return undefined;
        return new Response("expected an upgrade", { status: 400 });
      },
      websocket: { message: (ws, message) => ws.send(message) },
    });
    return { port: server.port, stop: () => Promise.resolve(server.stop(true)) };
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req, protocol ? { protocol } : {});
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  return { port: server.addr.port, stop: () => server.shutdown() };
}

/** Opens a native client; resolves at open, rejects at error/close before open. */
function nativeClient(url: string, protocols: string[]) {
  const sock = new WebSocket(url, protocols);
  sock.binaryType = "arraybuffer";
  const messages: (ArrayBuffer | string)[] = [];
  let wake: (() => void) | undefined;
  const closed = new Promise<CloseEvent>((resolve) => sock.addEventListener("close", resolve));
  sock.addEventListener("message", (e) => {
    messages.push(e.data);
    wake?.();
  });
  const opened = new Promise<void>((resolve, reject) => {
    sock.addEventListener("open", () => resolve());
    sock.addEventListener("close", (e) => reject(new Error(`closed before open (${e.code})`)));
  });
  return {
    sock,
    messages,
    closed,
    opened,
    async message(n: number) {
      await within(
        (async () => {
          while (messages.length < n) await new Promise<void>((r) => (wake = r));
        })(),
        `native message ${n}`,
      );
      return messages[n - 1]!;
    },
  };
}

async function echoListener(ws: WsTransport, path = "/echo") {
  const accepted: WsStream[] = [];
  const collectors: Collector[] = [];
  const listener = await ws.listen(parseEndpoint(`ws://127.0.0.1:0${path}`), (s: ByteStream) => {
    const stream = s as WsStream;
    accepted.push(stream);
    const c = new Collector(stream);
    collectors.push(c);
    const origPush = c.messages.push.bind(c.messages);
    c.messages.push = (...items: Uint8Array[]) => {
      for (const m of items) stream.write(m.slice()); // echo
      return origPush(...items);
    };
  }, { selectProtocol: (offered) => offered.find((p) => p.endsWith(".sp.nanomsg.org")) });
  return { listener, accepted, collectors };
}

describe(`ws against the native WebSocket (${runtime})`, () => {
  test("native client → our server: subprotocol, binary and text, 5 MiB, clean close", async () => {
    const ws = new WsTransport(tcp);
    const { listener, accepted, collectors } = await echoListener(ws);
    const client = nativeClient(listener.endpoint, ["rep.sp.nanomsg.org"]);
    await within(client.opened, "native open");
    assert.equal(client.sock.protocol, "rep.sp.nanomsg.org");
    client.sock.send(enc.encode("binary hello"));
    assert.equal(
      dec.decode(new Uint8Array((await client.message(1)) as ArrayBuffer)),
      "binary hello",
    );
    const server = accepted[0]!;
    assert.equal(server.protocol, "rep.sp.nanomsg.org");
    assert.equal(server.lastText, false);
    client.sock.send("text ✓");
    await client.message(2);
    assert.equal(server.lastText, true);
    assert.equal(dec.decode(collectors[0]!.messages[1]), "text ✓");
    const big = pattern(5 << 20);
    client.sock.send(big);
    const back = new Uint8Array((await client.message(3)) as ArrayBuffer);
    assert.equal(back.length, big.length);
    assert.ok(back.every((b, i) => b === big[i]), "5 MiB echoed intact");
    client.sock.close(1000, "done");
    const ev = await within(client.closed, "native close");
    assert.equal(ev.code, 1000);
    await collectors[0]!.until(() => collectors[0]!.ended, "end at our server");
    assert.equal(collectors[0]!.error, undefined);
    assert.equal(server.closeCode, 1000);
    await within(server.closed, "server stream closed");
    listener.close();
  });

  test("native client: a refused subprotocol and an unknown path fail to open", async () => {
    const ws = new WsTransport(tcp);
    const { listener, accepted } = await echoListener(ws);
    const wrong = nativeClient(listener.endpoint, ["chat"]);
    await assert.rejects(within(wrong.opened, "refusal"), /closed before open/);
    const port = parseEndpoint(listener.endpoint).port;
    const nowhere = nativeClient(`ws://127.0.0.1:${port}/nowhere`, ["rep.sp.nanomsg.org"]);
    await assert.rejects(within(nowhere.opened, "404"), /closed before open/);
    assert.equal(accepted.length, 0);
    listener.close();
  });

  test("our server closes with a code: the native client sees it", async () => {
    const ws = new WsTransport(tcp);
    const { listener, accepted } = await echoListener(ws);
    const client = nativeClient(listener.endpoint, ["pair.sp.nanomsg.org"]);
    await within(client.opened, "native open");
    await within(
      (async () => {
        while (accepted.length === 0) await new Promise((r) => setTimeout(r, 1));
      })(),
      "accept",
    );
    accepted[0]!.closeWith(4001, "bye now");
    const ev = await within(client.closed, "native close");
    assert.equal(ev.code, 4001);
    assert.equal(ev.reason, "bye now");
    await within(accepted[0]!.closed, "our side closed");
    listener.close();
  });

  test("our client → native server: subprotocol, small and 5 MiB (1 MiB fragments) echoed", async () => {
    const native = nativeEchoServer("pair.sp.nanomsg.org");
    const ws = new WsTransport(tcp);
    const client = await ws.dial(parseEndpoint(`ws://127.0.0.1:${native.port}/any`), {
      protocols: ["pair.sp.nanomsg.org"],
    });
    assert.equal(client.protocol, "pair.sp.nanomsg.org");
    assert.equal(client.framing, "messages");
    const at = new Collector(client);
    client.write(enc.encode("hi"));
    await at.until(() => at.messages.length === 1, "small echo");
    assert.equal(dec.decode(at.messages[0]), "hi");
    const big = pattern(5 << 20, 3);
    client.write(big.slice());
    await at.until(() => at.messages.length === 2, "5 MiB echo");
    assert.equal(at.messages[1]!.length, big.length);
    assert.ok(at.messages[1]!.every((b, i) => b === big[i]), "5 MiB intact");
    (client as WsStream).ping(enc.encode("still there?")); // the native server answers; no effect
    client.write(enc.encode("after ping"));
    await at.until(() => at.messages.length === 3, "echo after ping");
    client.close();
    await within(client.closed, "closed");
    await native.stop();
  });

  // Deno's server selects no subprotocol unless told (and refuses to select one not offered);
  // Bun.serve selects the first offered by itself but will send one we did not offer.
  test("our client: a native server selecting none / another subprotocol is refused", async () => {
    const native = nativeEchoServer(runtime === "Bun" ? "pair.sp.nanomsg.org" : undefined);
    const ws = new WsTransport(tcp);
    await assert.rejects(
      ws.dial(parseEndpoint(`ws://127.0.0.1:${native.port}/`), {
        protocols: ["rep.sp.nanomsg.org"],
      }),
      (e: unknown) => {
        const err = e as { code?: string; message?: string };
        assert.equal(err.code, "EPROTO");
        assert.match(err.message ?? "", /subprotocol/);
        return true;
      },
    );
    await native.stop();
  });
});
