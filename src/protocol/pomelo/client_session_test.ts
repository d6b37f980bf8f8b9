// Byte-level tests of the pure pomelo client session: handshake bytes both ways, heartbeat
// deadlines on a manual clock, requests, responses and pushes with and without route
// compression, kick, bad input, and a client and a server session talking to each other.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PomeloClientSession, type PomeloClientSessionOptions } from "./client_session.ts";
import type { ServerHandshake } from "./handshake.ts";
import { PomeloServerSession } from "./session.ts";
import { VERSION } from "../../version.ts";
import { MessageType, PomeloEncoder, RouteDictionary } from "../../codec/pomelo.ts";
import { packet, pomelo, type PomeloPackage } from "./_pomelo_protocol_test.ts";

const td = new TextDecoder();
const te = new TextEncoder();

interface Harness {
  session: PomeloClientSession;
  written: Uint8Array[];
  ready: ServerHandshake[];
  responses: { id: number; body: string; isError: boolean }[];
  pushes: { route: string; body: string }[];
  kicks: string[];
  closed: { reason: string; code: string | undefined }[];
}

function harness(options: PomeloClientSessionOptions = {}, now = 0): Harness {
  const h: Harness = {
    written: [],
    ready: [],
    responses: [],
    pushes: [],
    kicks: [],
    closed: [],
    session: undefined as unknown as PomeloClientSession,
  };
  h.session = new PomeloClientSession(
    {
      write: (b) => h.written.push(b),
      ready: (hs) => h.ready.push(hs),
      response: (id, body, isError) => h.responses.push({ id, body: td.decode(body), isError }),
      push: (route, body) => h.pushes.push({ route, body: td.decode(body) }),
      kick: (reason) => h.kicks.push(reason),
      close: (reason, code) => h.closed.push({ reason, code }),
    },
    options,
    now,
  );
  return h;
}

/** A handshake answer packet with this JSON body. */
function answer(value: unknown): Uint8Array {
  return packet(1, JSON.stringify(value));
}

/** A session past its handshake at t = 0 (heartbeat 1 s unless `sys` says otherwise). */
function working(sys: Record<string, unknown> = { heartbeat: 1 }): Harness {
  const h = harness();
  h.session.open();
  h.session.feed(answer({ code: 200, sys }), 0);
  assert.equal(h.session.state, "working");
  h.written.length = 0;
  return h;
}

function decodePackage(bytes: Uint8Array): PomeloPackage {
  const p = pomelo.Package.decode(bytes);
  assert.ok(!Array.isArray(p), "one package");
  return p;
}

function json(bytes: Uint8Array | null): unknown {
  return JSON.parse(td.decode(bytes!));
}

const HEARTBEAT = [3, 0, 0, 0];

describe("pomelo client session: handshake", () => {
  test("open writes HANDSHAKE with pomelo's default sys and the user object", () => {
    const h = harness({ user: { token: "t" } });
    assert.equal(h.session.state, "start");
    assert.equal(h.written.length, 0);
    h.session.open();
    h.session.open(); // only once
    assert.equal(h.session.state, "handshake");
    assert.equal(h.written.length, 1);
    const hello = h.written[0]!;
    assert.deepEqual([...hello.subarray(0, 4)], [1, 0, 0, hello.length - 4]);
    assert.deepEqual(json(decodePackage(hello).body), {
      sys: { type: "js-websocket", version: VERSION, rsa: {} },
      user: { token: "t" },
    });
  });

  test("sys fields are added to the defaults or replace them", () => {
    const h = harness({ sys: { type: "weft-test", protoVersion: 3 } });
    h.session.open();
    assert.deepEqual((json(h.written[0]!.subarray(4)) as { sys: unknown }).sys, {
      type: "weft-test",
      version: VERSION,
      rsa: {},
      protoVersion: 3,
    });
  });

  test("answer 200: HANDSHAKE_ACK, then ready with heartbeat, dict, protos, sys, user", () => {
    const h = harness();
    h.session.open();
    const protos = { server: { onChat: {} }, client: {}, version: 5 };
    const sys = { heartbeat: 3, dict: { "chat.say": 1 }, protos, serializer: "protobuf" };
    h.session.feed(answer({ code: 200, sys, user: { id: 7 } }), 10);
    assert.equal(h.session.state, "working");
    assert.deepEqual([...h.written[1]!], [2, 0, 0, 0]);
    assert.equal(h.ready.length, 1);
    const hs = h.ready[0]!;
    assert.equal(hs.heartbeatMs, 3000);
    assert.deepEqual(hs.dict, { "chat.say": 1 });
    assert.deepEqual(hs.protos, protos);
    assert.equal(hs.sys.serializer, "protobuf");
    assert.deepEqual(hs.user, { id: 7 });
    assert.equal(h.session.handshake, hs);
  });

  test("pomelo's routeToCode is read as the dictionary; no sys means no heartbeat", () => {
    const a = working({ routeToCode: { "a.b": 4 } });
    assert.deepEqual(a.session.handshake!.dict, { "a.b": 4 });
    const b = harness();
    b.session.open();
    b.session.feed(answer({ code: 200 }), 0);
    assert.deepEqual(b.ready[0]!.dict, {});
    assert.equal(b.ready[0]!.heartbeatMs, 0);
    assert.equal(b.session.nextDeadline(), undefined);
  });

  test("byte by byte, with server heartbeats before the answer, gives the same result", () => {
    const h = harness();
    h.session.open();
    const bytes = [...packet(3), ...answer({ code: 200, sys: { heartbeat: 1 } })];
    for (const b of bytes) h.session.feed(new Uint8Array([b]), 1);
    assert.equal(h.session.state, "working");
    assert.equal(h.ready.length, 1);
  });

  test("a push in the answer's chunk is decoded with the answer's dictionary", () => {
    const h = harness();
    h.session.open();
    const push = packet(4, new Uint8Array([0x07, 0, 7, 0x31, 0x32])); // push, code 7, "12"
    h.session.feed(new Uint8Array([...answer({ code: 200, sys: { dict: { p: 7 } } }), ...push]), 0);
    assert.deepEqual(h.pushes, [{ route: "p", body: "12" }]);
    assert.equal(h.closed.length, 0);
  });

  test("the server session's answer reads back as it was written (shared handshake code)", () => {
    const dict = new RouteDictionary({ onChat: 3 });
    const server = new PomeloServerSession({
      write: (b) => client.session.feed(b, 0),
      message: () => {},
      close: () => {},
    }, { now: 0, heartbeatInterval: 2500, dictionary: dict, onHandshake: () => ({ hi: 1 }) });
    const client = harness();
    client.session = new PomeloClientSession(
      {
        write: (b) => server.feed(b, 0),
        ready: (hs) => client.ready.push(hs),
        response: () => {},
        push: () => {},
        close: () => {},
      },
      {},
      0,
    );
    client.session.open();
    assert.equal(server.state, "working");
    assert.equal(client.session.state, "working");
    assert.equal(server.handshake?.sys.type, "js-websocket");
    const hs = client.ready[0]!;
    assert.deepEqual([hs.heartbeatMs, hs.dict, hs.user], [2500, { onChat: 3 }, { hi: 1 }]);
    dict.dispose();
  });

  test("handshake timeout: a deadline from creation, closing with ETIMEDOUT", () => {
    const h = harness({ handshakeTimeout: 500 }, 100);
    assert.equal(h.session.nextDeadline(), 600);
    h.session.open();
    h.session.tick(599);
    assert.equal(h.session.state, "handshake");
    h.session.tick(600);
    assert.equal(h.session.state, "closed");
    assert.equal(h.closed[0]!.code, "ETIMEDOUT");
    assert.match(h.closed[0]!.reason, /handshake timeout/);
    assert.equal(h.session.nextDeadline(), undefined);
    assert.equal(harness({ handshakeTimeout: 0 }).session.nextDeadline(), undefined);
  });

  test("bad options throw EINVAL", () => {
    assert.throws(() => harness({ maxBody: 1 << 24 }), { code: "EINVAL" });
    assert.throws(() => harness({ handshakeTimeout: -1 }), { code: "EINVAL" });
  });
});

describe("pomelo client session: refused and malformed answers close with a reason", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["code 501", answer({ code: 501 }), /expected code 200, got 501 \(client version refused\)/],
    ["code 500", answer({ code: 500 }), /expected code 200, got 500$/],
    ["not JSON", packet(1, "{nope"), /expected a JSON response/],
    ["not an object", packet(1, "null"), /expected a JSON object/],
    ["a bad dictionary", answer({ code: 200, sys: { dict: { a: 70000 } } }), /bad route dict/],
    ["DATA first", packet(4, new Uint8Array([0x06, 0x01, 0x61])), /expected a HANDSHAKE.*4/],
    ["an unknown type", new Uint8Array([9, 0, 0, 0]), /expected a HANDSHAKE.*type 9/],
  ];
  for (const [what, bytes, reason] of cases) {
    test(what, () => {
      const h = harness();
      h.session.open();
      h.session.feed(bytes, 0);
      assert.equal(h.session.state, "closed");
      assert.equal(h.closed.length, 1);
      assert.equal(h.closed[0]!.code, "EPROTO");
      assert.match(h.closed[0]!.reason, reason);
      assert.equal(h.written.length, 1, "no ACK");
      assert.equal(h.ready.length, 0);
    });
  }

  test("a packet above maxBody before the answer", () => {
    const h = harness({ maxBody: 100 });
    h.session.open();
    h.session.feed(new Uint8Array([1, 0, 0, 101]), 0);
    assert.equal(h.closed[0]!.code, "EPROTO");
    assert.match(h.closed[0]!.reason, /101 bytes/);
  });
});

describe("pomelo client session: heartbeats on a manual clock", () => {
  test("one heartbeat per interval on a fixed grid; any received byte counts as life", () => {
    const h = working(); // interval 1000 ms, handshake at t = 0
    assert.equal(h.session.nextDeadline(), 1000);
    h.session.tick(999);
    assert.equal(h.written.length, 0);
    h.session.tick(1003); // a late timer
    assert.deepEqual(h.written.map((b) => [...b]), [HEARTBEAT]);
    assert.equal(h.session.nextDeadline(), 2000, "on the grid, not 1000 after the late tick");
    h.session.feed(packet(3), 1500); // the server's heartbeat: life, no answer of its own
    assert.equal(h.written.length, 1);
    h.session.tick(2000);
    assert.equal(h.written.length, 2);
    assert.equal(h.session.nextDeadline(), 3000);
    h.session.tick(3000);
    assert.equal(h.session.nextDeadline(), 3500, "the timeout: 2 intervals after t = 1500");
    h.session.tick(3499);
    assert.equal(h.session.state, "working");
    h.session.tick(3500);
    assert.equal(h.session.state, "closed");
    assert.equal(h.closed[0]!.code, "ETIMEDOUT");
    assert.match(h.closed[0]!.reason, /heartbeat timeout.*2000 ms, none for 2000 ms/);
    assert.equal(h.written.length, 3, "nothing written on the timeout");
  });

  test("a stalled clock restarts the grid from now instead of a burst", () => {
    const h = working();
    h.session.feed(packet(3), 5500); // life arrives after a stall (a sleeping tab)
    h.session.tick(5600);
    assert.equal(h.written.length, 1);
    assert.equal(h.session.nextDeadline(), 6600);
  });

  test("a talking server never times out; the client keeps beating", () => {
    const h = working();
    for (let t = 0; t < 20_000; t += 100) {
      if (t % 700 === 0) h.session.feed(packet(4, new Uint8Array([0x06, 0x01, 0x61])), t);
      h.session.tick(t);
    }
    assert.equal(h.session.state, "working");
    assert.equal(h.written.filter((b) => b[0] === 3).length, 19);
  });

  test("heartbeat 0 (or none): no deadline, no heartbeats, no timeout", () => {
    const h = working({ heartbeat: 0 });
    assert.equal(h.session.nextDeadline(), undefined);
    h.session.tick(1e9);
    assert.equal(h.session.state, "working");
    assert.equal(h.written.length, 0);
  });
});

describe("pomelo client session: requests, notifies, responses, pushes", () => {
  test("requests and notifies: plain routes, base-128 ids, as pomelo-protocol reads them", () => {
    const h = working();
    h.session.request(1, "chat.say", te.encode('{"t":"héllo"}'));
    h.session.request(300, "chat.say", te.encode("{}"));
    h.session.notify("chat.ping", te.encode("{}"));
    assert.deepEqual([...h.written[0]!.subarray(0, 7)], [4, 0, 0, 25, 0x00, 0x01, 8]);
    assert.deepEqual([...h.written[1]!.subarray(4, 8)], [0x00, 0xac, 0x02, 8]);
    const m = h.written.map((b) => pomelo.Message.decode(decodePackage(b).body!));
    assert.deepEqual(
      m.map((x) => [x.id, x.type, x.compressRoute, x.route]),
      [[1, 0, 0, "chat.say"], [300, 0, 0, "chat.say"], [0, 1, 0, "chat.ping"]],
    );
    assert.equal(pomelo.strdecode(m[0]!.body), '{"t":"héllo"}');
  });

  test("routes in the server's dictionary are compressed when sending", () => {
    const h = working({ heartbeat: 1, dict: { "room.join": 1, "room.message": 2 } });
    h.session.request(5, "room.join", te.encode("{}"));
    h.session.notify("room.message", te.encode("{}"));
    h.session.notify("other", te.encode("{}"));
    assert.deepEqual([...h.written[0]!.subarray(4, 8)], [0x01, 5, 0, 1]); // request, compressed
    assert.deepEqual([...h.written[1]!.subarray(4, 7)], [0x03, 0, 2]); // notify, compressed
    const m = h.written.map((b) => pomelo.Message.decode(decodePackage(b).body!));
    assert.deepEqual(
      m.map((x) => [x.compressRoute, x.route]),
      [[1, 1], [1, 2], [0, "other"]],
    );
  });

  test("responses and pushes from pomelo-protocol, compressed and plain, in one chunk", () => {
    const h = working({ heartbeat: 1, dict: { onChat: 2 } });
    const body = (v: unknown) => pomelo.strencode(JSON.stringify(v));
    const Package = pomelo.Package;
    const Message = pomelo.Message;
    h.session.feed(
      new Uint8Array([
        ...Package.encode(4, Message.encode(300, 2, 0, null, body({ ok: "ü" }))),
        ...Package.encode(4, Message.encode(0, 3, 1, 2, body({ a: 1 }))),
        ...Package.encode(4, Message.encode(0, 3, 0, "onOther", body({ b: 2 }))),
      ]),
      0,
    );
    assert.deepEqual(h.responses, [{ id: 300, body: '{"ok":"ü"}', isError: false }]);
    assert.deepEqual(h.pushes, [
      { route: "onChat", body: '{"a":1}' },
      { route: "onOther", body: '{"b":2}' },
    ]);
  });

  test("a response flagged 0x20 is an error response; our encoder's bytes decode too", () => {
    const dict = new RouteDictionary({ onX: 9 });
    const h = working({ heartbeat: 1, dict: { onX: 9 } });
    const enc = new PomeloEncoder({ dictionary: dict });
    const body = te.encode('{"code":404}');
    h.session.feed(
      enc.encodeMessages([
        { type: MessageType.RESPONSE, id: 7, body, flags: 0x20 },
        { type: MessageType.PUSH, route: "onX", body },
      ]),
      0,
    );
    assert.deepEqual(h.responses, [{ id: 7, body: '{"code":404}', isError: true }]);
    assert.deepEqual(h.pushes, [{ route: "onX", body: '{"code":404}' }]);
    dict.dispose();
  });

  test("split across chunks: one byte per feed", () => {
    const h = working();
    const push = pomelo.Package.encode(
      4,
      pomelo.Message.encode(0, 3, 0, "p", pomelo.strencode("[1,2]")),
    );
    for (const b of [...push, ...push]) h.session.feed(new Uint8Array([b]), 0);
    assert.deepEqual(h.pushes.map((p) => p.body), ["[1,2]", "[1,2]"]);
  });

  test("sending before the handshake: ESTATE; a bad route: EINVAL, nothing written", () => {
    const h = harness();
    h.session.open();
    assert.throws(() => h.session.request(1, "a", new Uint8Array(0)), { code: "ESTATE" });
    const w = working();
    assert.throws(() => w.session.notify("r".repeat(256), new Uint8Array(0)), { code: "EINVAL" });
    assert.equal(w.written.length, 0);
    w.session.close();
    assert.throws(() => w.session.notify("a", new Uint8Array(0)), { code: "ESTATE" });
  });
});

describe("pomelo client session: kick", () => {
  test("KICK: the kick event with its reason, then close without an error code", () => {
    const h = working();
    h.session.feed(packet(5, '{"reason":"maintenance"}'), 0);
    assert.deepEqual(h.kicks, ["maintenance"]);
    assert.deepEqual(h.closed, [{ reason: "kicked: maintenance", code: undefined }]);
    assert.equal(h.session.state, "closed");
  });

  test("a kick before the answer; other kick bodies", () => {
    const h = harness();
    h.session.open();
    h.session.feed(packet(5, '{"code":1}'), 0);
    assert.deepEqual(h.kicks, ['{"code":1}']);
    assert.equal(h.session.state, "closed");
    const t = working();
    t.session.feed(packet(5, "go away"), 0);
    assert.deepEqual(t.kicks, ["go away"]);
  });

  test("the server session's kick bytes read back here", () => {
    const client = working();
    const server = new PomeloServerSession({
      write: (b) => client.session.feed(b, 0),
      message: () => {},
      close: () => {},
    }, { now: 0 });
    server.kick("over");
    assert.deepEqual(client.kicks, ["over"]);
  });
});

describe("pomelo client session: bad input after the handshake", () => {
  test("an unknown packet type", () => {
    const h = working();
    h.session.feed(new Uint8Array([9, 0, 0, 0]), 0);
    assert.equal(h.closed[0]!.code, "EPROTO");
    assert.match(h.closed[0]!.reason, /bad packet: type byte/);
  });

  test("an unknown route code, and a compressed route without a dictionary", () => {
    const a = working({ heartbeat: 1, dict: { a: 1 } });
    a.session.feed(packet(4, new Uint8Array([0x07, 0x00, 0x09])), 0);
    assert.match(a.closed[0]!.reason, /unknown route code/);
    const b = working();
    b.session.feed(packet(4, new Uint8Array([0x07, 0x00, 0x01])), 0);
    assert.equal(b.closed[0]!.code, "EPROTO");
  });

  test("a REQUEST or NOTIFY from a server", () => {
    for (const flag of [0x00, 0x02]) {
      const h = working();
      h.session.feed(packet(4, new Uint8Array([flag, 0x01, 0x01, 0x61])), 0);
      assert.equal(h.closed[0]!.code, "EPROTO");
      assert.match(h.closed[0]!.reason, /expected a RESPONSE or PUSH message/);
    }
  });

  test("a packet above maxBody", () => {
    const h = harness({ maxBody: 100 });
    h.session.open();
    h.session.feed(answer({ code: 200 }), 0);
    h.session.feed(new Uint8Array([4, 0, 0, 101]), 0);
    assert.equal(h.closed[0]!.code, "EPROTO");
  });

  test("messages before the bad packet are still delivered; nothing after it", () => {
    const h = working();
    const good = packet(4, new Uint8Array([0x06, 0x01, 0x61, 0x31]));
    h.session.feed(new Uint8Array([...good, 7, 0, 0, 0, ...good]), 0);
    assert.equal(h.pushes.length, 1);
    assert.equal(h.session.state, "closed");
    h.session.feed(good, 0);
    h.session.tick(1e9);
    assert.equal(h.pushes.length, 1);
    assert.equal(h.closed.length, 1);
  });
});

describe("pomelo client session: close", () => {
  test("close and ended are idempotent and write nothing", () => {
    const h = working();
    h.session.close();
    h.session.ended();
    h.session.close("again");
    assert.deepEqual(h.closed, [{ reason: "closed by the client", code: undefined }]);
    assert.equal(h.written.length, 0);
    assert.equal(h.session.closeReason, "closed by the client");
  });

  test("closed from inside an event: the rest of the chunk is ignored", () => {
    const routes: string[] = [];
    const session: PomeloClientSession = new PomeloClientSession(
      {
        write: () => {},
        response: () => {},
        push: (route) => {
          routes.push(route);
          session.close("enough");
        },
        close: () => {},
      },
      {},
      0,
    );
    session.open();
    const dict = { a: 1, b: 2 };
    const push = (code: number) => packet(4, new Uint8Array([0x07, 0, code, 0x31]));
    session.feed(
      new Uint8Array([...answer({ code: 200, sys: { dict } }), ...push(1), ...push(2)]),
      0,
    );
    assert.deepEqual(routes, ["a"]);
    assert.equal(session.closeReason, "enough");
  });
});
