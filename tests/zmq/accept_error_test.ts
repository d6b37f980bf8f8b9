// A listener's accept failure (out of file descriptors…) reaches the socket's user as an
// `accept:error` event, for ZeroMQ and SP sockets alike, and the socket keeps serving. The failure
// is injected by a transport wrapper, so the test needs no real descriptor exhaustion (that is
// tests/nano/fd_exhaustion_test.ts's job).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRegistry, InprocNamespace, InprocTransport, Pull, Push } from "../../src/zmq.ts";
import { Pull0, Push0 } from "../../src/sp.ts";
import type { Endpoint } from "../../src/core/endpoint.ts";
import type { ByteStream, ListenOptions, Transport } from "../../src/transport/types.ts";
import { within } from "../_helpers.ts";

/** inproc, but every listener reports one accept failure right after it starts listening. */
function failingOnce(): Transport {
  const inner = new InprocTransport(new InprocNamespace());
  return {
    scheme: inner.scheme,
    dial: (endpoint) => inner.dial(endpoint),
    async listen(
      endpoint: Endpoint,
      onStream: (stream: ByteStream) => void,
      options?: ListenOptions,
    ) {
      const listener = await inner.listen(endpoint, onStream);
      const error = Object.assign(new Error("Too many open files"), { code: "EMFILE" });
      queueMicrotask(() => options?.onError?.(error));
      return listener;
    },
  };
}

describe("accept errors become events", () => {
  for (
    const [family, make] of [
      ["ZeroMQ", (transports: ReturnType<typeof createRegistry>) => {
        const pull = new Pull({ transports });
        const push = new Push({ transports });
        return {
          pull,
          push,
          bind: (url: string) => pull.bind(url),
          connect: (url: string) => push.connect(url),
          send: (m: string) => push.send(m),
          receive: async () => new TextDecoder().decode((await pull.receive())[0]),
        };
      }],
      ["SP", (transports: ReturnType<typeof createRegistry>) => {
        const pull = new Pull0({ transports });
        const push = new Push0({ transports });
        return {
          pull,
          push,
          bind: (url: string) => pull.listen(url),
          connect: (url: string) => push.dial(url),
          send: (m: string) => push.send(m),
          receive: async () => new TextDecoder().decode(await pull.recv()),
        };
      }],
    ] as const
  ) {
    test(`${family}: accept:error with the runtime's code, then the socket still serves`, async () => {
      const s = make(createRegistry([failingOnce()]));
      try {
        const event = within(
          (async () => {
            for await (const e of s.pull.events) if (e.type === "accept:error") return e;
            return undefined;
          })(),
          "an accept:error event",
        );
        await s.bind(`inproc://accept-error-${family}`);
        const e = await event;
        assert.equal(e?.code, "EMFILE");
        assert.match(e?.reason ?? "", /Too many open files.*back-off/);
        await s.connect(`inproc://accept-error-${family}`);
        await s.send("still here");
        assert.equal(await within(s.receive(), "a message after the error"), "still here");
      } finally {
        s.push.close();
        s.pull.close();
      }
    });
  }
});
