// The proxy (src/patterns/zmq/proxy.ts): queue, forwarder and streamer shapes, capture, and
// steering through REP and PAIR control sockets, over inproc and tcp.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Proxy, proxy } from "../../src/patterns/zmq/proxy.ts";
import { PullSocket, PushSocket } from "../../src/patterns/zmq/push_pull.ts";
import { PairSocket } from "../../src/patterns/zmq/pair.ts";
import { DealerSocket, RouterSocket } from "../../src/patterns/zmq/dealer_router.ts";
import { PubSocket, SubSocket, XPubSocket, XSubSocket } from "../../src/patterns/zmq/pubsub.ts";
import { RepSocket, ReqSocket } from "../../src/patterns/zmq/req_rep.ts";
import type { Socket } from "../../src/patterns/zmq/socket.ts";
import { WeftError } from "../../src/core/errors.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
import type { TransportRegistry } from "../../src/transport/types.ts";
import { texts, until } from "../_helpers.ts";

const DEADLINE_MS = 10_000;

function inproc(): TransportRegistry {
  return createRegistry([new InprocTransport(new InprocNamespace())]);
}

/** Closes every socket at the end of a test, whatever happened. */
function closer(): { add<T extends Socket>(s: T): T; close(): void } {
  const all: Socket[] = [];
  return {
    add: (s) => (all.push(s), s),
    close: () => all.forEach((s) => s.close()),
  };
}

for (
  const [label, make, url] of [
    ["inproc", inproc, (name: string) => `inproc://${name}`],
    ["tcp", () => defaultTransports(new InprocNamespace()), (_: string) => "tcp://127.0.0.1:0"],
  ] as const
) {
  describe(`proxy over ${label}`, () => {
    test("streamer: PULL → PUSH keeps order and multipart messages whole", async () => {
      const transports = make();
      const c = closer();
      try {
        const inlet = c.add(new PullSocket({ transports }));
        const outlet = c.add(new PushSocket({ transports }));
        await inlet.bind(url("streamer-in"));
        await outlet.bind(url("streamer-out"));
        const producer = c.add(new PushSocket({ transports }));
        const consumer = c.add(new PullSocket({ transports, receiveTimeout: DEADLINE_MS }));
        producer.connect(inlet.lastEndpoint!);
        consumer.connect(outlet.lastEndpoint!);
        const p = new Proxy(inlet, outlet);
        const running = p.run();
        const n = 500;
        await producer.sendBatch(
          Array.from({ length: n }, (_, i) => [`job`, String(i), "x".repeat(i % 7)]),
        );
        for (let i = 0; i < n; i++) {
          assert.deepEqual(texts(await consumer.receive()), ["job", String(i), "x".repeat(i % 7)]);
        }
        const stats = p.statistics();
        assert.equal(stats.frontend.messagesReceived, 3 * n);
        assert.equal(stats.backend.messagesSent, 3 * n);
        assert.equal(stats.backend.messagesReceived, 0);
        inlet.close();
        await running;
        assert.equal(p.state, "terminated");
      } finally {
        c.close();
      }
    });

    test("queue: ROUTER ⇄ DEALER between REQ clients and REP workers", async () => {
      const transports = make();
      const c = closer();
      try {
        const front = c.add(new RouterSocket({ transports }));
        const back = c.add(new DealerSocket({ transports }));
        await front.bind(url("queue-front"));
        await back.bind(url("queue-back"));
        const running = proxy(front, back);
        for (const name of ["w1", "w2"]) {
          const worker = c.add(new RepSocket({ transports }));
          worker.connect(back.lastEndpoint!);
          void (async () => {
            // A receive loop, not `for await`: REP takes one request at a time.
            while (!worker.isClosed) {
              const [body] = await worker.receive();
              await worker.send([`${name}:${new TextDecoder().decode(body)}`]);
            }
          })().catch(() => {});
        }
        const clients = [0, 1, 2].map(() => {
          const req = c.add(new ReqSocket({ transports, receiveTimeout: DEADLINE_MS }));
          req.connect(front.lastEndpoint!);
          return req;
        });
        const workers = new Set<string>();
        await Promise.all(clients.map(async (req, k) => {
          for (let i = 0; i < 20; i++) {
            await req.send(`c${k}-${i}`);
            const [reply] = texts(await req.receive());
            const [worker, body] = reply!.split(":");
            assert.equal(body, `c${k}-${i}`);
            workers.add(worker!);
          }
        }));
        assert.deepEqual([...workers].sort(), ["w1", "w2"]);
        back.close();
        await running;
      } finally {
        c.close();
      }
    });

    test("forwarder: XSUB ⇄ XPUB passes subscriptions upstream and filtered data down", async () => {
      const transports = make();
      const c = closer();
      try {
        const front = c.add(new XSubSocket({ transports }));
        const back = c.add(new XPubSocket({ transports }));
        await front.bind(url("fwd-front"));
        await back.bind(url("fwd-back"));
        const p = new Proxy(front, back);
        const running = p.run();
        const pub = c.add(new PubSocket({ transports }));
        pub.connect(front.lastEndpoint!);
        const sub = c.add(new SubSocket({ transports, receiveTimeout: DEADLINE_MS }));
        sub.connect(back.lastEndpoint!);
        sub.subscribe("a");
        const got: string[] = [];
        const receiving = (async () => {
          for await (const frames of sub) {
            got.push(texts(frames).join("|"));
            if (got.some((m) => m.startsWith("a"))) return;
          }
        })();
        // Publish until the subscription has travelled sub → XPUB → proxy → XSUB → pub.
        let i = 0;
        while (!got.length) {
          await pub.send([`b${i}`, "no"]);
          await pub.send([`a${i}`, "yes"]);
          i++;
          await new Promise((r) => setTimeout(r, 5));
          if (i > DEADLINE_MS / 5) throw new Error("the subscription never reached the publisher");
        }
        await receiving;
        assert.ok(got.every((m) => m.startsWith("a") && m.endsWith("|yes")), got.join(", "));
        // The XPUB side received the subscription message and the proxy sent it upstream.
        assert.ok(p.statistics().backend.messagesReceived >= 1);
        assert.ok(p.statistics().frontend.messagesSent >= 1);
        p.terminate();
        await running;
      } finally {
        c.close();
      }
    });
  });
}

describe("proxy capture and steering (inproc)", () => {
  test("capture receives a copy of every message, multipart intact", async () => {
    const transports = inproc();
    const c = closer();
    try {
      const inlet = c.add(new PullSocket({ transports }));
      const outlet = c.add(new PushSocket({ transports }));
      const capture = c.add(new PushSocket({ transports }));
      await inlet.bind("inproc://cap-in");
      await outlet.bind("inproc://cap-out");
      await capture.bind("inproc://cap-copy");
      const producer = c.add(new PushSocket({ transports }));
      const consumer = c.add(new PullSocket({ transports, receiveTimeout: DEADLINE_MS }));
      const tap = c.add(new PullSocket({ transports, receiveTimeout: DEADLINE_MS }));
      producer.connect("inproc://cap-in");
      consumer.connect("inproc://cap-out");
      tap.connect("inproc://cap-copy");
      const running = proxy(inlet, outlet, capture);
      for (let i = 0; i < 50; i++) await producer.send(["m", String(i)]);
      for (let i = 0; i < 50; i++) {
        assert.deepEqual(texts(await consumer.receive()), ["m", String(i)]);
        assert.deepEqual(texts(await tap.receive()), ["m", String(i)]);
      }
      outlet.close();
      await running;
    } finally {
      c.close();
    }
  });

  test("REP control: PAUSE holds messages, RESUME releases them, STATISTICS counts, TERMINATE ends run()", async () => {
    const transports = inproc();
    const c = closer();
    try {
      const inlet = c.add(new PullSocket({ transports }));
      const outlet = c.add(new PushSocket({ transports }));
      const control = c.add(new RepSocket({ transports }));
      await inlet.bind("inproc://st-in");
      await outlet.bind("inproc://st-out");
      await control.bind("inproc://st-control");
      const producer = c.add(new PushSocket({ transports }));
      const consumer = c.add(new PullSocket({ transports, receiveTimeout: 150 }));
      const steer = c.add(new ReqSocket({ transports, receiveTimeout: DEADLINE_MS }));
      producer.connect("inproc://st-in");
      consumer.connect("inproc://st-out");
      steer.connect("inproc://st-control");
      const p = new Proxy(inlet, outlet, { control });
      let ended = false;
      const running = p.run().then(() => (ended = true));
      const command = async (name: string) => {
        await steer.send(name);
        return await steer.receive();
      };

      await producer.send(["one", "1"]);
      assert.deepEqual(texts(await consumer.receive()), ["one", "1"]);

      assert.deepEqual(texts(await command("PAUSE")), [""]);
      assert.equal(p.state, "paused");
      await producer.send(["two", "22"]);
      // The proxy may take the message off the socket, but must not pass it on.
      await until(() => p.statistics().frontend.messagesReceived === 4, "the paused receive");
      await assert.rejects(consumer.receive(), (e: unknown) => (e as WeftError).code === "EAGAIN");
      assert.equal(p.statistics().backend.messagesSent, 2);

      assert.deepEqual(texts(await command("RESUME")), [""]);
      assert.deepEqual(texts(await consumer.receive()), ["two", "22"]);

      const stats = await command("STATISTICS");
      assert.equal(stats.length, 8);
      const values = stats.map((f) => {
        assert.equal(f.length, 8);
        return Number(new DataView(f.buffer, f.byteOffset, 8).getBigUint64(0, true));
      });
      // frontend: received 4 frames of 3+1+3+2 bytes, sent nothing; backend: the reverse.
      assert.deepEqual(values, [4, 9, 0, 0, 0, 0, 4, 9]);

      assert.match(texts(await command("BOGUS"))[0]!, /unknown command "BOGUS"/);
      assert.equal(ended, false);
      assert.deepEqual(texts(await command("TERMINATE")), [""]);
      await running;
      assert.equal(p.state, "terminated");
      assert.equal(inlet.isClosed, false, "the proxy leaves its sockets open");
    } finally {
      c.close();
    }
  });

  test("PAIR control: STATISTICS replies, other commands do not, TERMINATE ends run()", async () => {
    const transports = inproc();
    const c = closer();
    try {
      const front = c.add(new RouterSocket({ transports }));
      const back = c.add(new DealerSocket({ transports }));
      const control = c.add(new PairSocket({ transports }));
      await front.bind("inproc://pc-front");
      await back.bind("inproc://pc-back");
      await control.bind("inproc://pc-control");
      const steer = c.add(new PairSocket({ transports, receiveTimeout: DEADLINE_MS }));
      steer.connect("inproc://pc-control");
      const p = new Proxy(front, back, { control });
      const running = p.run();
      await steer.send("PAUSE");
      await until(() => p.state === "paused", "PAUSE");
      await steer.send("RESUME");
      await until(() => p.state === "running", "RESUME");
      await steer.send("STATISTICS");
      const stats = await steer.receive();
      assert.equal(stats.length, 8);
      await steer.send("TERMINATE");
      await running;
      assert.equal(p.state, "terminated");
    } finally {
      c.close();
    }
  });

  test("methods steer too; terminate while paused ends run()", async () => {
    const transports = inproc();
    const c = closer();
    try {
      const inlet = c.add(new PullSocket({ transports }));
      const outlet = c.add(new PushSocket({ transports }));
      await inlet.bind("inproc://m-in");
      await outlet.bind("inproc://m-out");
      const producer = c.add(new PushSocket({ transports }));
      const consumer = c.add(new PullSocket({ transports, receiveTimeout: DEADLINE_MS }));
      producer.connect("inproc://m-in");
      consumer.connect("inproc://m-out");
      const p = new Proxy(inlet, outlet);
      p.pause();
      const running = p.run();
      assert.equal(p.state, "paused");
      await producer.send("held");
      await until(() => p.statistics().frontend.messagesReceived === 1, "the held message");
      p.resume();
      assert.deepEqual(texts(await consumer.receive()), ["held"]);
      p.pause();
      p.terminate();
      await running;
      assert.equal(p.state, "terminated");
    } finally {
      c.close();
    }
  });

  test("rejects what cannot work", async () => {
    const transports = inproc();
    const c = closer();
    try {
      const push = c.add(new PushSocket({ transports }));
      const pull = c.add(new PullSocket({ transports }));
      await assert.rejects(
        new Proxy(c.add(new PubSocket({ transports })), push).run(), // neither can receive
        (e: unknown) =>
          e instanceof WeftError && e.code === "EINVAL" && /PUB\/PUSH/.test(e.message),
      );
      assert.throws(
        () => new Proxy(pull, push, { control: c.add(new PushSocket({ transports })) }),
        (e: unknown) => e instanceof WeftError && /REP or PAIR/.test(e.message),
      );
      const p = new Proxy(pull, push);
      p.terminate();
      await p.run(); // terminated before it started: returns at once
      await assert.rejects(p.run(), (e: unknown) => (e as WeftError).code === "ESTATE");
      const closed = c.add(new PullSocket({ transports }));
      closed.close();
      await assert.rejects(
        new Proxy(closed, push).run(),
        (e: unknown) => (e as WeftError).code === "ECLOSED",
      );
    } finally {
      c.close();
    }
  });
});
