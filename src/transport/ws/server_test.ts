// Our ws listener (over the runtime's tcp) against a raw peer that writes requests and frames
// by hand: handshake refusals, routing by path, ping/pong, masking and size violations,
// fragmentation, the close handshake.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint } from "../../core/endpoint.ts";
import type { ByteStream, ListenOptions, StreamListener } from "../types.ts";
import { WsTransport } from "./transport.ts";
import type { WsStream } from "./stream.ts";
import { within } from "../../../tests/_helpers.ts";
import {
  ACCEPT,
  closeCodeOf,
  Collector,
  frame,
  pattern,
  RawPeer,
  tcp,
  upgradeRequest,
} from "./_raw_test_helpers_test.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Server {
  ws: WsTransport;
  listener: StreamListener;
  accepted: WsStream[];
  next(): Promise<WsStream>;
}

async function serve(path = "/x", options: ListenOptions = {}, ws = new WsTransport(tcp)) {
  const accepted: WsStream[] = [];
  let wake: (() => void) | undefined;
  let taken = 0;
  const listener = await ws.listen(parseEndpoint(`ws://127.0.0.1:0${path}`), (s) => {
    accepted.push(s as WsStream);
    wake?.();
  }, options);
  const server: Server = {
    ws,
    listener,
    accepted,
    async next() {
      const index = taken++;
      await within(
        (async () => {
          while (accepted.length <= index) await new Promise<void>((r) => (wake = r));
        })(),
        "an accepted stream",
      );
      return accepted[index]!;
    },
  };
  return server;
}

async function upgraded(url: string, extra: string[] = []): Promise<RawPeer> {
  const peer = await RawPeer.connect(url);
  peer.send(upgradeRequest(parseEndpoint(url).path, extra));
  const head = await peer.head();
  assert.match(head, /^HTTP\/1\.1 101 /);
  assert.ok(head.includes(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`), head);
  return peer;
}

describe("ws server: the opening handshake", () => {
  const bad: [string, string, number][] = [
    ["garbage", "\x00\x01\x02 not http at all\r\n\r\n", 400],
    ["a plain GET (no Upgrade header)", "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    ["wrong version", upgradeRequest("/x").replace("Version: 13", "Version: 8"), 400],
    ["no version", upgradeRequest("/x").replace("Sec-WebSocket-Version: 13\r\n", ""), 400],
    ["POST upgrade", upgradeRequest("/x").replace("GET", "POST"), 400],
    ["HTTP/1.0", upgradeRequest("/x").replace("HTTP/1.1", "HTTP/1.0"), 400],
    ["bad key", upgradeRequest("/x").replace(/Key: .*\r\n/, "Key: short\r\n"), 400],
    [
      "no Connection: Upgrade",
      upgradeRequest("/x").replace("Connection: Upgrade", "Connection: x"),
      400,
    ],
    ["folded header", upgradeRequest("/x").replace("Host: test", "Host: test\r\n  more"), 400],
    ["unknown path", upgradeRequest("/nope"), 404],
    ["a head over 8 KiB", "GET /x HTTP/1.1\r\nX: " + "a".repeat(9000) + "\r\n\r\n", 431],
  ];
  for (const [name, request, status] of bad) {
    test(`${name} → HTTP ${status}, connection closed, listener unharmed`, async () => {
      const s = await serve();
      const peer = await RawPeer.connect(s.listener.endpoint);
      peer.send(request);
      const head = await peer.head();
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), head);
      if (name === "wrong version") assert.ok(head.includes("Sec-WebSocket-Version: 13\r\n"));
      await peer.untilEnd("the server to close");
      assert.equal(s.accepted.length, 0);
      // The next, well-behaved client is served.
      const good = await upgraded(s.listener.endpoint);
      await s.next();
      good.close();
      s.accepted[0]!.close(0);
      s.listener.close();
      await within(s.listener.closed, "listener closed");
    });
  }

  test("a peer that leaves mid-head is dropped quietly", async () => {
    const s = await serve();
    const peer = await RawPeer.connect(s.listener.endpoint);
    peer.send("GET /x HTTP/1.1\r\nHost");
    peer.close();
    await within(peer.stream.closed, "peer closed");
    const good = await upgraded(s.listener.endpoint);
    await s.next();
    good.close();
    s.accepted[0]!.close(0);
    s.listener.close();
  });

  test("subprotocol: selected and echoed; refused with 400 (as nng)", async () => {
    const s = await serve("/sp", {
      selectProtocol: (offered) => offered.find((p) => p === "rep.sp.nanomsg.org"),
    });
    const ok = await upgraded(s.listener.endpoint, [
      "Sec-WebSocket-Protocol: pair.sp.nanomsg.org, rep.sp.nanomsg.org",
    ]);
    assert.ok((await ok.head()).includes("Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n"));
    assert.equal((await s.next()).protocol, "rep.sp.nanomsg.org");
    for (const extra of [["Sec-WebSocket-Protocol: req.sp.nanomsg.org"], []]) {
      const peer = await RawPeer.connect(s.listener.endpoint);
      peer.send(upgradeRequest("/sp", extra));
      assert.match(await peer.head(), /^HTTP\/1\.1 400 /);
      await peer.untilEnd("the server to close");
    }
    // Our own client gets EPROTO naming the status.
    await assert.rejects(
      s.ws.dial(parseEndpoint(s.listener.endpoint), { protocols: ["req.sp.nanomsg.org"] }),
      (e: unknown) => {
        const err = e as { code?: string; message?: string };
        assert.equal(err.code, "EPROTO");
        assert.match(err.message ?? "", /HTTP 400/);
        return true;
      },
    );
    assert.equal(s.accepted.length, 1);
    ok.close();
    s.accepted[0]!.close(0);
    s.listener.close();
  });

  test("several paths share one port; closing one leaves the other", async () => {
    const ws = new WsTransport(tcp);
    const a = await serve("/a", {}, ws);
    const port = parseEndpoint(a.listener.endpoint).port;
    const gotB: WsStream[] = [];
    const b = await ws.listen(
      parseEndpoint(`ws://127.0.0.1:${port}/b`),
      (st) => gotB.push(st as WsStream),
    );
    assert.equal(b.endpoint, `ws://127.0.0.1:${port}/b`);
    await assert.rejects(
      ws.listen(parseEndpoint(`ws://127.0.0.1:${port}/b`), () => {}),
      /EADDRINUSE|already bound/,
    );
    const toA = await ws.dial(parseEndpoint(`ws://127.0.0.1:${port}/a`));
    const toB = await ws.dial(parseEndpoint(`ws://127.0.0.1:${port}/b`));
    const atA = new Collector(await a.next());
    await within(
      (async () => {
        while (gotB.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
      "accept on /b",
    );
    const atB = new Collector(gotB[0]!);
    toA.start({ data() {}, drain() {}, end() {} });
    toB.start({ data() {}, drain() {}, end() {} });
    toA.write(enc.encode("to a"));
    toB.write(enc.encode("to b"));
    await atA.until(() => atA.messages.length === 1, "message on /a");
    await atB.until(() => atB.messages.length === 1, "message on /b");
    assert.equal(dec.decode(atA.messages[0]), "to a");
    assert.equal(dec.decode(atB.messages[0]), "to b");
    a.listener.close();
    await within(a.listener.closed, "/a closed");
    await assert.rejects(ws.dial(parseEndpoint(`ws://127.0.0.1:${port}/a`)), /HTTP 404/);
    const again = await ws.dial(parseEndpoint(`ws://127.0.0.1:${port}/b`));
    again.close(0);
    b.close();
    await within(b.closed, "/b closed");
    await assert.rejects(
      ws.dial(parseEndpoint(`ws://127.0.0.1:${port}/b`)),
      /ECONNREFUSED|refused/i,
    );
    for (const st of [toA, toB, ...a.accepted, ...gotB]) st.close(0);
  });
});

describe("ws server: frames", () => {
  test("ping gets a pong with the same payload, also inside a fragmented message", async () => {
    const s = await serve();
    const peer = await upgraded(s.listener.endpoint);
    const at = new Collector(await s.next());
    peer.send(frame(2, enc.encode("frag-"), { fin: false }));
    peer.send(frame(9, enc.encode("are you there")));
    peer.send(frame(0, enc.encode("ment")));
    const frames = await peer.untilFrames(1, "a pong");
    assert.equal(frames[0]!.opcode, 0xa);
    assert.equal(frames[0]!.masked, false);
    assert.equal(dec.decode(frames[0]!.payload), "are you there");
    await at.until(() => at.messages.length === 1, "the message");
    assert.equal(dec.decode(at.messages[0]), "frag-ment");
    peer.close();
    s.accepted[0]!.close(0);
    s.listener.close();
  });

  const violations: [string, Uint8Array, number, string][] = [
    ["an unmasked client frame", frame(2, enc.encode("x"), { mask: false }), 1002, "EPROTO"],
    ["a reserved bit", frame(2, enc.encode("x"), { rsv: 0x40 }), 1002, "EPROTO"],
    ["a 126-byte ping", frame(9, new Uint8Array(126)), 1002, "EPROTO"],
    ["a message over maxMessageSize", frame(2, new Uint8Array(1001)), 1009, "EMSGSIZE"],
  ];
  for (const [name, wire, code, errorCode] of violations) {
    test(`${name} → close ${code}, the stream ends with ${errorCode}`, async () => {
      const s = await serve("/x", { maxMessageSize: 1000 });
      const peer = await upgraded(s.listener.endpoint);
      const at = new Collector(await s.next());
      peer.send(frame(2, new Uint8Array(1000))); // exactly the limit is fine
      await at.until(() => at.messages.length === 1, "the message at the limit");
      peer.send(wire);
      const frames = await peer.untilFrames(1, "a close frame");
      assert.equal(closeCodeOf(frames[0]), code);
      await peer.untilEnd("the server to close");
      await at.until(() => at.ended, "end at the server");
      assert.equal((at.error as { code?: string } | undefined)?.code, errorCode);
      assert.equal(at.messages.length, 1);
      s.listener.close();
    });
  }

  test("a 5 MiB message both ways, in 1 MiB fragments", async () => {
    const s = await serve();
    const peer = await upgraded(s.listener.endpoint);
    const server = await s.next();
    const at = new Collector(server);
    const big = pattern(5 << 20);
    // In: five 1 MiB fragments.
    for (let i = 0; i < 5; i++) {
      peer.send(frame(i === 0 ? 2 : 0, big.subarray(i << 20, (i + 1) << 20), { fin: i === 4 }));
    }
    await at.until(() => at.messages.length === 1, "the 5 MiB message");
    assert.equal(at.messages[0]!.length, big.length);
    assert.ok(at.messages[0]!.every((b, i) => b === big[i]), "5 MiB intact at the server");
    // Out: the server fragments at 1 MiB (nng's size).
    server.write(big.slice());
    const frames = await peer.untilFrames(5, "five fragments");
    assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.payload.length]), [
      [2, false, 1 << 20],
      [0, false, 1 << 20],
      [0, false, 1 << 20],
      [0, false, 1 << 20],
      [0, true, 1 << 20],
    ]);
    peer.close();
    server.close(0);
    s.listener.close();
  });

  test("close handshake started by the client: code echoed, end without error", async () => {
    const s = await serve();
    const peer = await upgraded(s.listener.endpoint);
    const server = await s.next();
    const at = new Collector(server);
    peer.send(frame(8, new Uint8Array([0x03, 0xe8, ...enc.encode("bye")])));
    const frames = await peer.untilFrames(1, "the close reply");
    assert.equal(closeCodeOf(frames[0]), 1000);
    await peer.untilEnd("the server to close the connection");
    await at.until(() => at.ended, "end at the server");
    assert.equal(at.error, undefined);
    assert.equal(server.closeCode, 1000);
    assert.equal(server.closeReason, "bye");
    await within(server.closed, "closed");
    s.listener.close();
  });

  test("close handshake started by the server with a code; a text message is flagged", async () => {
    const s = await serve();
    const peer = await upgraded(s.listener.endpoint);
    const server = await s.next();
    const at = new Collector(server);
    peer.send(frame(1, enc.encode("text ✓")));
    await at.until(() => at.messages.length === 1, "the text message");
    assert.equal(dec.decode(at.messages[0]), "text ✓");
    assert.equal(server.lastText, true);
    server.closeWith(4001, "custom");
    assert.equal(at.ended, true, "close ends the handler at once");
    const frames = await peer.untilFrames(1, "the close frame");
    assert.equal(closeCodeOf(frames[0]), 4001);
    assert.equal(dec.decode(frames[0]!.payload.subarray(2)), "custom");
    peer.send(frame(8, frames[0]!.payload));
    await within(server.closed, "closed after the reply");
    await peer.untilEnd("the connection to end");
    s.listener.close();
  });

  test("a peer that never answers our close is cut after the linger", async () => {
    const s = await serve();
    const peer = await upgraded(s.listener.endpoint);
    const server = await s.next();
    new Collector(server);
    server.close(50);
    await peer.untilFrames(1, "the close frame");
    await within(server.closed, "closed after the linger");
    await peer.untilEnd("the connection to end");
    s.listener.close();
  });
});

describe("ws client against misbehaving servers", () => {
  async function fakeServer(reply: (request: string) => string | Uint8Array[]) {
    const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (raw: ByteStream) => {
      let text = "";
      raw.start({
        data: (c) => {
          text += new TextDecoder("latin1").decode(c);
          if (!text.includes("\r\n\r\n")) return;
          const key = /Sec-WebSocket-Key: (.*)\r\n/.exec(text)?.[1] ?? "";
          void (async () => {
            const { acceptKey } = await import("./handshake.ts");
            const accept = await acceptKey(key);
            const out = reply(text.replace("{accept}", accept));
            if (typeof out === "string") raw.write(enc.encode(out.replace("{accept}", accept)));
            else {
              raw.write(enc.encode(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
                  `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
              ));
              for (const b of out) raw.write(b);
            }
          })();
        },
        drain() {},
        end() {},
      });
    });
    const port = parseEndpoint(listener.endpoint).port;
    return { listener, url: `ws://127.0.0.1:${port}/x` };
  }

  test("a masked server frame → our client closes with 1002 and ends with EPROTO", async () => {
    const f = await fakeServer(() => [frame(2, enc.encode("masked!"))]);
    const ws = new WsTransport(tcp);
    const client = await ws.dial(parseEndpoint(f.url));
    const at = new Collector(client);
    await at.until(() => at.ended, "end at the client");
    assert.equal((at.error as { code?: string }).code, "EPROTO");
    assert.equal((client as WsStream).closeCode, 1002);
    f.listener.close();
  });

  const refusals: [string, string, RegExp][] = [
    ["HTTP 403", "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", /HTTP 403/],
    [
      "a wrong accept key",
      "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n",
      /Sec-WebSocket-Accept/,
    ],
    [
      "no subprotocol selected",
      "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Accept: {accept}\r\n\r\n",
      /subprotocol/,
    ],
    ["garbage", "SSH-2.0-OpenSSH\r\n\r\n", /status line/],
  ];
  for (const [name, response, pattern] of refusals) {
    test(`${name} → dial rejects with EPROTO`, async () => {
      const f = await fakeServer(() => response);
      const ws = new WsTransport(tcp);
      await assert.rejects(
        ws.dial(parseEndpoint(f.url), { protocols: ["pair.sp.nanomsg.org"] }),
        (e: unknown) => {
          const err = e as { code?: string; message?: string };
          assert.equal(err.code, "EPROTO");
          assert.match(err.message ?? "", pattern);
          return true;
        },
      );
      f.listener.close();
    });
  }
});
