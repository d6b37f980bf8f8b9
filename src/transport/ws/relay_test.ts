// WsRelay without a foreign peer (weft's ws over the runtime's tcp on both sides): a misspelt
// option, bad input closing only its own pair (and the target hearing the code), a close's code
// and reason passed on, back-pressure holding the client back while the target does not read.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WsRelay, type WsRelayEvent } from "./relay.ts";
import { defaultTransports } from "../default.ts";
import { InprocNamespace } from "../inproc/inproc.ts";
import { parseEndpoint } from "../../core/endpoint.ts";
import type { ByteStream, StreamListener } from "../types.ts";
import type { WsStream } from "./stream.ts";
import { upgradeClientStream } from "./upgrade.ts";
import { until, within } from "../../../tests/_helpers.ts";

const transports = defaultTransports(new InprocNamespace());
const ws = transports.get("ws")!;

/** A ws target on loopback; `accepted` gets each stream (not started). */
async function target(accepted: (s: ByteStream) => void): Promise<StreamListener> {
  return await ws.listen(parseEndpoint("ws://127.0.0.1:0/t"), accepted, {
    selectProtocol: (offered) => offered[0],
  });
}

describe("WsRelay", () => {
  test("a misspelt option is refused with the name meant", async () => {
    await assert.rejects(
      WsRelay.start({ listen: "ws://127.0.0.1:0/", connect: "ws://x:1/", transports } as never),
      {
        code: "EINVAL",
        message: /`connect` is not a WebSocket relay option; did you mean `target`/,
      },
    );
    await assert.rejects(
      WsRelay.start({ listen: "tcp://127.0.0.1:0", target: "ws://127.0.0.1:1/", transports }),
      { code: "EINVAL", message: /option listen: expected a ws:\/\/ or wss:\/\/ endpoint/ },
    );
  });

  test("a text message closes that pair only (1003 reaches the target); a close passes on", async () => {
    const streams: ByteStream[] = [];
    const t = await target((s) => {
      streams.push(s);
      s.start({ data: (m) => s.write(m), drain() {}, end() {} }); // echo
    });
    const events: WsRelayEvent[] = [];
    const relay = await WsRelay.start({
      listen: "ws://127.0.0.1:0/r",
      target: t.endpoint,
      transports,
      onEvent: (e) => events.push(e),
    });
    // The bad client keeps its raw tcp stream, to write a frame a WsStream would never send.
    const at = parseEndpoint(relay.endpoint);
    const badRaw = await transports.get("tcp")!.dial(parseEndpoint(`tcp://127.0.0.1:${at.port}`));
    const bad = await upgradeClientStream(badRaw, {
      host: `127.0.0.1:${at.port}`,
      path: at.path,
      protocols: ["p"],
    });
    const good = await ws.dial(parseEndpoint(relay.endpoint), { protocols: ["p"] });
    try {
      const echoes: string[] = [];
      good.start({ data: (m) => echoes.push(new TextDecoder().decode(m)), drain() {}, end() {} });
      const badEnded = Promise.withResolvers<Error | undefined>();
      bad.start({ data() {}, drain() {}, end: badEnded.resolve });
      await until(() => relay.connections === 2, "two pairs");
      // A text frame, by hand: FIN + opcode 1, masked, payload "hi".
      badRaw.write(new Uint8Array([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]));
      const err = await within(badEnded.promise, "the bad client's close");
      assert.match(String(err?.message), /1003/);
      await until(() => events.some((e) => e.type === "close"), "the relay's close event");
      await until(() => (streams[0] as WsStream).closeCode === 1003, "1003 at the target");
      // The other pair is unaffected.
      good.write(new TextEncoder().encode("still here"));
      await until(() => echoes.includes("still here"), "the good pair's echo");
      // The target closing with a code and reason: the client gets both.
      const goodEnded = Promise.withResolvers<Error | undefined>();
      good.start({ data() {}, drain() {}, end: goodEnded.resolve });
      (streams[1] as WsStream).closeWith(4001, "maintenance");
      await within(goodEnded.promise, "the good client's close");
      assert.equal((good as WsStream).closeCode, 4001);
      assert.equal((good as WsStream).closeReason, "maintenance");
    } finally {
      bad.close(0);
      good.close(0);
      relay.close();
      await relay.closed;
      t.close();
    }
  });

  test("back-pressure: a target that does not read holds the client back, then all arrives", async () => {
    let targetStream: ByteStream | undefined;
    let received = 0;
    const t = await target((s) => {
      targetStream = s;
      s.start({ data: (m) => void (received += m.length), drain() {}, end() {} });
      s.pause(); // not reading
    });
    const relay = await WsRelay.start({
      listen: "ws://127.0.0.1:0/bp",
      target: t.endpoint,
      transports,
    });
    const client = await ws.dial(parseEndpoint(relay.endpoint), { protocols: ["p"] });
    try {
      let drain = Promise.withResolvers<void>();
      client.start({ data() {}, drain: () => drain.resolve(), end() {} });
      const chunk = new Uint8Array(256 * 1024);
      const CAP = 256 * 1024 * 1024; // bounded: without back-pressure all of it would go in
      let sent = 0;
      let stuck = false;
      while (sent < CAP && !stuck) {
        sent += chunk.length;
        if (client.write(chunk)) continue;
        // Full: wait for a drain; none within 500 ms means the relay stopped reading us.
        const timer = Promise.withResolvers<boolean>();
        const t500 = setTimeout(() => timer.resolve(true), 500);
        stuck = await Promise.race([drain.promise.then(() => false), timer.promise]);
        clearTimeout(t500);
        drain = Promise.withResolvers<void>();
      }
      assert.ok(stuck, `the relay kept reading a client whose target reads nothing (${sent} B)`);
      assert.ok(sent < 64 * 1024 * 1024, `${sent} bytes went in before the client was held back`);
      assert.equal(received, 0);
      targetStream!.resume();
      await until(() => received === sent, `all ${sent} bytes at the target`, 60_000);
    } finally {
      client.close(0);
      relay.close();
      await relay.closed;
      t.close();
    }
  });
});
