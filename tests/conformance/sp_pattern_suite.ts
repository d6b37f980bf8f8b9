/**
 * The SP (nng) pattern conformance suite, run once per transport (inproc, tcp, ipc, ws, tls) by
 * the `sp_pattern_*_test.ts` files beside it, under `deno test` and `bun test` alike.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Bus0,
  device,
  Pair0,
  Pair1,
  Pub0,
  Pull0,
  Push0,
  Rep0,
  Req0,
  Respondent0,
  Sub0,
  Surveyor0,
  WeftError,
} from "../../src/sp.ts";
import type { Req0Options, SpSocket, Surveyor0Options } from "../../src/sp.ts";
import type { TransportRegistry } from "../../src/transport/types.ts";
import { closeTests } from "./close_suite.ts";
import { text, until, within } from "../_helpers.ts";

export { until, within };

/** How to run the suite on one transport. */
export interface SuiteConfig {
  /** Shown in test names. */
  name: string;
  /** A fresh endpoint to listen on (e.g. `tcp://127.0.0.1:0`). */
  endpoint(): string;
  /** The registry the sockets use. */
  transports(): TransportRegistry;
}

/** Rejects unless `promise` rejects with a WeftError of `code`. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(within(promise), (e: unknown) => {
    assert.ok(e instanceof WeftError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Runs the whole suite for one transport. */
export function runSpSuite(config: SuiteConfig): void {
  describe(`sp patterns over ${config.name}`, () => {
    const sockets: SpSocket[] = [];
    function make<T extends SpSocket>(socket: T): T {
      sockets.push(socket);
      return socket;
    }
    type AnyOptions = Req0Options & Surveyor0Options;
    const opts = (more: AnyOptions = {}): AnyOptions => ({
      transports: config.transports(),
      reconnectTime: 20,
      ...more,
    });
    /** Counts a socket's completed handshakes (a dial resolves on the dialer's side only). */
    function handshakes(socket: SpSocket): () => number {
      let n = 0;
      socket.events.on("handshake", () => n++);
      return () => n;
    }
    async function listening(socket: SpSocket): Promise<string> {
      await socket.listen(config.endpoint());
      return socket.lastEndpoint!;
    }
    const cleanup = async () => {
      const all = sockets.splice(0);
      for (const s of all) s.close();
      await Promise.all(all.map((s) => s.closed));
    };

    test("REQ→REP: request and reply, both ways in order", async () => {
      try {
        const rep = make(new Rep0(opts()));
        const url = await listening(rep);
        const req = make(new Req0(opts()));
        await within(req.dial(url));
        for (let i = 0; i < 20; i++) {
          await req.send(`q${i}`);
          assert.equal(text(await within(rep.recv())), `q${i}`);
          await rep.send(`a${i}`);
          assert.equal(text(await within(req.recv())), `a${i}`);
        }
        await rejectsWith(req.recv(), "ESTATE");
        await rejectsWith(rep.send("x"), "ESTATE");
      } finally {
        await cleanup();
      }
    });

    test("contexts: 100 concurrent requests over one REQ, served by 10 REP contexts", async () => {
      try {
        const rep = make(new Rep0(opts()));
        const url = await listening(rep);
        const req = make(new Req0(opts()));
        await within(req.dial(url));
        const servers = Array.from({ length: 10 }, async () => {
          const ctx = rep.openContext();
          for (;;) {
            let q: Uint8Array;
            try {
              q = await ctx.recv();
            } catch {
              return;
            }
            await ctx.send(`re:${text(q)}`);
          }
        });
        const asks = Array.from({ length: 100 }, async (_, i) => {
          const ctx = req.openContext();
          await ctx.send(`n${i}`);
          const answer = text(await ctx.recv());
          ctx.close();
          return answer;
        });
        const answers = await within(Promise.all(asks));
        assert.deepEqual(answers, Array.from({ length: 100 }, (_, i) => `re:n${i}`));
        rep.close();
        await within(Promise.all(servers));
      } finally {
        await cleanup();
      }
    });

    test("a new request cancels the pending one; its late reply is dropped", async () => {
      try {
        const rep = make(new Rep0(opts()));
        const url = await listening(rep);
        const req = make(new Req0(opts()));
        await within(req.dial(url));
        await req.send("first");
        const first = req.recv();
        const firstCtxRequest = rep.openContext();
        assert.equal(text(await within(firstCtxRequest.recv())), "first");
        await req.send("second");
        await rejectsWith(first, "ECANCELED");
        await firstCtxRequest.send("reply to first"); // unknown id at REQ: dropped
        assert.equal(text(await within(rep.recv())), "second");
        await rep.send("reply to second");
        assert.equal(text(await within(req.recv())), "reply to second");
      } finally {
        await cleanup();
      }
    });

    test("REQ resends at once when the serving peer goes away and another comes", async () => {
      try {
        const rep1 = make(new Rep0(opts()));
        const url = await listening(rep1);
        const req = make(new Req0(opts({ resendTime: 60_000 })));
        await within(req.dial(url));
        await req.send("important");
        assert.equal(text(await within(rep1.recv())), "important");
        rep1.close(); // dies without replying
        await rep1.closed;
        const rep2 = make(new Rep0(opts()));
        await rep2.listen(url);
        assert.equal(text(await within(rep2.recv())), "important");
        await rep2.send("done");
        assert.equal(text(await within(req.recv())), "done");
      } finally {
        await cleanup();
      }
    });

    test("REQ resends after resendTime when no reply comes", async () => {
      try {
        const rep = make(new Rep0(opts()));
        const url = await listening(rep);
        const req = make(new Req0(opts({ resendTime: 50 })));
        await within(req.dial(url));
        await req.send("again");
        assert.equal(text(await within(rep.recv())), "again");
        assert.equal(text(await within(rep.recv())), "again"); // the resend
        await rep.send("ok");
        assert.equal(text(await within(req.recv())), "ok");
      } finally {
        await cleanup();
      }
    });

    test("recv and send timeouts are ETIMEDOUT", async () => {
      try {
        const rep = make(new Rep0(opts({ recvTimeout: 30 })));
        await listening(rep);
        await rejectsWith(rep.recv(), "ETIMEDOUT");
        const push = make(new Push0(opts({ sendTimeout: 30 })));
        await rejectsWith(push.send("nobody"), "ETIMEDOUT");
        const req = make(new Req0(opts({ sendTimeout: 30 })));
        await rejectsWith(req.send("nobody"), "ETIMEDOUT");
      } finally {
        await cleanup();
      }
    });

    test("PUB→SUB: prefix topics; nothing subscribed receives nothing", async () => {
      try {
        const pub = make(new Pub0(opts()));
        const url = await listening(pub);
        const news = make(new Sub0(opts()));
        news.subscribe("news.");
        news.subscribe("alerts");
        const none = make(new Sub0(opts({ recvTimeout: 200 })));
        await within(news.dial(url));
        await within(none.dial(url));
        const timer = setInterval(() => {
          void pub.send("weather: rain");
          void pub.send("news.eu story");
          void pub.send("alerts!");
        }, 5);
        try {
          const got = new Set<string>();
          while (got.size < 2) got.add(text(await within(news.recv())));
          assert.deepEqual([...got].sort(), ["alerts!", "news.eu story"]);
          await rejectsWith(none.recv(), "ETIMEDOUT");
          news.unsubscribe("alerts");
          assert.throws(() => news.unsubscribe("never"), { code: "EINVAL" });
        } finally {
          clearInterval(timer);
        }
        await rejectsWith(pub.recv(), "ENOTSUP");
        await rejectsWith(news.send("x"), "ENOTSUP");
      } finally {
        await cleanup();
      }
    });

    test("PUSH round-robins across PULL peers; PULL fair-queues", async () => {
      try {
        const a = make(new Pull0(opts()));
        const b = make(new Pull0(opts()));
        const push = make(new Push0(opts()));
        await within(push.dial(await listening(a)));
        await within(push.dial(await listening(b)));
        for (let i = 0; i < 6; i++) await push.send(`m${i}`);
        const fromA = [await a.recv(), await a.recv(), await a.recv()].map(text);
        const fromB = [await b.recv(), await b.recv(), await b.recv()].map(text);
        assert.deepEqual([...fromA, ...fromB].sort(), ["m0", "m1", "m2", "m3", "m4", "m5"]);
        assert.equal(new Set(fromA.map((m) => Number(m[1]) % 2)).size, 1); // alternating
        const pull = make(new Pull0(opts()));
        const url = await listening(pull);
        const p1 = make(new Push0(opts()));
        const p2 = make(new Push0(opts()));
        await within(p1.dial(url));
        await within(p2.dial(url));
        for (let i = 0; i < 50; i++) {
          await p1.send("one");
          await p2.send("two");
        }
        const counts = { one: 0, two: 0 };
        for (let i = 0; i < 100; i++) counts[text(await within(pull.recv())) as "one"]++;
        assert.deepEqual(counts, { one: 50, two: 50 });
      } finally {
        await cleanup();
      }
    });

    test("PAIR0 and PAIR1 talk both ways; PAIR1 refuses a second peer", async () => {
      try {
        for (const Pair of [Pair0, Pair1]) {
          const a = make(new Pair(opts()));
          const url = await listening(a);
          const b = make(new Pair(opts()));
          await within(b.dial(url));
          await b.send("ping");
          assert.equal(text(await within(a.recv())), "ping");
          await a.send("pong");
          assert.equal(text(await within(b.recv())), "pong");
          // A second peer is refused by the taken side (the dialer may see its handshake
          // complete first, as with nng, then the connection close).
          const refusals: string[] = [];
          a.events.on("handshake:error", (e) => refusals.push(e.reason ?? ""));
          const c = make(new Pair(opts()));
          await c.dial(url).catch(() => {});
          await until(() => refusals.length > 0);
          assert.match(refusals[0]!, /already has a peer/);
          await b.send("still here");
          assert.equal(text(await within(a.recv())), "still here");
          c.close();
        }
      } finally {
        await cleanup();
      }
    });

    test("a protocol mismatch fails the dial with EPROTO naming both", async () => {
      try {
        const pub = make(new Pub0(opts()));
        const url = await listening(pub);
        const req = make(new Req0(opts()));
        await assert.rejects(within(req.dial(url)), (e: unknown) => {
          assert.ok(e instanceof WeftError);
          if (config.name === "ws" || config.name === "wss") {
            // ws: the listener refuses the subprotocol rep.sp.nanomsg.org in the upgrade.
            return true;
          }
          assert.equal(e.code, "EPROTO");
          assert.match(e.message, /rep peer .* req socket .* got pub/);
          return true;
        });
      } finally {
        await cleanup();
      }
    });

    test("a message above recvMaxSize closes the connection (EMSGSIZE)", async () => {
      try {
        const pull = make(new Pull0(opts({ recvMaxSize: 16 })));
        const url = await listening(pull);
        const codes: string[] = [];
        pull.events.on("disconnect", (e) => codes.push(e.code ?? "none"));
        const push = make(new Push0(opts()));
        await within(push.dial(url));
        await push.send("0123456789abcdef");
        assert.equal(text(await within(pull.recv())), "0123456789abcdef");
        await push.send("0123456789abcdefX");
        await until(() => codes.length > 0);
        if (config.name !== "ws" && config.name !== "wss") assert.equal(codes[0], "EMSGSIZE");
      } finally {
        await cleanup();
      }
    });

    test("SURVEYOR: two respondents answer; timeout; late answers dropped", async () => {
      try {
        const surveyor = make(new Surveyor0(opts({ surveyTime: 300 })));
        const joined = handshakes(surveyor);
        const url = await listening(surveyor);
        const r1 = make(new Respondent0(opts()));
        const r2 = make(new Respondent0(opts()));
        await within(r1.dial(url));
        await within(r2.dial(url));
        await until(() => joined() === 2);
        await surveyor.send("who?");
        assert.equal(text(await within(r1.recv())), "who?");
        assert.equal(text(await within(r2.recv())), "who?");
        await r1.send("r1");
        await r2.send("r2");
        const answers = [await within(surveyor.recv()), await within(surveyor.recv())].map(text);
        assert.deepEqual(answers.sort(), ["r1", "r2"]);
        await rejectsWith(surveyor.recv(), "ETIMEDOUT"); // the survey ends
        await rejectsWith(surveyor.recv(), "ESTATE");
        // A late answer: r1 answers "second?" after that survey ended; it is dropped.
        await surveyor.send("second?");
        assert.equal(text(await within(r1.recv())), "second?");
        assert.equal(text(await within(r2.recv())), "second?");
        await rejectsWith(surveyor.recv(), "ETIMEDOUT");
        await r1.send("late answer to second");
        surveyor.surveyTime = 5000;
        await surveyor.send("third?");
        assert.equal(text(await within(r2.recv())), "third?");
        await r2.send("r2 third");
        assert.equal(text(await within(surveyor.recv())), "r2 third");
      } finally {
        await cleanup();
      }
    });

    test("SURVEYOR contexts run independent surveys", async () => {
      try {
        const surveyor = make(new Surveyor0(opts({ surveyTime: 2000 })));
        const joined = handshakes(surveyor);
        const url = await listening(surveyor);
        const r = make(new Respondent0(opts()));
        await within(r.dial(url));
        await until(() => joined() === 1);
        const serving = (async () => {
          const ctxs = [r.openContext(), r.openContext()];
          await Promise.all(ctxs.map(async (c) => {
            const q = await c.recv();
            await c.send(`ans:${text(q)}`);
          }));
        })();
        const a = surveyor.openContext();
        const b = surveyor.openContext();
        await a.send("A");
        await b.send("B");
        assert.equal(text(await within(a.recv())), "ans:A");
        assert.equal(text(await within(b.recv())), "ans:B");
        await within(serving);
      } finally {
        await cleanup();
      }
    });

    test("BUS: three nodes, each message reaches every other node once", async () => {
      try {
        const nodes = [0, 1, 2].map(() => make(new Bus0(opts({ recvTimeout: 5000 }))));
        const urls = [];
        const joined = nodes.map(handshakes);
        for (const n of nodes) urls.push(await listening(n));
        await within(nodes[0]!.dial(urls[1]!));
        await within(nodes[0]!.dial(urls[2]!));
        await within(nodes[1]!.dial(urls[2]!));
        await until(() => joined.every((n) => n() === 2));
        for (const [i, n] of nodes.entries()) await n.send(`from${i}`);
        for (const [i, n] of nodes.entries()) {
          const got = [await n.recv(), await n.recv()].map(text).sort();
          assert.deepEqual(got, [0, 1, 2].filter((j) => j !== i).map((j) => `from${j}`));
        }
        const quiet = make(new Bus0(opts({ recvTimeout: 100 })));
        await rejectsWith(quiet.recv(), "ETIMEDOUT");
      } finally {
        await cleanup();
      }
    });

    test("raw REP ↔ raw REQ device forwards requests and replies", async () => {
      try {
        const front = make(new Rep0(opts({ raw: true })));
        const back = make(new Req0(opts({ raw: true })));
        const backJoined = handshakes(back);
        const frontUrl = await listening(front);
        const backUrl = await listening(back);
        const running = device(front, back);
        const server = make(new Rep0(opts()));
        await within(server.dial(backUrl));
        await until(() => backJoined() === 1);
        const client = make(new Req0(opts()));
        await within(client.dial(frontUrl));
        for (let i = 0; i < 5; i++) {
          await client.send(`via device ${i}`);
          assert.equal(text(await within(server.recv())), `via device ${i}`);
          await server.send(`back ${i}`);
          assert.equal(text(await within(client.recv())), `back ${i}`);
        }
        front.close();
        await within(running);
      } finally {
        await cleanup();
      }
    });

    test("raw headers: REP shows pipe id + request id; PAIR1 the hop count", async () => {
      try {
        const rep = make(new Rep0(opts({ raw: true })));
        const url = await listening(rep);
        const req = make(new Req0(opts()));
        await within(req.dial(url));
        await req.send("hi");
        const m = await within(rep.recvMsg());
        assert.equal(m.header.length, 8);
        assert.equal(m.header[4]! & 0x80, 0x80);
        assert.equal(text(m.body), "hi");
        await rep.sendMsg({ header: m.header, body: "raw reply" });
        assert.equal(text(await within(req.recv())), "raw reply");

        const p = make(new Pair1(opts({ raw: true })));
        const purl = await listening(p);
        const q = make(new Pair1(opts()));
        await within(q.dial(purl));
        await q.send("hop");
        const hm = await within(p.recvMsg());
        assert.deepEqual([...hm.header], [0, 0, 0, 1]);
        await p.sendMsg({ header: hm.header, body: "hop2" }); // forwarded: 2 hops on the wire
        assert.equal(text(await within(q.recv())), "hop2");
        await p.send(new Uint8Array([0, 0, 0, 8, 0x41])); // maxTtl 8: dropped at the sender
        await p.sendMsg({ header: new Uint8Array([0, 0, 0, 3]), body: "last" });
        assert.equal(text(await within(q.recv())), "last");
      } finally {
        await cleanup();
      }
    });

    test("one-socket BUS reflector: a raw bus device relays to the other peers", async () => {
      try {
        const hub = make(new Bus0(opts({ raw: true })));
        const joined = handshakes(hub);
        const url = await listening(hub);
        const running = device(hub);
        const a = make(new Bus0(opts()));
        const b = make(new Bus0(opts()));
        await within(a.dial(url));
        await within(b.dial(url));
        await until(() => joined() === 2);
        await a.send("to all");
        assert.equal(text(await within(b.recv())), "to all");
        // Not echoed back to a: the first thing a receives is b's later message.
        const aNext = a.recv();
        await b.send("from b");
        assert.equal(text(await within(aNext)), "from b");
        hub.close();
        await within(running);
        await rejectsWith(device(new Pair0(opts())), "EINVAL");
      } finally {
        await cleanup();
      }
    });

    test("for await iterates until close; nonBlocking dial retries until a listener comes", async () => {
      try {
        const probe = make(new Pull0(opts()));
        const url = await listening(probe);
        probe.close();
        await probe.closed;
        const push = make(new Push0(opts()));
        await push.dial(url, { nonBlocking: true });
        const pull = make(new Pull0(opts()));
        await pull.listen(url);
        for (let i = 0; i < 3; i++) await push.send(`it${i}`);
        const got: string[] = [];
        for await (const m of pull) {
          got.push(text(m));
          if (got.length === 3) pull.close();
        }
        assert.deepEqual(got, ["it0", "it1", "it2"]);
        const other = make(new Push0(opts()));
        const refused = config.name === "inproc" ? "ECONNREFUSED" : undefined;
        await assert.rejects(within(other.dial(url)), (e: unknown) => {
          assert.ok(e instanceof WeftError);
          if (refused) assert.equal(e.code, refused);
          return true;
        });
      } finally {
        await cleanup();
      }
    });

    closeTests("sp", config);
  });
}
