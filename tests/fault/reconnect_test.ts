// Faults mid-stream between two weft sockets, ZeroMQ and SP: a connection cut (FIN) or reset
// (RST) mid-frame by the fault proxy, reads stalled, and the listening socket closed and bound
// again on the same port (a peer restart). The dialer reconnects and traffic resumes; what
// arrives is in order, and what is lost is one contiguous run: the messages in flight when the
// connection died (written to it, or queued for it, and not yet delivered by the receiver).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pull, Push } from "../../src/zmq.ts";
import { Pull0, Push0 } from "../../src/sp.ts";
import { text, until } from "../_helpers.ts";
import { type Fault, FaultProxy } from "./fault_proxy.ts";
import { assertOrderedWithGaps, sendThroughFault } from "./_sequence.ts";

interface Family {
  name: string;
  receiver(): {
    bind(url: string): Promise<string>;
    receive(): Promise<string>;
    close(): Promise<void>;
  };
  sender(): { connect(url: string): Promise<void>; send(m: string): Promise<void>; close(): void };
}

const families: Family[] = [
  {
    name: "ZeroMQ PUSH→PULL",
    receiver() {
      const pull = new Pull({ linger: 0 });
      return {
        bind: async (url) => (await pull.bind(url), pull.lastEndpoint!),
        receive: async () => text((await pull.receive())[0]!),
        close: () => (pull.close(), pull.closed),
      };
    },
    sender() {
      const push = new Push({ linger: 0, reconnectInterval: 20 });
      return {
        connect: (url) => Promise.resolve(push.connect(url)),
        send: (m) => push.send(m),
        close: () => push.close(),
      };
    },
  },
  {
    name: "SP Push0→Pull0",
    receiver() {
      const pull = new Pull0();
      return {
        bind: async (url) => (await pull.listen(url), pull.lastEndpoint!),
        receive: async () => text(await pull.recv()),
        close: () => (pull.close(), pull.closed),
      };
    },
    sender() {
      const push = new Push0({ reconnectTime: 20 });
      return {
        connect: (url) => push.dial(url),
        send: (m) => push.send(m),
        close: () => push.close(),
      };
    },
  },
];

/** Collects message numbers until the receiver closes; `finish(n)` waits for number `n - 1`. */
function collect(receive: () => Promise<string>) {
  const got: number[] = [];
  void (async () => {
    for (;;) {
      const m = await receive().catch(() => undefined);
      if (m === undefined) return; // closed
      got.push(Number(m));
    }
  })();
  return {
    got,
    finish: (n: number) => until(() => got.at(-1) === n - 1, "the last message"),
  };
}

const faults: [string, Fault][] = [
  ["cut mid-frame (FIN)", { cutAfter: 3001, direction: "up" }],
  ["reset mid-frame (RST)", { resetAfter: 3001, direction: "up" }],
];

for (const family of families) {
  describe(`faults between weft sockets: ${family.name}`, () => {
    for (const [label, fault] of faults) {
      test(`${label}: the dialer reconnects, order kept, one contiguous run lost`, async () => {
        const receiver = family.receiver();
        const sender = family.sender();
        const bound = await receiver.bind("tcp://127.0.0.1:0");
        const port = Number(bound.split(":").at(-1));
        // The first connection gets the fault; the reconnection passes untouched.
        const proxy = await FaultProxy.start({
          target: { host: "127.0.0.1", port },
          fault: (i) => (i === 0 ? fault : {}),
        });
        try {
          const arrivals = collect(receiver.receive);
          await sender.connect(`tcp://127.0.0.1:${proxy.port}`);
          const faulted = () => proxy.stats.cut + proxy.stats.reset > 0;
          const last = () => arrivals.got.at(-1) ?? -1;
          const total = await sendThroughFault(sender.send, faulted, last, 200);
          await arrivals.finish(total);
          assertOrderedWithGaps(arrivals.got, total, 1);
          assert.ok(proxy.stats.accepted >= 2, "the dialer reconnected");
        } finally {
          sender.close();
          await receiver.close();
          await proxy.close();
        }
      });
    }

    test("reads stalled for 100 ms every 2 KiB: nothing lost, order kept", async () => {
      const receiver = family.receiver();
      const sender = family.sender();
      const port = Number((await receiver.bind("tcp://127.0.0.1:0")).split(":").at(-1));
      const proxy = await FaultProxy.start({
        target: { host: "127.0.0.1", port },
        fault: { stall: { ms: 100, everyBytes: 2048 } },
      });
      try {
        const arrivals = collect(receiver.receive);
        await sender.connect(`tcp://127.0.0.1:${proxy.port}`);
        const total = await sendThroughFault(
          sender.send,
          () => proxy.stats.stalls >= 3,
          () => arrivals.got.at(-1) ?? -1,
          100,
        );
        await arrivals.finish(total);
        assert.equal(assertOrderedWithGaps(arrivals.got, total, 0), 0);
      } finally {
        sender.close();
        await receiver.close();
        await proxy.close();
      }
    });

    test("the listener restarts on the same port: order kept, one contiguous run lost", async () => {
      let receiver = family.receiver();
      const sender = family.sender();
      const url = await receiver.bind("tcp://127.0.0.1:0");
      try {
        const got: number[] = [];
        let stop = false;
        const reading = (async () => {
          // Read from whichever receiver is current; the old one's reads end when it closes.
          while (!stop) {
            const m = await receiver.receive().catch(() => undefined);
            if (m !== undefined) got.push(Number(m));
            else await new Promise((r) => setTimeout(r, 5)); // closed: wait for the new one
          }
        })();
        await sender.connect(url);
        let restarted = false;
        const total = await sendThroughFault(
          async (m) => {
            await sender.send(m);
            if (!restarted && got.length >= 500) {
              restarted = true;
              // The peer goes away with whatever it had not handed out, then binds again.
              const old = receiver;
              receiver = family.receiver();
              await old.close();
              await receiver.bind(url);
            }
          },
          () => restarted,
          () => got.at(-1) ?? -1,
          300,
        );
        await until(() => got.at(-1) === total - 1, "the tail after the restart");
        stop = true;
        await receiver.close();
        await reading;
        assertOrderedWithGaps(got, total, 1);
      } finally {
        sender.close();
        await receiver.close();
      }
    });
  });
}
