import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ZmtpSession, type ZmtpSessionOptions } from "./session.ts";
import { buildGreeting } from "./greeting.ts";
import { pingCommand, subscriptionCommand } from "./command.ts";
import { concat, hex, prng, toHex } from "../../../tests/_helpers.ts";
import {
  feedSplit,
  frame,
  peerGreeting,
  readyFrame,
  Recorder,
  session,
  td,
  te,
} from "../../../tests/fixtures/zmtp/_helpers.ts";

const GREETING = buildGreeting();

/** A session that has exchanged greetings and READYs with a scripted peer. */
function ready(
  options: ZmtpSessionOptions,
  peer: { type: string; minor?: number; props?: Array<[string, string | Uint8Array]> },
  now = 0,
) {
  const { s, r } = session(options);
  s.start(now);
  s.feed(
    concat(
      peerGreeting(peer.minor ?? 1),
      readyFrame([["Socket-Type", peer.type], ...(peer.props ?? [])]),
    ),
    now,
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.peers.length, 1);
  r.take();
  r.events = [];
  return { s, r };
}

describe("session: handshake", () => {
  test("start writes the whole greeting once, READY follows the peer's greeting", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false });
    s.start(0);
    s.start(1);
    assert.deepEqual(r.written, [GREETING]);
    s.feed(peerGreeting(1).subarray(0, 63), 1);
    assert.equal(r.written.length, 1);
    s.feed(peerGreeting(1).subarray(63), 2);
    assert.equal(
      toHex(r.written[1]!),
      toHex(hex(
        "04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06" +
          "44 45 41 4c 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 00",
      )),
    );
    assert.equal(s.isReady, false);
    s.feed(readyFrame([["Socket-Type", "ROUTER"], ["X-Host", "h1"]]), 3);
    assert.equal(s.isReady, true);
    assert.equal(r.peers.length, 1);
    const p = r.peers[0]!;
    assert.equal(p.socketType, "ROUTER");
    assert.equal(p.minor, 1);
    assert.deepEqual(p.identity, new Uint8Array(0));
    assert.equal(td.decode(p.properties.get("x-host")), "h1");
    assert.deepEqual(r.errors, []);
  });

  test("ROUTER sends Identity too (as libzmq; RFC 37's 28-octet reply omits it); PUB does not", () => {
    const a = session({ socketType: "ROUTER", asServer: true });
    a.s.start(0);
    a.s.feed(peerGreeting(), 0);
    assert.equal(
      toHex(a.r.written[1]!),
      toHex(readyFrame([["Socket-Type", "ROUTER"], ["Identity", ""]])),
    );
    assert.equal(a.r.written[1]![1], 0x29);
    const b = session({ socketType: "PUB", asServer: true });
    b.s.start(0);
    b.s.feed(peerGreeting(), 0);
    assert.equal(
      toHex(b.r.written[1]!),
      toHex(concat(hex("04 19"), te.encode("\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"))),
    );
  });

  test("routingId and X- properties in our READY; the peer's Identity is passed on as sent", () => {
    const { s, r } = session({
      socketType: "DEALER",
      asServer: false,
      routingId: te.encode("me"),
      properties: { "X-App": "weft", "x-bin": new Uint8Array([0, 1]) },
    });
    s.start(0);
    s.feed(peerGreeting(), 0);
    assert.equal(
      toHex(r.written[1]!),
      toHex(
        readyFrame([["Socket-Type", "DEALER"], ["Identity", "me"], ["X-App", "weft"], [
          "x-bin",
          new Uint8Array([0, 1]),
        ]]),
      ),
    );
    // libzmq does not reject an Identity whose first octet is 0; the ROUTER above decides.
    s.feed(readyFrame([["Socket-Type", "ROUTER"], ["identity", new Uint8Array([0, 7])]]), 0);
    assert.deepEqual(r.peers[0]!.identity, new Uint8Array([0, 7]));
  });

  test("a READY without Socket-Type is accepted, as libzmq does", () => {
    const { s, r } = session({ socketType: "PULL", asServer: true });
    s.start(0);
    s.feed(concat(peerGreeting(), readyFrame([])), 0);
    assert.deepEqual(r.errors, []);
    assert.equal(r.peers[0]!.socketType, "");
  });

  test("3.0 peer: minor 0 reported", () => {
    const { r } = ready({ socketType: "SUB", asServer: false }, { type: "PUB", minor: 0 });
    assert.equal(r.peers[0]!.minor, 0);
  });

  test("bad options throw EINVAL", () => {
    const sink = new Recorder();
    const bad: Array<Partial<ZmtpSessionOptions>> = [
      { socketType: "STREAM" as "PUB" },
      { routingId: new Uint8Array(256) },
      { properties: { "Socket-Type": "x" } },
      { properties: { "X-a b": "x" } },
      { maxMessageSize: -2 },
      { heartbeatIntervalMs: 1.5 },
    ];
    for (const o of bad) {
      assert.throws(() => new ZmtpSession({ socketType: "DEALER", asServer: false, ...o }, sink), {
        code: "EINVAL",
      });
    }
  });
});

describe("session: two-session loopback with random chunk splits", () => {
  for (const maxChunk of [1, 2, 3, 7, 64, 4096]) {
    test(`chunks of 1..${maxChunk} octets`, () => {
      const next = prng(maxChunk * 7919);
      const a = session({ socketType: "DEALER", asServer: false, routingId: te.encode("A") });
      const b = session({ socketType: "ROUTER", asServer: true });
      const sent: Array<{ from: "a" | "b"; frames: Uint8Array[] }> = [];
      const makeMessage = () => {
        const n = 1 + Math.floor(next() * 4);
        return Array.from({ length: n }, () => {
          const pick = next();
          const size = pick < 0.2
            ? 0
            : pick < 0.8
            ? Math.floor(next() * 300)
            : Math.floor(next() * 70000);
          return Uint8Array.from({ length: size }, () => Math.floor(next() * 256));
        });
      };
      // Messages queued before the handshake wait for it.
      const early = makeMessage();
      a.s.send(early);
      sent.push({ from: "a", frames: early });
      a.s.start(0);
      b.s.start(0);
      const pump = () => {
        for (let round = 0; round < 1000; round++) {
          const fromA = a.r.take();
          const fromB = b.r.take();
          if (fromA.length === 0 && fromB.length === 0) return;
          feedSplit(b.s, fromA, next, { maxChunk });
          feedSplit(a.s, fromB, next, { maxChunk });
        }
        assert.fail("no quiescence");
      };
      pump();
      assert.equal(a.s.isReady && b.s.isReady, true);
      assert.deepEqual(td.decode(b.r.peers[0]!.identity), "A");
      for (let i = 0; i < 12; i++) {
        const from = next() < 0.5 ? "a" : "b";
        const frames = makeMessage();
        (from === "a" ? a : b).s.send(frames);
        sent.push({ from, frames });
        if (next() < 0.5) {
          a.s.flush();
          b.s.flush();
          pump();
        }
      }
      a.s.flush();
      b.s.flush();
      pump();
      assert.deepEqual(a.r.errors, []);
      assert.deepEqual(b.r.errors, []);
      assert.deepEqual(b.r.messages, sent.filter((m) => m.from === "a").map((m) => m.frames));
      assert.deepEqual(a.r.messages, sent.filter((m) => m.from === "b").map((m) => m.frames));
    });
  }

  test("flush coalesces a burst into one write", () => {
    const { s, r } = ready({ socketType: "PUSH", asServer: false }, { type: "PULL" });
    for (let i = 0; i < 100; i++) s.send([te.encode(`m${i}`), te.encode("x")]);
    assert.equal(r.written.length, 0);
    s.flush();
    assert.equal(r.written.length, 1);
    assert.equal(toHex(r.written[0]!.subarray(0, 8)), "01 02 6d 30 00 01 78 01");
  });

  test("send of an empty message throws EINVAL", () => {
    const { s } = session({ socketType: "PUSH", asServer: false });
    assert.throws(() => s.send([]), { code: "EINVAL" });
  });
});

describe("session: subscriptions", () => {
  test("SUB to a 3.1 peer sends SUBSCRIBE / CANCEL commands", () => {
    const { s, r } = ready({ socketType: "SUB", asServer: false }, { type: "PUB", minor: 1 });
    s.sendSubscription(te.encode("A"), true);
    s.sendSubscription(te.encode("A"), false);
    s.flush();
    assert.equal(
      toHex(r.output),
      "04 0b 09 53 55 42 53 43 52 49 42 45 41 04 08 06 43 41 4e 43 45 4c 41",
    );
  });

  test("SUB to a 3.0 peer sends 0x01|topic / 0x00|topic messages", () => {
    const { s, r } = ready({ socketType: "XSUB", asServer: false }, { type: "XPUB", minor: 0 });
    s.sendSubscription(te.encode("A"), true);
    s.sendSubscription(te.encode("AB"), false);
    s.flush();
    assert.equal(toHex(r.output), "00 02 01 41 00 03 00 41 42");
  });

  test("subscriptions queued before the handshake use the peer's form", () => {
    const { s, r } = session({ socketType: "SUB", asServer: false });
    s.sendSubscription(te.encode("T"), true);
    s.start(0);
    s.feed(concat(peerGreeting(0), readyFrame([["Socket-Type", "PUB"]])), 0);
    // After the greeting: our READY, then (once theirs arrived) the 3.0-form subscription.
    assert.equal(toHex(r.output.subarray(64 + 2 + 0x19)), "00 02 01 54");
  });

  test("PUB/XPUB: both wire forms become subscription events", () => {
    for (const type of ["PUB", "XPUB"] as const) {
      const { s, r } = ready({ socketType: type, asServer: true }, { type: "SUB" });
      s.feed(
        concat(
          frame(4, subscriptionCommand(te.encode("A"), true)),
          frame(4, subscriptionCommand(te.encode("A"), false)),
          frame(0, hex("01 42")),
          frame(0, hex("00 42")),
          frame(0, hex("01")),
          frame(0, hex("02 42")), // not a subscription: an ordinary message
          frame(1, hex("01 43")), // multipart: an ordinary message
          frame(0, hex("44")),
        ),
        0,
      );
      assert.deepEqual(r.subscriptions, [["A", true], ["A", false], ["B", true], ["B", false], [
        "",
        true,
      ]]);
      assert.deepEqual(r.messages, [[hex("02 42")], [hex("01 43"), hex("44")]]);
    }
  });

  test("other types ignore SUBSCRIBE/CANCEL commands (no event, no error)", () => {
    const { s, r } = ready({ socketType: "SUB", asServer: false }, { type: "PUB" });
    s.feed(frame(4, subscriptionCommand(te.encode("A"), true)), 0);
    s.feed(frame(0, hex("01 41")), 0);
    assert.deepEqual(r.subscriptions, []);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.messages, [[hex("01 41")]]); // a SUB receives 0x01 messages as data
  });
});

describe("session: PING / PONG and heartbeats", () => {
  test("PING is answered with PONG echoing the context (3.1 and 3.0 peers)", () => {
    for (const minor of [1, 0]) {
      const { s, r } = ready({ socketType: "DEALER", asServer: false }, { type: "ROUTER", minor });
      s.feed(frame(4, pingCommand(0, hex("01 02 03"))), 0);
      assert.equal(toHex(r.take()), "04 08 04 50 4f 4e 47 01 02 03");
      s.feed(frame(4, pingCommand(0)), 0);
      assert.equal(toHex(r.take()), "04 05 04 50 4f 4e 47");
    }
  });

  test("the peer's PING TTL: no traffic within it times out", () => {
    const { s, r } = ready({ socketType: "DEALER", asServer: false }, { type: "ROUTER" }, 1000);
    assert.equal(s.tick(1000), Infinity);
    s.feed(frame(4, pingCommand(20)), 1000); // 2 s
    assert.equal(s.tick(1500), 3000);
    s.feed(frame(4, pingCommand(20)), 2500); // traffic restarts the TTL
    assert.equal(s.tick(2999), 4500);
    s.feed(frame(0, "data"), 3000); // any traffic clears it
    assert.equal(s.tick(4600), Infinity);
    s.feed(frame(4, pingCommand(1)), 5000);
    assert.equal(s.tick(5099), 5100);
    assert.deepEqual(r.errors, []);
    assert.equal(s.tick(5100), Infinity);
    assert.deepEqual(r.errors, [{
      code: "ETIMEDOUT",
      reason: "no traffic within the TTL of the peer's PING",
      phase: "traffic",
    }]);
  });

  test("our PINGs every interval with our TTL; silence after a PING times out", () => {
    const opts = {
      socketType: "DEALER",
      asServer: false,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 500,
      heartbeatTtlMs: 3050,
    } as const;
    const { s, r } = ready(opts, { type: "ROUTER" }, 10_000);
    assert.equal(s.tick(10_000), 11_000);
    assert.equal(r.written.length, 0);
    assert.equal(s.tick(11_000), 11_500);
    assert.equal(toHex(r.take()), "04 07 04 50 49 4e 47 00 1e"); // TTL 30 ds
    s.feed(frame(4, hex("04 50 4f 4e 47")), 11_200); // PONG
    assert.equal(s.tick(11_500), 12_000);
    assert.equal(s.tick(12_000), 12_500);
    assert.equal(toHex(r.take()), "04 07 04 50 49 4e 47 00 1e");
    assert.equal(r.errors.length, 0);
    assert.equal(s.tick(12_499), 12_500);
    assert.equal(s.tick(12_500), Infinity);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.code, "ETIMEDOUT");
    assert.equal(r.errors[0]!.phase, "traffic");
    assert.match(r.errors[0]!.reason, /after our PING/);
  });

  test("heartbeat timeout defaults to the interval; 0 disables it", () => {
    const a = ready({ socketType: "PAIR", asServer: false, heartbeatIntervalMs: 100 }, {
      type: "PAIR",
    });
    assert.equal(a.s.tick(100), 200);
    assert.equal(a.s.tick(200), Infinity);
    assert.equal(a.r.errors[0]!.code, "ETIMEDOUT");
    const b = ready(
      { socketType: "PAIR", asServer: false, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 0 },
      { type: "PAIR" },
    );
    assert.equal(b.s.tick(100), 200);
    assert.equal(b.s.tick(200), 300);
    assert.deepEqual(b.r.errors, []);
  });

  test("handshake timeout", () => {
    const { s, r } = session({ socketType: "REQ", asServer: false, handshakeIntervalMs: 500 });
    assert.equal(s.tick(0), Infinity); // not started
    s.start(100);
    assert.equal(s.tick(100), 600);
    s.feed(peerGreeting(), 300); // greeting alone does not complete the handshake
    assert.equal(s.tick(599), 600);
    assert.equal(s.tick(600), Infinity);
    assert.deepEqual(r.errors, [{
      code: "ETIMEDOUT",
      reason: "handshake not complete within 500 ms",
      phase: "handshake",
    }]);
    const done = ready({ socketType: "REQ", asServer: false, handshakeIntervalMs: 500 }, {
      type: "REP",
    });
    assert.equal(done.s.tick(10_000), Infinity);
    const unlimited = session({ socketType: "REQ", asServer: false, handshakeIntervalMs: 0 });
    unlimited.s.start(0);
    assert.equal(unlimited.s.tick(1e9), Infinity);
  });
});

describe("session: bad input", () => {
  function expectError(
    s: ZmtpSession,
    r: Recorder,
    code: string,
    phase: string,
    reason: RegExp,
  ) {
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.equal(r.errors[0]!.code, code);
    assert.equal(r.errors[0]!.phase, phase);
    assert.match(r.errors[0]!.reason, reason);
    assert.equal(s.isClosed, true);
    // After an error: silent, input ignored.
    const before = r.events.length;
    s.feed(concat(peerGreeting(), readyFrame([["Socket-Type", "ROUTER"]]), frame(0, "x")), 0);
    assert.equal(s.send([te.encode("x")]), false);
    assert.equal(s.sendSubscription(te.encode("x"), true), false);
    s.flush();
    assert.equal(s.tick(1e12), Infinity);
    assert.equal(r.events.length, before);
  }

  test("garbage instead of a greeting fails on the first octet", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false });
    s.start(0);
    s.feed(te.encode("G"), 0);
    assert.deepEqual(r.written, [GREETING]);
    expectError(s, r, "EPROTO", "handshake", /^not a ZMTP peer: expected 0xff at octet 0/);
  });

  test("wrong signature (octet 9)", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false });
    s.start(0);
    const g = peerGreeting();
    g[9] = 0;
    feedSplit(s, g, prng(1), { maxChunk: 3 });
    expectError(s, r, "EPROTO", "handshake", /^not a ZMTP peer: .*octet 9/);
  });

  test("major version 2", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false });
    s.start(0);
    const g = peerGreeting();
    g[10] = 2;
    s.feed(g, 0);
    expectError(s, r, "EPROTO", "handshake", /major version 3 or higher, got 2/);
  });

  test("mechanism PLAIN vs NULL", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false });
    s.start(0);
    s.feed(peerGreeting(1, "PLAIN"), 0);
    assert.deepEqual(r.written, [GREETING]); // no READY sent
    expectError(
      s,
      r,
      "EPROTO",
      "handshake",
      /mechanism mismatch: we use NULL, the peer uses "PLAIN"/,
    );
  });

  test("incompatible socket type: ERROR command on the wire, then the error", () => {
    const { s, r } = session({ socketType: "PUSH", asServer: true });
    s.start(0);
    s.feed(peerGreeting(), 0);
    r.take();
    s.feed(readyFrame([["Socket-Type", "PUSH"]]), 0);
    const reason = 'Invalid socket type: PUSH expects PULL, got "PUSH"';
    assert.equal(
      toHex(r.take()),
      toHex(
        frame(
          4,
          concat(te.encode("\x05ERROR"), new Uint8Array([reason.length]), te.encode(reason)),
        ),
      ),
    );
    assert.deepEqual(r.events.slice(-2), ["write", "error"]);
    expectError(
      s,
      r,
      "EPROTO",
      "handshake",
      /^Invalid socket type: PUSH expects PULL, got "PUSH"$/,
    );
  });

  test("ERROR from the peer during the handshake", () => {
    const { s, r } = session({ socketType: "PULL", asServer: false });
    s.start(0);
    s.feed(concat(peerGreeting(), frame(4, te.encode("\x05ERROR\x13Invalid socket type"))), 0);
    expectError(
      s,
      r,
      "EPROTO",
      "handshake",
      /the peer refused the handshake: ERROR "Invalid socket type"/,
    );
  });

  test("frame over maxMessageSize", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true, maxMessageSize: 10 }, {
      type: "PUSH",
    });
    s.feed(frame(0, "0123456789"), 0);
    assert.equal(r.messages.length, 1);
    s.feed(frame(0, "0123456789A"), 0);
    expectError(s, r, "EMSGSIZE", "traffic", /at most 10 octets \(maxMessageSize\), got 11/);
  });

  test("huge frame header over maxMessageSize is refused before its body arrives", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true, maxMessageSize: 1000 }, {
      type: "PUSH",
    });
    s.feed(hex("02 00 00 00 00 01 00 00 00"), 0);
    expectError(
      s,
      r,
      "EMSGSIZE",
      "traffic",
      /^bad ZMTP frame: expected frames of at most 1000 octets \(maxMessageSize\), got 16777216$/,
    );
  });

  test("a 2^62 claim with maxMessageSize unset names the built-in 4 GiB cap, exactly", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true }, { type: "PUSH" });
    s.feed(hex("02 40 00 00 00 00 00 00 00"), 0);
    expectError(
      s,
      r,
      "EMSGSIZE",
      "traffic",
      new RegExp(
        "^bad ZMTP frame: expected frames of at most 4294967295 octets \\(weft's built-in " +
          "cap: lengths are read as 32 bits; maxMessageSize is unset\\), got 4611686018427387904$",
      ),
    );
  });

  test("a claim above the u32 cap but under a larger maxMessageSize names the cap", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true, maxMessageSize: 2 ** 40 }, {
      type: "PUSH",
    });
    s.feed(hex("02 00 00 00 01 00 00 00 00"), 0); // 2^32
    expectError(
      s,
      r,
      "EMSGSIZE",
      "traffic",
      /at most 4294967295 octets \(weft's built-in cap: lengths are read as 32 bits\), got 4294967296$/,
    );
  });

  test("a READY whose Identity has 256 octets is refused (RFC 23: at most 255), with ERROR", () => {
    const { s, r } = session({ socketType: "ROUTER", asServer: true });
    s.start(0);
    s.feed(
      concat(
        peerGreeting(),
        readyFrame([["Socket-Type", "DEALER"], ["Identity", new Uint8Array(256).fill(0x61)]]),
      ),
      0,
    );
    expectError(
      s,
      r,
      "EPROTO",
      "handshake",
      /^Invalid Identity: at most 255 octets \(RFC 23\), got 256$/,
    );
    assert.equal(r.peers.length, 0);
    assert.match(td.decode(r.written.at(-1)), /ERROR.*Invalid Identity/s);
  });

  test("a READY whose Identity has 255 octets is accepted", () => {
    const { s, r } = session({ socketType: "ROUTER", asServer: true });
    s.start(0);
    const id = new Uint8Array(255).fill(0x62);
    s.feed(concat(peerGreeting(), readyFrame([["Socket-Type", "DEALER"], ["Identity", id]])), 0);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.peers[0]!.identity, id);
  });

  test("message before READY", () => {
    const { s, r } = session({ socketType: "PULL", asServer: false });
    s.start(0);
    s.feed(concat(peerGreeting(), frame(0, "early")), 0);
    expectError(s, r, "EPROTO", "handshake", /message before READY/);
  });

  test("a second READY or another command during the NULL handshake", () => {
    const { s, r } = session({ socketType: "PULL", asServer: false });
    s.start(0);
    s.feed(concat(peerGreeting(), frame(4, te.encode("\x05HELLO"))), 0);
    expectError(
      s,
      r,
      "EPROTO",
      "handshake",
      /expected READY or ERROR during the NULL handshake, got "HELLO"/,
    );
  });

  test("malformed READY metadata", () => {
    const { s, r } = session({ socketType: "PULL", asServer: false });
    s.start(0);
    s.feed(
      concat(peerGreeting(), frame(4, te.encode("\x05READY\x0bSocket-Type\x00\x00\x00\x09PUSH"))),
      0,
    );
    expectError(s, r, "EPROTO", "handshake", /malformed metadata/);
  });

  test("reserved flag bits in traffic", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true }, { type: "PUSH" });
    s.feed(hex("08 00"), 0);
    expectError(s, r, "EPROTO", "traffic", /bad ZMTP frame: reserved/);
  });

  test("truncated input, then nothing: no event, no error until the handshake clock runs out", () => {
    const { s, r } = session({ socketType: "DEALER", asServer: false, handshakeIntervalMs: 1000 });
    s.start(0);
    const bytes = concat(peerGreeting(), readyFrame([["Socket-Type", "ROUTER"]]));
    s.feed(bytes.subarray(0, bytes.length - 1), 0);
    assert.equal(r.peers.length, 0);
    assert.deepEqual(r.errors, []);
    assert.equal(s.tick(999), 1000);
    assert.deepEqual(r.errors, []);
    s.feed(bytes.subarray(bytes.length - 1), 999);
    assert.equal(r.peers.length, 1);
  });

  test("a truncated message is not delivered", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true }, { type: "PUSH" });
    s.feed(concat(frame(1, "a"), frame(0, "bc")).subarray(0, 5), 0);
    assert.deepEqual(r.messages, []);
    assert.deepEqual(r.errors, []);
  });

  test("traffic phase: unknown, malformed and late READY commands are ignored", () => {
    const { s, r } = ready({ socketType: "PULL", asServer: true }, { type: "PUSH" });
    s.feed(
      concat(
        frame(4, te.encode("\x07UNKNOWN")),
        frame(4, hex("09 41")),
        readyFrame([["Socket-Type", "PUSH"]]),
        frame(4, te.encode("\x05ERROR\x02no")),
        frame(0, "ok"),
      ),
      0,
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.messages.map((m) => td.decode(m[0])), ["ok"]);
    assert.equal(r.written.length, 0);
  });
});
