// The opening handshake's time limit (WsTransportOptions.handshakeTimeoutMs), both roles: a peer
// that never finishes it is dropped, and the error says which limit it missed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import { InprocNamespace, InprocTransport } from "../inproc/inproc.ts";
import type { ByteStream } from "../types.ts";
import { WsTransport } from "./transport.ts";
import { within } from "../../../tests/_helpers.ts";

const silent = { data() {}, drain() {}, end() {} };

test("a listener drops a peer that sends no upgrade within handshakeTimeoutMs", async () => {
  const base = new InprocTransport(new InprocNamespace());
  const ws = new WsTransport(base, { handshakeTimeoutMs: 50 });
  const refused = Promise.withResolvers<string>();
  const listener = await ws.listen(parseEndpoint("ws://quiet:1/x"), (s) => s.close(), {
    onRefused: (reason) => refused.resolve(reason),
  });
  const raw = await base.dial(parseEndpoint("inproc://quiet:1"));
  const ended = Promise.withResolvers<void>();
  raw.start({ ...silent, end: () => ended.resolve() });
  assert.equal(
    await within(refused.promise, "the refusal"),
    "expected a WebSocket upgrade within 50 ms",
  );
  await within(ended.promise, "the dropped connection");
  listener.close();
  await listener.closed;
});

test("a dial whose server never answers the upgrade fails with ETIMEDOUT", async () => {
  const base = new InprocTransport(new InprocNamespace());
  const held: ByteStream[] = [];
  const listener = await base.listen(parseEndpoint("inproc://mute:1"), (s) => {
    held.push(s);
    s.start(silent); // reads the request, never answers
  });
  const ws = new WsTransport(base, { handshakeTimeoutMs: 50 });
  const error = await within(
    ws.dial(parseEndpoint("ws://mute:1/x")).then(() => undefined, (e: unknown) => e),
    "the failed dial",
  );
  assert.ok(error instanceof WeftError);
  assert.equal(error.code, "ETIMEDOUT");
  assert.equal(
    error.message,
    "WebSocket handshake with ws://mute:1/x did not complete within 50 ms",
  );
  for (const s of held) s.close();
  listener.close();
  await listener.closed;
});
