// A group broadcast is encoded once and reaches the transports as one shared buffer: every
// WebSocket session writes the same frame, every plain session the same packet bytes (no
// per-recipient framing or copy). The app finds this through the stream contract's optional
// writeShared, never by naming the WebSocket transport.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { App, type ByteStream, type StreamHandler } from "../../src/nano.ts";
import { WsStream } from "../../src/transport/ws/stream.ts";
import { quietLogger } from "./_client.ts";

/** A raw stream that records what is written to it. */
function recorder(): ByteStream & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    localAddress: "tcp://127.0.0.1:1",
    remoteAddress: "tcp://127.0.0.1:2",
    closed: new Promise(() => {}),
    start(_h: StreamHandler) {},
    write: (b) => (writes.push(b), true),
    pause() {},
    resume() {},
    close() {},
  };
}

describe("nano: shared broadcast", () => {
  test("one frame for every ws session, one packet for every plain session", async () => {
    const app = new App({ heartbeatInterval: 0, logger: quietLogger() });
    await app.start();
    const group = app.group("all");
    const plain = [recorder(), recorder()];
    const wsRaw = [recorder(), recorder()];
    for (const s of plain) group.add(app.accept(s, "tcp")!);
    for (const raw of wsRaw) group.add(app.accept(new WsStream(raw, { role: "server" }), "ws")!);

    assert.equal(group.broadcast("room.news", { text: "to all" }), 4);

    const [p0, p1] = plain.map((r) => r.writes.at(-1)!);
    const [w0, w1] = wsRaw.map((r) => r.writes.at(-1)!);
    assert.equal(p0, p1); // the same packet buffer, not a copy
    assert.equal(w0, w1); // the same ws frame buffer
    assert.deepEqual(w0!.subarray(w0!.length - p0!.length), p0); // the frame carries the packet
    assert.equal(w0![0], 0x82); // FIN + binary, unmasked
    await app.close({ timeout: 0 });
  });
});
