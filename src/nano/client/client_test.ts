// Unit tests of the nano client against an in-memory pomelo server built on the codec (no
// sockets): handshake, ids, dictionary compression both ways, pushes, timeouts, heartbeats,
// kick, reconnect. The real-server tests are in tests/nano_client/.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Client, connect } from "./client.ts";

import {
  encodePacket,
  MessageType,
  PacketType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  RouteDictionary,
} from "../../codec/pomelo.ts";
import type { ClientConnection, ConnectionEvents, Connector } from "./connector.ts";
import { until, within } from "../../../tests/_helpers.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** What the fake server received: a non-DATA packet or a DATA message (body copied). */
type Received =
  | { kind: "packet"; type: number; body: Uint8Array }
  | { kind: "message"; message: PomeloMessage };

/** One accepted connection, seen from the server. */
class FakeConn {
  #events: ConnectionEvents;
  #decoder = new PomeloDecoder();
  #encoder = new PomeloEncoder();
  #dictionary: RouteDictionary | undefined;
  #received: Received[] = [];
  #waiters: Array<(r: Received) => void> = [];
  /** Every chunk the client wrote, in order. */
  readonly raw: Uint8Array[] = [];
  /** The client closed its side. */
  closedByClient = false;
  #ended = false;

  constructor(events: ConnectionEvents) {
    this.#events = events;
  }

  /** The client's side of this connection. */
  readonly client: ClientConnection = {
    send: (bytes) => {
      if (this.#ended) return;
      this.raw.push(bytes.slice());
      this.#decoder.feed(bytes, {
        packet: (type, body) => this.#push({ kind: "packet", type, body: body.slice() }),
        message: (m) => this.#push({ kind: "message", message: { ...m, body: m.body.slice() } }),
      });
    },
    close: () => {
      this.closedByClient = true;
      this.#end();
    },
  };

  #push(r: Received): void {
    const w = this.#waiters.shift();
    if (w) w(r);
    else this.#received.push(r);
  }

  #end(): void {
    this.#ended = true;
    this.#dictionary?.dispose();
  }

  /** The next thing the client sent (within 5 s). */
  next(): Promise<Received> {
    const r = this.#received.shift();
    if (r) return Promise.resolve(r);
    return within(new Promise((resolve) => this.#waiters.push(resolve)), "a client packet");
  }

  /** The next packet, asserting its type; returns its body. */
  async nextPacket(type: number): Promise<Uint8Array> {
    const r = await this.next();
    if (r.kind !== "packet" || r.type !== type) {
      throw new Error(`expected packet type ${type}, got ${JSON.stringify(r)}`);
    }
    return r.body;
  }

  /** The next DATA message. */
  async nextMessage(): Promise<PomeloMessage> {
    const r = await this.next();
    if (r.kind !== "message") throw new Error(`expected a DATA message, got packet ${r.type}`);
    return r.message;
  }

  /** Reads the client's handshake and answers it; `dict` also sets both codecs' dictionary. */
  async acceptHandshake(
    sys: Record<string, unknown> = {},
    dict?: Record<string, number>,
  ): Promise<Record<string, unknown>> {
    const hello = JSON.parse(fromUtf8.decode(await this.nextPacket(PacketType.HANDSHAKE)));
    if (dict) {
      this.#dictionary = new RouteDictionary(dict);
      this.#decoder = new PomeloDecoder({ dictionary: this.#dictionary });
      this.#encoder = new PomeloEncoder({ dictionary: this.#dictionary });
    }
    this.sendJSON(PacketType.HANDSHAKE, { code: 200, sys: { ...sys, ...(dict ? { dict } : {}) } });
    await this.nextPacket(PacketType.HANDSHAKE_ACK);
    return hello;
  }

  /** Sends raw bytes to the client. */
  send(bytes: Uint8Array): void {
    if (!this.#ended) this.#events.data(bytes);
  }

  /** Sends a packet whose body is JSON. */
  sendJSON(type: number, value: unknown): void {
    this.send(encodePacket(type as 1, utf8.encode(JSON.stringify(value))));
  }

  /** Encodes a message (JSON body) with this connection's dictionary. */
  encode(type: number, fields: { id?: number; route?: string; body: unknown }): Uint8Array {
    return this.#encoder.encodeMessage({
      type: type as 0,
      ...(fields.id === undefined ? {} : { id: fields.id }),
      ...(fields.route === undefined ? {} : { route: fields.route }),
      body: utf8.encode(JSON.stringify(fields.body)),
    });
  }

  /** Answers request `id` with a JSON body. */
  respond(id: number, body: unknown): void {
    this.send(this.encode(MessageType.RESPONSE, { id, body }));
  }

  /** Pushes a JSON body on `route`. */
  push(route: string, body: unknown): void {
    this.send(this.encode(MessageType.PUSH, { route, body }));
  }

  /** Drops the connection as a failing server would. */
  drop(): void {
    if (this.#ended) return;
    this.#end();
    this.#events.close();
  }
}

/** The fake server: hand its `connector` to the client, then take connections in order. */
class FakeServer {
  #conns: FakeConn[] = [];
  #waiters: Array<(c: FakeConn) => void> = [];
  /** Refuse new connections while true. */
  refusing = false;
  /** How many connections were opened. */
  opened = 0;

  /** The connector to pass in {@link ClientOptions.connector}. */
  readonly connector: Connector = (_url, events) => {
    if (this.refusing) return Promise.reject(new Error("refused"));
    this.opened++;
    const conn = new FakeConn(events);
    const w = this.#waiters.shift();
    if (w) w(conn);
    else this.#conns.push(conn);
    return Promise.resolve(conn.client);
  };

  /** The next connection (within 5 s). */
  next(): Promise<FakeConn> {
    const c = this.#conns.shift();
    if (c) return Promise.resolve(c);
    return within(new Promise((resolve) => this.#waiters.push(resolve)), "a connection");
  }
}

/** The JSON of a body. */
function json(body: Uint8Array): unknown {
  return JSON.parse(fromUtf8.decode(body));
}

async function pair(
  options: Parameters<typeof connect>[1] = {},
  sys: Record<string, unknown> = {},
  dict?: Record<string, number>,
): Promise<{ server: FakeServer; conn: FakeConn; client: Client; hello: Record<string, unknown> }> {
  const server = new FakeServer();
  const connecting = connect("ws://fake/", { connector: server.connector, ...options });
  const conn = await server.next();
  const hello = await conn.acceptHandshake(sys, dict);
  const client = await connecting;
  return { server, conn, client, hello };
}

describe("nano client (in-memory server)", () => {
  test("handshake sends sys.type/version and user, then ACK; info exposes the response", async () => {
    const { client, hello } = await pair({ user: { token: "t" } }, { heartbeat: 30, x: 1 });
    const sys = hello.sys as Record<string, unknown>;
    assert.equal(sys.type, "js-websocket");
    assert.equal(typeof sys.version, "string");
    assert.deepEqual(hello.user, { token: "t" });
    assert.equal(client.state, "open");
    assert.equal(client.handshake?.heartbeatMs, 30_000);
    assert.equal(client.handshake?.sys.x, 1);
    client.close();
    await client.closed;
  });

  test("requests get ids 1, 2, … (base-128) and resolve with their own response", async () => {
    const { conn, client } = await pair();
    const a = client.request("room.join", { n: 1 });
    const b = client.request("room.join", { n: 2 });
    const ma = await conn.nextMessage();
    const mb = await conn.nextMessage();
    assert.deepEqual([ma.type, ma.id, ma.route], [0, 1, "room.join"]);
    assert.deepEqual(json(mb.body), { n: 2 });
    assert.deepEqual([...conn.raw[2]!.subarray(0, 7)], [4, 0, 0, 19, 0x00, 0x01, 9]);
    conn.respond(2, { who: "b" });
    conn.respond(1, { who: "a" });
    assert.deepEqual(await a, { who: "a" });
    assert.deepEqual(await b, { who: "b" });
    client.close();
  });

  test("ids past 127 take two varint bytes", async () => {
    const { conn, client } = await pair({ requestTimeoutMs: 0 });
    const all: Promise<unknown>[] = [];
    for (let i = 1; i <= 300; i++) all.push(client.request("r", i).catch(() => undefined));
    let last;
    for (let i = 1; i <= 300; i++) last = await conn.nextMessage();
    assert.equal(last!.id, 300);
    // The last packet on the wire: DATA, flag 0, id 300 = AC 02, route "r".
    const bytes = conn.raw[conn.raw.length - 1]!;
    assert.deepEqual([...bytes.subarray(4, 9)], [0x00, 0xac, 0x02, 1, 0x72]);
    client.close();
    await Promise.all(all);
  });

  test("routes in the handshake dictionary are compressed both ways", async () => {
    const dict = { "room.join": 1, "room.message": 2, "onMessage": 3 };
    const { conn, client } = await pair({}, { heartbeat: 30 }, dict);
    client.notify("room.message", { content: "hi" });
    const m = await conn.nextMessage();
    assert.deepEqual([m.type, m.route], [1, "room.message"]);
    // notify, route compressed: flag 0x03, code 00 02.
    assert.deepEqual([...conn.raw[conn.raw.length - 1]!.subarray(4, 7)], [0x03, 0, 2]);
    client.notify("other.route", {});
    assert.equal((await conn.nextMessage()).route, "other.route");
    const got = new Promise((resolve) =>
      client.on("onMessage", (body, route) => resolve([body, route]))
    );
    conn.push("onMessage", { content: "yo" });
    assert.deepEqual(await got, [{ content: "yo" }, "onMessage"]);
    client.close();
  });

  test("packets split across chunks and several packets in one chunk", async () => {
    const { conn, client } = await pair();
    const seen: unknown[] = [];
    client.on("p", (body) => seen.push(body));
    const a = conn.encode(3, { route: "p", body: 1 });
    const b = conn.encode(3, { route: "p", body: 2 });
    const both = new Uint8Array([...a, ...b]);
    for (let i = 0; i < both.length; i++) conn.send(both.subarray(i, i + 1));
    conn.send(both);
    assert.deepEqual(seen, [1, 2, 1, 2]);
    client.close();
  });

  test("handshake response split and followed by a push in the same chunk", async () => {
    const server = new FakeServer();
    const connecting = connect("ws://fake/", { connector: server.connector });
    const conn = await server.next();
    await conn.nextPacket(1);
    const hs = encodePacket(1, utf8.encode(JSON.stringify({ code: 200, sys: { dict: { p: 7 } } })));
    // The push uses code 7, which only the handshake's dictionary explains.
    const push = new Uint8Array([4, 0, 0, 5, 0x07, 0, 7, 0x31, 0x32]);
    const seen: unknown[] = [];
    conn.send(hs.subarray(0, 3));
    conn.send(hs.subarray(3, 10));
    const rest = new Uint8Array([...hs.subarray(10), ...push]);
    conn.send(rest);
    const client = await connecting;
    // Code 7 decoded with the dictionary that arrived in the same chunk: no EPROTO.
    assert.equal(client.state, "open");
    client.on("p", (b) => seen.push(b));
    conn.push("p", 34);
    assert.deepEqual(seen, [34]);
    client.close();
  });

  test("an error response (flag 0x20) rejects with ServerError carrying the body", async () => {
    const { conn, client } = await pair();
    const p = client.request("room.nope", {});
    const m = await conn.nextMessage();
    const body = utf8.encode(JSON.stringify({ code: 404, message: "no handler" }));
    const enc = new PomeloEncoder();
    conn.send(enc.encodeMessage({ type: MessageType.RESPONSE, id: m.id, body, flags: 0x20 }));
    await assert.rejects(p, (e: Error & { code?: unknown; body?: unknown }) => {
      assert.equal(e.name, "ServerError");
      assert.equal(e.code, 404);
      assert.match(e.message, /room\.nope.*404.*no handler/);
      return true;
    });
    client.close();
  });

  test("request timeout rejects ETIMEDOUT and a late response is ignored", async () => {
    const { conn, client } = await pair();
    const p = client.request("slow", {}, { timeoutMs: 50 });
    const m = await conn.nextMessage();
    await assert.rejects(p, { code: "ETIMEDOUT" });
    conn.respond(m.id, { late: true });
    const q = client.request("fast", {});
    conn.respond((await conn.nextMessage()).id, { ok: 1 });
    assert.deepEqual(await q, { ok: 1 });
    client.close();
  });

  test("heartbeats: the client sends one every interval while the server beats", async () => {
    const { conn, client } = await pair({}, { heartbeat: 0.1 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      conn.send(encodePacket(3, new Uint8Array(0)));
      await conn.nextPacket(3);
    }
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 1000, `three heartbeats took ${took} ms`);
    assert.equal(client.state, "open");
    client.close();
  });

  test("heartbeats: a silent server is dropped after 2 × interval with ETIMEDOUT", async () => {
    const { conn, client } = await pair({}, { heartbeat: 0.1 });
    const pending = client.request("never", {}, { timeoutMs: 0 });
    await conn.nextMessage();
    await client.closed;
    assert.equal((client.closeError as { code?: string }).code, "ETIMEDOUT");
    assert.ok(conn.closedByClient);
    await assert.rejects(pending, { code: "ECLOSED" });
  });

  test("kick: onKick gets the reason, the client closes, pending requests reject", async () => {
    const { conn, client } = await pair();
    const reasons: string[] = [];
    client.onKick((r) => reasons.push(r));
    const closes: (Error | undefined)[] = [];
    client.onClose((e) => closes.push(e));
    const pending = client.request("x", {});
    await conn.nextMessage();
    conn.sendJSON(5, { reason: "bye" });
    await client.closed;
    assert.deepEqual(reasons, ["bye"]);
    assert.equal(closes.length, 1);
    assert.match(closes[0]!.message, /kicked.*bye/);
    await assert.rejects(pending, { code: "ECLOSED" });
    assert.throws(() => client.notify("x"), { code: "ECLOSED" });
  });

  test("handshake refused (501) rejects connect with EPROTO", async () => {
    const server = new FakeServer();
    const connecting = connect("ws://fake/", { connector: server.connector });
    const conn = await server.next();
    await conn.nextPacket(1);
    conn.sendJSON(1, { code: 501 });
    await assert.rejects(connecting, (e: Error & { code?: string }) => {
      assert.equal(e.code, "EPROTO");
      assert.match(e.message, /501/);
      return true;
    });
  });

  test("no handshake response: connect rejects ETIMEDOUT", async () => {
    const server = new FakeServer();
    const connecting = connect("ws://fake/", {
      connector: server.connector,
      handshakeTimeoutMs: 50,
    });
    await assert.rejects(connecting, { code: "ETIMEDOUT" });
    assert.ok((await server.next()).closedByClient);
  });

  test("garbage from the server closes with EPROTO", async () => {
    const { conn, client } = await pair();
    conn.send(new Uint8Array([9, 0, 0, 0]));
    await client.closed;
    assert.equal((client.closeError as { code?: string }).code, "EPROTO");
  });

  test("reconnect: a fresh handshake, requests sent before the loss reject, new ones work", async () => {
    const { server, conn, client } = await pair(
      {
        reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
      },
      {},
      { "a.b": 1 },
    );
    const disconnects: Error[] = [];
    const reconnects: number[] = [];
    client.onDisconnect((e) => disconnects.push(e));
    client.onReconnect((n) => reconnects.push(n));
    const pushes: unknown[] = [];
    client.on("onX", (b) => pushes.push(b));
    const lost = client.request("a.b", {});
    await conn.nextMessage();
    server.refusing = true;
    conn.drop();
    await assert.rejects(lost, { code: "ECLOSED" });
    assert.equal(client.state, "reconnecting");
    const queued = client.request("a.b", { again: true });
    await until(() => server.opened >= 1, "a refused attempt");
    server.refusing = false;
    const conn2 = await server.next();
    await conn2.acceptHandshake({}, { "a.b": 5 });
    const m = await conn2.nextMessage();
    assert.equal(m.id, 2); // ids keep counting across sessions
    assert.deepEqual([...conn2.raw[conn2.raw.length - 1]!.subarray(4, 8)], [0x01, 2, 0, 5]); // request, compressed, id 2, code 5
    conn2.respond(m.id, "ok");
    assert.equal(await queued, "ok");
    assert.equal(disconnects.length, 1);
    assert.equal(reconnects.length, 1);
    conn2.push("onX", 1);
    assert.deepEqual(pushes, [1]);
    client.close();
    assert.ok(conn2.closedByClient);
  });

  test("reconnect gives up after maxAttempts", async () => {
    const { server, conn, client } = await pair({
      reconnect: { initialDelayMs: 5, maxAttempts: 3 },
    });
    server.refusing = true;
    conn.drop();
    await client.closed;
    assert.match(client.closeError!.message, /gave up after 3/);
  });

  test("close() during reconnect stops it; close is idempotent", async () => {
    const { server, conn, client } = await pair({ reconnect: { initialDelayMs: 10_000 } });
    server.refusing = true;
    conn.drop();
    assert.equal(client.state, "reconnecting");
    const q = client.request("x", {});
    client.close();
    client.close();
    await client.closed;
    await assert.rejects(q, { code: "ECLOSED" });
    assert.equal(client.closeError, undefined);
  });

  test("a throwing push handler does not break the connection", async () => {
    const { conn, client } = await pair();
    const errors: unknown[] = [];
    const g = globalThis as { reportError?: (e: unknown) => void };
    const saved = g.reportError;
    g.reportError = (e) => errors.push(e);
    try {
      client.on("p", () => {
        throw new Error("boom");
      });
      const seen: unknown[] = [];
      client.on("p", (b) => seen.push(b));
      conn.push("p", 1);
      assert.deepEqual(seen, [1]);
      assert.equal(errors.length, 1);
      assert.equal(client.state, "open");
    } finally {
      if (saved) g.reportError = saved;
      else delete g.reportError;
    }
    client.close();
  });
});
