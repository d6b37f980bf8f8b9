import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PomeloServerSession, type PomeloSessionOptions } from "./session.ts";
import { MessageType, PomeloEncoder, RouteDictionary } from "../../codec/pomelo.ts";
import type { PomeloMessage } from "../../codec/pomelo.ts";
import { packet, pomelo } from "./_pomelo_protocol_test.ts";

const te = new TextEncoder();
const td = new TextDecoder();

interface Harness {
  session: PomeloServerSession;
  written: Uint8Array[];
  messages: PomeloMessage[];
  closed: { reason: string; code: string | undefined }[];
  ready: number;
}

function harness(options: Partial<PomeloSessionOptions> = {}): Harness {
  const h: Harness = {
    written: [],
    messages: [],
    closed: [],
    ready: 0,
    session: undefined as unknown as PomeloServerSession,
  };
  h.session = new PomeloServerSession({
    write: (b) => h.written.push(b),
    message: (m) => h.messages.push({ ...m, body: m.body.slice() }),
    ready: () => h.ready++,
    close: (reason, code) => h.closed.push({ reason, code }),
  }, { now: 0, heartbeatInterval: 1000, wallClock: () => 1_700_000_000_000, ...options });
  return h;
}

const HANDSHAKE = packet(1, '{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}},"user":{}}');
const ACK = packet(2);

function json(b: Uint8Array): unknown {
  return JSON.parse(td.decode(b));
}

function working(options: Partial<PomeloSessionOptions> = {}): Harness {
  const h = harness(options);
  h.session.feed(HANDSHAKE, 0);
  h.session.feed(ACK, 0);
  assert.equal(h.session.state, "working");
  return h;
}

describe("pomelo server session: handshake", () => {
  test("answers 200 with heartbeat, servertime and serializer, then works after the ACK", () => {
    const h = harness();
    h.session.feed(HANDSHAKE, 5);
    assert.equal(h.session.state, "handshake");
    assert.equal(h.written.length, 1);
    const answer = h.written[0]!;
    assert.deepEqual([...answer.subarray(0, 4)], [1, 0, 0, answer.length - 4]);
    assert.deepEqual(json(answer.subarray(4)), {
      code: 200,
      sys: { heartbeat: 1, servertime: 1_700_000_000, serializer: "json" },
    });
    assert.equal(h.ready, 0);
    h.session.feed(ACK, 6);
    assert.equal(h.session.state, "working");
    assert.equal(h.ready, 1);
    assert.deepEqual([...h.written[1]!], [3, 0, 0, 0]); // the first heartbeat
    assert.deepEqual(h.session.handshake?.sys.type, "js-websocket");
  });

  test("byte by byte: one byte per feed gives the same result", () => {
    const h = harness();
    for (const b of [...HANDSHAKE, ...ACK]) h.session.feed(new Uint8Array([b]), 1);
    assert.equal(h.session.state, "working");
    assert.equal(h.ready, 1);
  });

  test("handshake and ACK and data in one chunk", () => {
    const dict = new RouteDictionary({ "room.join": 7 });
    const h = harness({ dictionary: dict, serializer: "protobuf" });
    const data = packet(4, new Uint8Array([0x01, 0x05, 0x00, 0x07, 0x7b, 0x7d]));
    h.session.feed(new Uint8Array([...HANDSHAKE, ...ACK, ...data]), 1);
    assert.deepEqual(json(h.written[0]!.subarray(4)), {
      code: 200,
      sys: {
        heartbeat: 1,
        servertime: 1_700_000_000,
        dict: { "room.join": 7 },
        serializer: "protobuf",
      },
    });
    assert.equal(h.messages.length, 1);
    assert.equal(h.messages[0]!.route, "room.join");
    assert.equal(h.messages[0]!.id, 5);
    dict.dispose();
  });

  test("a handshake without sys gets {code:500} and closes", () => {
    const h = harness();
    h.session.feed(packet(1, '{"user":{}}'), 0);
    assert.deepEqual(json(h.written[0]!.subarray(4)), { code: 500 });
    assert.equal(h.session.state, "closed");
    assert.match(h.closed[0]!.reason, /sys/);
    assert.equal(h.closed[0]!.code, "EPROTO");
  });

  test("a malformed handshake gets {code:500}", () => {
    for (const body of ["{nope", "[1]", "\xff"]) {
      const h = harness();
      h.session.feed(packet(1, body), 0);
      assert.deepEqual(json(h.written[0]!.subarray(4)), { code: 500 }, body);
      assert.equal(h.session.state, "closed");
    }
  });

  test("checkClient refuses with {code:501}", () => {
    const seen: unknown[] = [];
    const h = harness({
      checkClient: (type, version) => {
        seen.push(type, version);
        return version !== "0.0.1";
      },
    });
    h.session.feed(HANDSHAKE, 0);
    assert.deepEqual(seen, ["js-websocket", "0.0.1"]);
    assert.deepEqual(json(h.written[0]!.subarray(4)), { code: 501 });
    assert.equal(h.session.state, "closed");
  });

  test("onHandshake may add user data or refuse", () => {
    const h = harness({ onHandshake: (hs) => ({ hello: hs.sys.type }) });
    h.session.feed(HANDSHAKE, 0);
    assert.deepEqual((json(h.written[0]!.subarray(4)) as { user: unknown }).user, {
      hello: "js-websocket",
    });
    const r = harness({
      onHandshake: () => {
        throw new Error("banned");
      },
    });
    r.session.feed(HANDSHAKE, 0);
    assert.deepEqual(json(r.written[0]!.subarray(4)), { code: 500 });
    assert.match(r.closed[0]!.reason, /banned/);
  });

  test("DATA before the ACK closes (as nano)", () => {
    const h = harness();
    h.session.feed(HANDSHAKE, 0);
    h.session.feed(packet(4, new Uint8Array([0x02, 0x01, 0x61])), 0);
    assert.equal(h.session.state, "closed");
    assert.match(h.closed[0]!.reason, /DATA before the handshake/);
    assert.equal(h.messages.length, 0);
  });

  test("DATA before any handshake closes", () => {
    const h = harness();
    h.session.feed(packet(4, new Uint8Array([0x02, 0x01, 0x61])), 0);
    assert.equal(h.session.state, "closed");
    assert.equal(h.written.length, 0);
  });

  test("ACK before HANDSHAKE, a second HANDSHAKE, a KICK from the client: close", () => {
    const a = harness();
    a.session.feed(ACK, 0);
    assert.equal(a.session.state, "closed");
    const b = working();
    b.session.feed(HANDSHAKE, 0);
    assert.equal(b.session.state, "closed");
    const c = working();
    c.session.feed(packet(5, "{}"), 0);
    assert.equal(c.session.state, "closed");
    assert.match(c.closed[0]!.reason, /KICK/);
  });

  test("handshake timeout", () => {
    const h = harness({ handshakeTimeout: 500 });
    h.session.tick(499);
    assert.equal(h.session.state, "start");
    h.session.tick(500);
    assert.equal(h.session.state, "closed");
    assert.match(
      h.closed[0]!.reason,
      /^handshake timeout: expected a finished handshake within 500 ms \(handshakeTimeout\)$/,
    );
  });
});

describe("pomelo server session: heartbeats", () => {
  test("one heartbeat per interval; any packet counts as life", () => {
    const h = working();
    const beats = () => h.written.filter((b) => b[0] === 3).length;
    assert.equal(beats(), 1);
    h.session.tick(999);
    assert.equal(beats(), 1);
    h.session.tick(1000);
    assert.equal(beats(), 2);
    h.session.feed(packet(4, new Uint8Array([0x02, 0x01, 0x61])), 1900); // life
    h.session.tick(2000);
    assert.equal(beats(), 3);
    h.session.tick(3899);
    assert.equal(h.session.state, "working");
    h.session.tick(3900);
    assert.equal(h.session.state, "closed");
    assert.match(
      h.closed[0]!.reason,
      /^heartbeat timeout: expected a packet within 2000 ms \(heartbeatTimeout\), none for 2000 ms$/,
    );
    assert.equal(h.closed[0]!.code, "ETIMEDOUT");
  });

  test("client heartbeats keep it alive", () => {
    const h = working();
    for (let t = 500; t < 10_000; t += 1500) {
      h.session.feed(packet(3), t);
      h.session.tick(t + 100);
    }
    assert.equal(h.session.state, "working");
  });

  test("a client heartbeat is answered at once, and restarts the server's interval", () => {
    const h = working();
    const beats = () => h.written.filter((b) => b[0] === 3).length;
    assert.equal(beats(), 1); // on the ACK
    h.session.feed(packet(3), 600);
    assert.equal(beats(), 2); // the answer
    h.session.tick(1000);
    assert.equal(beats(), 2); // not due: the answer went at 600
    h.session.tick(1600);
    assert.equal(beats(), 3);
  });

  test("a stock pomelo client (beats one interval after it hears one) never times out", () => {
    // pomelo-jsclient-websocket / nano's starx-wsclient: on a server heartbeat, unless its own
    // is already pending, send one after `interval`. With server ticks alone, a heartbeat that
    // arrives just before the client's timer fires is ignored and the client's gap grows to
    // twice the interval — the timeout. Played here on a fake clock with a 1 ms network, client
    // timers up to 300 ms late and the server ticking at a quarter interval, from many phases.
    for (let phase = 0; phase < 250; phase += 7) {
      const h = working(); // its heartbeat on the ACK went out at t = 0
      let seed = phase + 1;
      const late = () => (seed = (seed * 48271) % 2147483647) % 300; // 0–299 ms, repeatable
      let seen = 0; // server packets the client has received
      let written = h.written.length; // server packets written by the end of the last ms
      let clientTimer: number | undefined; // when the client's pending heartbeat goes
      let toServer: number | undefined; // when the client's heartbeat reaches the server
      for (let t = 1; t < 30_000 && h.session.state === "working"; t++) {
        // Client: what the server wrote by the last ms arrives now (1 ms network).
        for (; seen < written; seen++) {
          // Ignored while one is pending; timers fire late (busy loop, a throttled tab).
          if (h.written[seen]![0] === 3) clientTimer ??= t + 1000 + late();
        }
        if (clientTimer === t) {
          clientTimer = undefined;
          toServer = t + 1;
        }
        // Server: the client's heartbeat arrives; the app ticks every 250 ms, at some phase.
        if (toServer === t) h.session.feed(packet(3), t);
        if ((t + phase) % 250 === 0) h.session.tick(t);
        written = h.written.length;
      }
      assert.equal(h.session.state, "working", `phase ${phase}: ${h.closed[0]?.reason}`);
    }
  });

  test("interval 0 turns heartbeats off", () => {
    const h = working({ heartbeatInterval: 0 });
    h.session.tick(1e9);
    assert.equal(h.session.state, "working");
    assert.equal(h.written.filter((b) => b[0] === 3).length, 0);
  });
});

describe("pomelo server session: kick and close", () => {
  test("kick writes KICK {reason} then closes", () => {
    const h = working();
    h.session.kick("bye now");
    const kick = h.written.at(-1)!;
    assert.equal(kick[0], 5);
    assert.deepEqual(json(kick.subarray(4)), { reason: "bye now" });
    assert.equal(h.session.state, "closed");
    assert.equal(h.closed[0]!.reason, "kicked: bye now");
    h.session.kick("again");
    h.session.feed(packet(3), 1);
    assert.equal(h.closed.length, 1);
  });

  test("close and ended are idempotent", () => {
    const h = working();
    h.session.close();
    h.session.ended();
    assert.equal(h.closed.length, 1);
  });
});

describe("pomelo server session: bad input", () => {
  test("garbage bytes", () => {
    const h = harness();
    h.session.feed(te.encode("\x00\x00garbage!"), 0);
    assert.equal(h.session.state, "closed");
    assert.match(h.closed[0]!.reason, /type byte/);
  });

  test("a packet length over the limit", () => {
    const h = working({ maxBody: 100 });
    h.session.feed(new Uint8Array([4, 0, 0, 101]), 0);
    assert.equal(h.session.state, "closed");
    assert.equal(h.closed[0]!.code, "EMSGSIZE");
    // the default limit is 64 KiB
    const d = working();
    d.session.feed(new Uint8Array([4, 1, 0, 1]), 0);
    assert.equal(d.closed[0]!.code, "EMSGSIZE");
  });

  test("an unknown packet type", () => {
    const h = working();
    h.session.feed(new Uint8Array([9, 0, 0, 0]), 0);
    assert.equal(h.session.state, "closed");
    assert.equal(h.closed[0]!.code, "EPROTO");
  });

  test("an unknown route code", () => {
    const dict = new RouteDictionary({ a: 1 });
    const h = working({ dictionary: dict });
    h.session.feed(packet(4, new Uint8Array([0x01, 0x01, 0x00, 0x09])), 0);
    assert.equal(h.session.state, "closed");
    assert.match(h.closed[0]!.reason, /unknown route code/);
    dict.dispose();
  });

  test("a compressed route without a dictionary", () => {
    const h = working();
    h.session.feed(packet(4, new Uint8Array([0x01, 0x01, 0x00, 0x01])), 0);
    assert.equal(h.session.state, "closed");
  });

  test("a truncated varint", () => {
    const h = working();
    h.session.feed(packet(4, new Uint8Array([0x00, 0x81, 0x82])), 0);
    assert.equal(h.session.state, "closed");
    assert.match(h.closed[0]!.reason, /varint/);
  });

  test("messages before the bad packet are still delivered", () => {
    const h = working();
    const good = packet(4, new Uint8Array([0x02, 0x01, 0x61, 0x7b, 0x7d]));
    h.session.feed(new Uint8Array([...good, 7, 0, 0, 0]), 0);
    assert.equal(h.messages.length, 1);
    assert.equal(h.session.state, "closed");
  });
});

describe("pomelo server session against npm pomelo-protocol", () => {
  test("their client bytes decode here", () => {
    const h = harness();
    const hs = pomelo.Package.encode(
      1,
      pomelo.strencode(JSON.stringify({ sys: { type: "js-websocket", version: "0.0.1" } })),
    );
    h.session.feed(hs, 0);
    h.session.feed(pomelo.Package.encode(2), 0);
    const req = pomelo.Message.encode(300, 0, 0, "chat.say", pomelo.strencode('{"t":"héllo"}'));
    const notify = pomelo.Message.encode(0, 1, 0, "chat.ping", pomelo.strencode("{}"));
    h.session.feed(
      new Uint8Array([...pomelo.Package.encode(4, req), ...pomelo.Package.encode(4, notify)]),
      0,
    );
    assert.equal(h.messages.length, 2);
    const [a, b] = h.messages;
    assert.deepEqual(
      [a!.type, a!.id, a!.route, td.decode(a!.body)],
      [0, 300, "chat.say", '{"t":"héllo"}'],
    );
    assert.deepEqual([b!.type, b!.id, b!.route, td.decode(b!.body)], [1, 0, "chat.ping", "{}"]);
  });

  test("our server bytes decode there", () => {
    const dict = new RouteDictionary({ onChat: 3 });
    const h = harness({ dictionary: dict });
    h.session.feed(HANDSHAKE, 0);
    const hs = pomelo.Package.decode(h.written[0]!) as { type: number; body: Uint8Array };
    assert.equal(hs.type, 1);
    assert.deepEqual(
      (JSON.parse(pomelo.strdecode(hs.body)) as { sys: { dict: unknown } }).sys.dict,
      {
        onChat: 3,
      },
    );
    h.session.feed(ACK, 0);
    const hb = pomelo.Package.decode(h.written[1]!) as { type: number; body: null };
    assert.deepEqual([hb.type, hb.body], [3, null]);
    const enc = new PomeloEncoder({ dictionary: dict });
    const body = te.encode('{"ok":true}');
    const two = enc.encodeMessages([
      { type: MessageType.RESPONSE, id: 300, body },
      { type: MessageType.PUSH, route: "onChat", body },
      { type: MessageType.PUSH, route: "onOther", body },
    ]);
    const pkgs = pomelo.Package.decode(two) as { type: number; body: Uint8Array }[];
    assert.equal(pkgs.length, 3);
    const m0 = pomelo.Message.decode(pkgs[0]!.body);
    assert.deepEqual([m0.type, m0.id, pomelo.strdecode(m0.body)], [2, 300, '{"ok":true}']);
    const m1 = pomelo.Message.decode(pkgs[1]!.body);
    assert.deepEqual([m1.type, m1.compressRoute, m1.route], [3, 1, 3]);
    const m2 = pomelo.Message.decode(pkgs[2]!.body);
    assert.deepEqual([m2.type, m2.compressRoute, m2.route], [3, 0, "onOther"]);
    h.session.kick("over");
    const kick = pomelo.Package.decode(h.written.at(-1)!) as { type: number; body: Uint8Array };
    assert.deepEqual([kick.type, JSON.parse(pomelo.strdecode(kick.body))], [5, { reason: "over" }]);
    dict.dispose();
  });
});
