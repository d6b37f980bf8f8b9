// The building blocks for one port serving raw TCP, WebSocket and plain HTTP (pomelo's hybrid
// connector, issue 5): peek at the first bytes, then upgrade, answer HTTP, or pass bytes on.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint } from "../../core/endpoint.ts";
import type { ByteStream } from "../types.ts";
import { formatResponse, looksLikeHttp } from "./http.ts";
import { PeekStream } from "./peek.ts";
import { WsTransport } from "./transport.ts";
import { upgradeServerStream } from "./upgrade.ts";
import { within } from "../../../tests/_helpers.ts";
import { Collector, RawPeer, tcp } from "./_raw_test_helpers_test.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("one port: raw TCP, WebSocket and plain HTTP", () => {
  test("a sniffer routes by the first bytes", async () => {
    const wsStreams: ByteStream[] = [];
    const rawEcho: string[] = [];
    const listener = await tcp.listen(parseEndpoint("tcp://127.0.0.1:0"), (raw) => {
      const peek = new PeekStream(raw);
      void (async () => {
        const first = await peek.peek(4);
        if (!looksLikeHttp(first)) {
          // Raw protocol: echo bytes back, upper-cased.
          peek.start({
            data: (c) => {
              rawEcho.push(dec.decode(c));
              peek.write(enc.encode(dec.decode(c).toUpperCase()));
            },
            drain() {},
            end() {},
          });
          return;
        }
        const ws = await upgradeServerStream(peek, {
          route: (req) => (req.path === "/ws" ? {} : undefined),
          onRequest: (req, stream) => {
            stream.write(formatResponse(200, [], `static ${req.path}`));
            stream.close(1000);
          },
        }).catch(() => undefined);
        if (ws) {
          wsStreams.push(ws);
          const c = new Collector(ws);
          const push = c.messages.push.bind(c.messages);
          c.messages.push = (...m: Uint8Array[]) => {
            for (const x of m) ws.write(enc.encode(`ws:${dec.decode(x)}`));
            return push(...m);
          };
        }
      })();
    });
    const port = parseEndpoint(listener.endpoint).port;

    // Plain HTTP.
    const http = await RawPeer.connect(`ws://127.0.0.1:${port}/`);
    http.send("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    await http.untilEnd("the HTTP answer and close");
    assert.match(http.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nstatic \/index\.html$/);

    // Raw bytes (an SP-like header first).
    const rawPeer = await RawPeer.connect(`ws://127.0.0.1:${port}/`);
    rawPeer.send(new Uint8Array([0x00, 0x53, 0x50, 0x00]));
    rawPeer.send("abc");
    await rawPeer.until(() => rawPeer.text().endsWith("ABC"), "raw echo");
    rawPeer.close();

    // WebSocket via our own client, on the same port.
    const client = await new WsTransport(tcp).dial(parseEndpoint(`ws://127.0.0.1:${port}/ws`));
    const at = new Collector(client);
    client.write(enc.encode("hi"));
    await at.until(() => at.messages.length === 1, "ws echo");
    assert.equal(dec.decode(at.messages[0]), "ws:hi");
    client.close();
    await within(client.closed, "ws closed");
    assert.equal(wsStreams.length, 1);
    listener.close();
  });
});
