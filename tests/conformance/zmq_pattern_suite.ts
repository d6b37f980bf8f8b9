/**
 * The ZeroMQ pattern conformance suite, run once per transport (inproc, tcp, ipc, ws) by the
 * `zmq_pattern_*_test.ts` files beside it, under `deno test` and `bun test` alike.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Dealer,
  Pair,
  Pub,
  Pull,
  Push,
  Rep,
  Req,
  Router,
  Sub,
  WeftError,
  XPub,
  XSub,
} from "../../src/zmq.ts";
import type { Socket } from "../../src/zmq.ts";
import type { TransportRegistry } from "../../src/transport/types.ts";
import { texts, until, within } from "../_helpers.ts";
import { closeTests } from "./close_suite.ts";

/** How to run the suite on one transport. */
export interface SuiteConfig {
  /** Shown in test names. */
  name: string;
  /** A fresh endpoint to bind each time (e.g. `tcp://127.0.0.1:0`). */
  endpoint(): string;
  /** The registry the sockets use. */
  transports(): TransportRegistry;
  /** Reads may carry one byte each (a fault proxy): skip the checks that need batched reads. */
  bytewise?: boolean;
}

/** Runs the whole suite for one transport. */
export function runZmqSuite(config: SuiteConfig): void {
  describe(`zmq patterns over ${config.name}`, () => {
    const sockets: Socket[] = [];
    function make<T extends Socket>(socket: T): T {
      sockets.push(socket);
      return socket;
    }
    const opts = () => ({ transports: config.transports(), linger: 0 });
    async function bound<T extends Socket>(socket: T): Promise<string> {
      await socket.bind(config.endpoint());
      return socket.lastEndpoint!;
    }
    const cleanup = () => {
      for (const s of sockets.splice(0)) s.close();
    };

    test("PUSH→PULL delivers single and multipart messages in order", async () => {
      try {
        const pull = make(new Pull(opts()));
        const url = await bound(pull);
        const push = make(new Push(opts()));
        push.connect(url);
        for (let i = 0; i < 100; i++) await push.send(`m${i}`);
        await push.send(["a", "", "c"]);
        for (let i = 0; i < 100; i++) {
          assert.deepEqual(texts(await within(pull.receive())), [`m${i}`]);
        }
        assert.deepEqual(texts(await within(pull.receive())), ["a", "", "c"]);
      } finally {
        cleanup();
      }
    });

    test("connect before bind: messages queued while the peer is away arrive", async () => {
      try {
        const probe = make(new Pull(opts()));
        const url = await bound(probe);
        probe.close();
        await probe.closed;
        const push = make(new Push({ ...opts(), reconnectInterval: 20 }));
        push.connect(url);
        await push.send("early");
        const pull = make(new Pull(opts()));
        await pull.bind(url);
        assert.deepEqual(texts(await within(pull.receive())), ["early"]);
      } finally {
        cleanup();
      }
    });

    test("PUSH round-robins across PULL peers; PULL fair-queues", async () => {
      try {
        const a = make(new Pull(opts()));
        const b = make(new Pull(opts()));
        const push = make(new Push({ ...opts(), immediate: true }));
        // immediate: only pipes whose handshake completed take part, so wait for both.
        const handshakes: string[] = [];
        push.events.on("handshake", (e) => handshakes.push(e.endpoint));
        push.connect(await bound(a));
        push.connect(await bound(b));
        await until(() => handshakes.length === 2);
        await push.send("warmup-1");
        await push.send("warmup-2");
        const got = [await within(a.receive()), await within(b.receive())].map((m) => texts(m)[0]);
        assert.deepEqual(got.sort(), ["warmup-1", "warmup-2"]);
      } finally {
        cleanup();
      }
    });

    test("PUB→SUB filters by prefix and honours unsubscribe", async () => {
      try {
        const pub = make(new Pub(opts()));
        const url = await bound(pub);
        const sub = make(new Sub(opts()));
        sub.subscribe("news.");
        sub.connect(url);
        const timer = setInterval(() => {
          void pub.send(["weather", "x"]);
          void pub.send(["news.eu", "y"]);
        }, 5);
        try {
          assert.deepEqual(texts(await within(sub.receive())), ["news.eu", "y"]);
        } finally {
          clearInterval(timer);
        }
        sub.unsubscribe("news.");
        sub.subscribe("weather");
        const timer2 = setInterval(() => void pub.send(["weather", "z"]), 5);
        try {
          for (;;) {
            const m = texts(await within(sub.receive()));
            if (m[0] === "weather") break;
            assert.equal(m[0], "news.eu"); // in flight before the change
          }
        } finally {
          clearInterval(timer2);
        }
      } finally {
        cleanup();
      }
    });

    test("XPUB sees subscriptions; XSUB subscribes with messages", async () => {
      try {
        const xpub = make(new XPub(opts()));
        const url = await bound(xpub);
        const xsub = make(new XSub(opts()));
        xsub.connect(url);
        await xsub.send(new Uint8Array([1, 0x61])); // subscribe "a"
        const [sub] = await within(xpub.receive());
        assert.deepEqual([...sub!], [1, 0x61]);
        await xpub.send(["a1"]);
        await xpub.send(["b1"]);
        await xpub.send(["a2"]);
        assert.deepEqual(texts(await within(xsub.receive())), ["a1"]);
        assert.deepEqual(texts(await within(xsub.receive())), ["a2"]);
        await xsub.send(new Uint8Array([0, 0x61]));
        const [unsub] = await within(xpub.receive());
        assert.deepEqual([...unsub!], [0, 0x61]);
      } finally {
        cleanup();
      }
    });

    test("REQ↔REP round trips and enforces the send/receive alternation", async () => {
      try {
        const rep = make(new Rep(opts()));
        const url = await bound(rep);
        const req = make(new Req(opts()));
        req.connect(url);
        await assert.rejects(req.receive(), (e) => e instanceof WeftError && e.code === "ESTATE");
        await assert.rejects(rep.send("x"), (e) => e instanceof WeftError && e.code === "ESTATE");
        for (let i = 0; i < 20; i++) {
          await req.send(["q", String(i)]);
          await assert.rejects(
            req.send("again"),
            (e) => e instanceof WeftError && e.code === "ESTATE",
          );
          const request = await within(rep.receive());
          assert.deepEqual(texts(request), ["q", String(i)]);
          await rep.send(["r", String(i)]);
          assert.deepEqual(texts(await within(req.receive())), ["r", String(i)]);
        }
      } finally {
        cleanup();
      }
    });

    test("DEALER↔ROUTER with explicit and generated routing ids", async () => {
      try {
        const router = make(new Router(opts()));
        const url = await bound(router);
        const named = make(new Dealer({ ...opts(), routingId: "w1" }));
        const anon = make(new Dealer(opts()));
        named.connect(url);
        anon.connect(url);
        await named.send("from-named");
        await anon.send("from-anon");
        const seen = new Map<string, Uint8Array>();
        for (let i = 0; i < 2; i++) {
          const [id, body] = await within(router.receive());
          seen.set(new TextDecoder().decode(body), id!);
        }
        assert.equal(new TextDecoder().decode(seen.get("from-named")), "w1");
        const generated = seen.get("from-anon")!;
        assert.equal(generated.length, 5);
        assert.equal(generated[0], 0);
        await router.send([seen.get("from-named")!, "to-named"]);
        await router.send([generated, "to-anon"]);
        assert.deepEqual(texts(await within(named.receive())), ["to-named"]);
        assert.deepEqual(texts(await within(anon.receive())), ["to-anon"]);
      } finally {
        cleanup();
      }
    });

    test("ROUTER drops unroutable messages, or rejects them with routerMandatory", async () => {
      try {
        const router = make(new Router(opts()));
        await bound(router);
        await router.send(["nobody", "x"]); // dropped silently
        router.routerMandatory = true;
        await assert.rejects(
          router.send(["nobody", "x"]),
          (e) => e instanceof WeftError && e.code === "EHOSTUNREACH",
        );
      } finally {
        cleanup();
      }
    });

    test("REQ→ROUTER and DEALER→REP envelopes", async () => {
      try {
        const router = make(new Router(opts()));
        const req = make(new Req(opts()));
        req.connect(await bound(router));
        await req.send("hello");
        const [id, delimiter, body] = await within(router.receive());
        assert.equal(delimiter!.length, 0);
        assert.equal(new TextDecoder().decode(body), "hello");
        await router.send([id!, "", "world"]);
        assert.deepEqual(texts(await within(req.receive())), ["world"]);

        const rep = make(new Rep(opts()));
        const dealer = make(new Dealer(opts()));
        dealer.connect(await bound(rep));
        await dealer.send(["", "job"]);
        assert.deepEqual(texts(await within(rep.receive())), ["job"]);
        await rep.send("done");
        assert.deepEqual(texts(await within(dealer.receive())), ["", "done"]);
      } finally {
        cleanup();
      }
    });

    test("PAIR talks both ways", async () => {
      try {
        const a = make(new Pair(opts()));
        const b = make(new Pair(opts()));
        b.connect(await bound(a));
        await a.send("ping");
        assert.deepEqual(texts(await within(b.receive())), ["ping"]);
        await b.send(["pong", "!"]);
        assert.deepEqual(texts(await within(a.receive())), ["pong", "!"]);
      } finally {
        cleanup();
      }
    });

    test("monitor events name the endpoint; close is idempotent and ends receive", async () => {
      try {
        const pull = make(new Pull(opts()));
        const seen: string[] = [];
        pull.events.on("*", (e) => seen.push(e.type));
        const url = await bound(pull);
        const push = make(new Push(opts()));
        const pushEvents: string[] = [];
        push.events.on("*", (e) => pushEvents.push(`${e.type} ${e.endpoint}`));
        push.connect(url);
        await push.send("x");
        await within(pull.receive());
        assert.ok(seen.includes("bind") && seen.includes("accept") && seen.includes("handshake"));
        assert.ok(pushEvents.includes(`connect ${url}`), pushEvents.join(", "));
        assert.ok(pushEvents.includes(`handshake ${url}`), pushEvents.join(", "));
        const pending = pull.receive();
        pull.close();
        pull.close();
        await assert.rejects(pending, (e) => e instanceof WeftError && e.code === "ECLOSED");
        await pull.closed;
        await until(() => pushEvents.some((e) => e.startsWith("disconnect")));
      } finally {
        cleanup();
      }
    });

    test("send waits with no peer and times out with EAGAIN", async () => {
      try {
        const push = make(new Push({ ...opts(), sendTimeout: 50 }));
        await assert.rejects(push.send("x"), (e) => e instanceof WeftError && e.code === "EAGAIN");
        const pull = make(new Pull({ ...opts(), receiveTimeout: 50 }));
        await assert.rejects(pull.receive(), (e) => e instanceof WeftError && e.code === "EAGAIN");
      } finally {
        cleanup();
      }
    });

    test("concurrent sends and receives complete in call order (no EBUSY)", async () => {
      try {
        const pull = make(new Pull(opts()));
        const url = await bound(pull);
        const push = make(new Push(opts()));
        const receives = Array.from({ length: 50 }, () => pull.receive());
        push.connect(url);
        const sends = Array.from({ length: 50 }, (_, i) => push.send(String(i)));
        await within(Promise.all(sends));
        const got = await within(Promise.all(receives));
        assert.deepEqual(
          got.map((m) => texts(m)[0]),
          Array.from({ length: 50 }, (_, i) => String(i)),
        );
      } finally {
        cleanup();
      }
    });

    test("linger: messages sent just before close() still arrive", async () => {
      try {
        const pull = make(new Pull(opts()));
        const url = await bound(pull);
        const push = new Push({ transports: config.transports(), linger: -1 });
        push.connect(url);
        await push.send("first");
        await within(pull.receive());
        for (let i = 0; i < 500; i++) await push.send(`m${i}`);
        push.close();
        for (let i = 0; i < 500; i++) {
          assert.deepEqual(texts(await within(pull.receive())), [`m${i}`]);
        }
      } finally {
        cleanup();
      }
    });

    test("linger: close() before the connection exists still delivers queued messages", async () => {
      try {
        const probe = make(new Pull(opts()));
        const url = await bound(probe);
        probe.close();
        await probe.closed;
        const push = new Push({
          transports: config.transports(),
          linger: 5000,
          reconnectInterval: 20,
        });
        const sendFailures: unknown[] = [];
        push.connect(url);
        await push.sendBatch(["q1", "q2"]).catch((e) => sendFailures.push(e));
        push.close();
        const pull = make(new Pull(opts()));
        await pull.bind(url);
        assert.deepEqual(texts(await within(pull.receive())), ["q1"]);
        assert.deepEqual(texts(await within(pull.receive())), ["q2"]);
        assert.deepEqual(sendFailures, []);
      } finally {
        cleanup();
      }
    });

    test("sendBatch: messages still waiting when the socket closes reject one promise", async () => {
      try {
        const push = new Push(opts());
        await push.bind(config.endpoint()); // no peer: everything waits
        const batch = push.sendBatch(["a", "b", "c"]);
        push.close();
        await assert.rejects(batch, (e) => e instanceof WeftError && e.code === "ECLOSED");
      } finally {
        cleanup();
      }
    });

    test("conflate keeps only the newest message", async () => {
      try {
        const pull = make(new Pull({ ...opts(), conflate: true }));
        const url = await bound(pull);
        const push = make(new Push(opts()));
        push.connect(url);
        await push.sendBatch(Array.from({ length: 100 }, (_, i) => String(i)));
        await push.send("last");
        // Without conflate all 100 earlier messages would be delivered before "last".
        let before = 0;
        for (;;) {
          const got = texts(await within(pull.receive()));
          if (got[0] === "last") break;
          before++;
        }
        if (!config.bytewise) {
          assert.ok(before < 100, `conflate delivered ${before} superseded messages`);
        }
      } finally {
        cleanup();
      }
    });

    test("REQ correlate + relaxed: a new request supersedes an unanswered one", async () => {
      try {
        const router = make(new Router(opts()));
        const url = await bound(router);
        const req = make(new Req({ ...opts(), correlate: true, relaxed: true }));
        req.connect(url);
        await req.send("one");
        const [id1, reqId1, , body1] = await within(router.receive());
        assert.equal(reqId1!.length, 4);
        assert.equal(new TextDecoder().decode(body1), "one");
        await req.send("two"); // relaxed: allowed before the reply
        const [, reqId2, , body2] = await within(router.receive());
        assert.equal(new TextDecoder().decode(body2), "two");
        await router.send([id1!, reqId1!, "", "stale"]); // reply to the first: dropped
        await router.send([id1!, reqId2!, "", "fresh"]);
        assert.deepEqual(texts(await within(req.receive())), ["fresh"]);
      } finally {
        cleanup();
      }
    });

    test("XPUB verbose passes duplicate subscriptions; PUB drops at HWM without blocking", async () => {
      try {
        const xpub = make(new XPub({ ...opts(), xpubVerbose: true }));
        const url = await bound(xpub);
        const a = make(new Sub(opts()));
        const b = make(new Sub(opts()));
        a.subscribe("t");
        b.subscribe("t");
        a.connect(url);
        b.connect(url);
        assert.deepEqual([...(await within(xpub.receive()))[0]!], [1, 0x74]);
        assert.deepEqual([...(await within(xpub.receive()))[0]!], [1, 0x74]);

        const pub = make(new Pub({ ...opts(), sendHighWaterMark: 5 }));
        const purl = await bound(pub);
        const slow = make(new Sub({ ...opts(), receiveHighWaterMark: 5 }));
        slow.subscribe();
        slow.connect(purl);
        const timer = setInterval(() => void pub.send("probe"), 5);
        try {
          await within(slow.receive());
        } finally {
          clearInterval(timer);
        }
        // Nobody reads `slow`: PUB must still accept every send at once.
        await within(Promise.all(Array.from({ length: 20000 }, (_, i) => pub.send(String(i)))));
      } finally {
        cleanup();
      }
    });

    test("ROUTER handover lets a reconnecting identity take over", async () => {
      try {
        const router = make(new Router({ ...opts(), routerHandover: true }));
        const url = await bound(router);
        const first = make(new Dealer({ ...opts(), routingId: "same" }));
        first.connect(url);
        await first.send("from-first");
        assert.deepEqual(texts(await within(router.receive())), ["same", "from-first"]);
        const second = make(new Dealer({ ...opts(), routingId: "same" }));
        second.connect(url);
        await second.send("from-second");
        assert.deepEqual(texts(await within(router.receive())), ["same", "from-second"]);
        await router.send(["same", "to-owner"]);
        assert.deepEqual(texts(await within(second.receive())), ["to-owner"]);
      } finally {
        cleanup();
      }
    });

    test("disconnect and unbind stop traffic; connect:retry is reported", async () => {
      try {
        const pull = make(new Pull(opts()));
        const url = await bound(pull);
        const push = make(new Push({ ...opts(), reconnectInterval: 10 }));
        const retries: number[] = [];
        push.events.on("connect:retry", (e) => retries.push(e.interval ?? -1));
        push.connect(url);
        await push.send("a");
        assert.deepEqual(texts(await within(pull.receive())), ["a"]);
        await pull.unbind(url);
        await until(() => retries.length > 0);
        push.disconnect(url);
        assert.throws(
          () => push.disconnect(url),
          (e) => e instanceof WeftError && e.code === "EINVAL",
        );
      } finally {
        cleanup();
      }
    });

    test("batch path: sendBatch and receiveBatch move many messages per promise", async () => {
      try {
        const pull = make(new Pull(opts()));
        const url = await bound(pull);
        const push = make(new Push(opts()));
        push.connect(url);
        const n = 5000;
        // More than both high-water marks hold (inproc holds exactly sendHighWaterMark +
        // receiveHighWaterMark, as libzmq): the batch resolves as the receiver reads.
        const sending = push.sendBatch(Array.from({ length: n }, (_, i) => String(i)));
        let count = 0;
        let batches = 0;
        while (count < n) {
          const batch = await within(pull.receiveBatch());
          for (const m of batch) assert.equal(texts(m)[0], String(count++));
          batches++;
        }
        await within(sending);
        if (!config.bytewise) {
          assert.ok(batches < n, "receiveBatch returned more than one message at a time");
        }
      } finally {
        cleanup();
      }
    });

    closeTests("zmq", config);
  });
}
