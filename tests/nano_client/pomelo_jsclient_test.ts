// pomelo's official browser client (npm pomelo-jsclient-websocket 0.1.1, by NetEase; lonng/nano's
// web client starx-wsclient.js is a fork of it) against weft/nano. The scripts are loaded the way
// a page loads them — pomelo-protocol's browser build and the client, each evaluated with a
// `window` — and talk over the runtime's own WebSocket: the chat demo's flow as nano's web page
// does it, route compression from the handshake dictionary, heartbeats, error answers and kicks.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startChat } from "../../examples/chat/chat.ts";
import { App, type Session } from "../../src/nano.ts";

const require = createRequire(import.meta.url);
const PROTOCOL_JS = readFileSync(require.resolve("pomelo-protocol/lib/protocol.js"), "utf8");
const CLIENT_JS = readFileSync(require.resolve("pomelo-jsclient-websocket"), "utf8");
const DEADLINE_MS = 20_000;

/** The part of the client's API these tests use (component/emitter underneath). */
interface PomeloClient {
  init(params: { host: string; port: number }, cb: (socket: unknown) => void): void;
  request(route: string, msg: unknown, cb: (body: unknown) => void): void;
  notify(route: string, msg: unknown): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  disconnect(): void;
}

/**
 * A minimal component/emitter (what the page would load as `window.EventEmitter`): the client
 * is made with `Object.create(EventEmitter.prototype)`, so state lives on the instance.
 */
interface EmitterState {
  _callbacks?: Record<string, ((...args: unknown[]) => void)[]>;
}
function Emitter(): void {}
Emitter.prototype.on = function (this: EmitterState, event: string, fn: (...a: unknown[]) => void) {
  ((this._callbacks ??= {})[event] ??= []).push(fn);
  return this;
};
Emitter.prototype.emit = function (this: EmitterState, event: string, ...args: unknown[]) {
  for (const fn of [...(this._callbacks?.[event] ?? [])]) fn.apply(this, args);
  return this;
};
Emitter.prototype.removeAllListeners = function (this: EmitterState) {
  this._callbacks = {};
  return this;
};

/** The runtime's WebSocket, recording what the client sends (pomelo packets, one per send). */
function spyingWebSocket(sent: Uint8Array[]): typeof WebSocket {
  return class extends WebSocket {
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (data instanceof ArrayBuffer) sent.push(new Uint8Array(data.slice(0)));
      super.send(data);
    }
  };
}

/** Loads protocol.js and pomelo-client.js into a fresh `window`, as two script tags would. */
function loadClient(sent: Uint8Array[] = []): PomeloClient {
  const window: Record<string, unknown> = { EventEmitter: Emitter };
  // protocol.js: `(function (exports, ByteArray, global) {…})(typeof(window)=="undefined" ? … :
  // (this.Protocol = {}), …)` — with a window it is the browser build (Uint8Array, window.Protocol).
  new Function("window", "module", PROTOCOL_JS).call(window, window, { exports: {} });
  assert.equal(typeof (window.Protocol as { Package?: unknown })?.Package, "object");
  // The client ends with `module.exports = pomelo` (component's build wraps it that way).
  // It also logs every connect and socket: a quiet console keeps the test output readable.
  const quiet = { log() {}, error() {}, warn() {} };
  new Function("window", "WebSocket", "module", "console", CLIENT_JS)(
    window,
    spyingWebSocket(sent),
    { exports: {} },
    quiet,
  );
  return window.pomelo as PomeloClient;
}

/** Calls `fn` with a callback and resolves with what the callback gets, or fails at the deadline. */
function callback<T>(what: string, fn: (cb: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${what} within ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
    fn((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** A decoded JSON body (what these routes send: objects, or a string for the echo). */
// deno-lint-ignore no-explicit-any -- JSON from the wire, checked by the assertions that read it
type Body = any;

const request = (c: PomeloClient, route: string, msg: unknown) =>
  callback<Body>(`answer to ${route}`, (cb) => c.request(route, msg, (body) => cb(body as Body)));
const next = (c: PomeloClient, event: string) =>
  callback<Body>(`event ${event}`, (cb) => c.on(event, (body) => cb(body as Body)));

describe("pomelo-jsclient-websocket 0.1.1 (pomelo's browser client) against weft/nano", () => {
  test("the chat demo as nano's web page drives it: join, members, new user, messages", async () => {
    const chat = await startChat({ port: 0 });
    const port = Number(new URL(chat.ws).port);
    const alice = loadClient();
    const bob = loadClient();
    try {
      await callback("init", (cb) => alice.init({ host: "127.0.0.1", port }, cb));
      const aliceMembers = next(alice, "onMembers");
      assert.deepEqual(await request(alice, "room.join", {}), { code: 0, result: "success" });
      assert.deepEqual((await aliceMembers).members, []); // the others in the room, as nano's

      await callback("init", (cb) => bob.init({ host: "127.0.0.1", port }, cb));
      const newUser = next(alice, "onNewUser");
      const bobMembers = next(bob, "onMembers");
      assert.deepEqual(await request(bob, "room.join", {}), { code: 0, result: "success" });
      const members = await bobMembers;
      assert.equal(members.members.length, 1);
      assert.equal(members.users.length, 2);
      assert.equal(typeof (await newUser).content, "string");

      const atAlice = next(alice, "onMessage");
      const atBob = next(bob, "onMessage");
      bob.notify("room.message", { name: "bob", content: "hello from the old client" });
      const expected = { name: "bob", content: "hello from the old client" };
      assert.deepEqual(await atAlice, expected);
      assert.deepEqual(await atBob, expected);
    } finally {
      alice.disconnect();
      bob.disconnect();
      await chat.app.close({ timeout: 1_000 });
    }
  });

  describe("route dictionary, heartbeats, errors, kick", () => {
    let app: App;
    let port = 0;
    before(async () => {
      app = new App({
        port: 0,
        host: "127.0.0.1",
        heartbeatInterval: 400, // the client must answer: the server closes a silent one at 800 ms
        dictionary: ["t.echo", "onEcho"],
        logger: { error() {}, warn() {} },
      });
      app.handle("t.echo", (session: Session, payload: unknown) => {
        session.push("onEcho", payload); // a push whose route goes compressed
        return payload;
      });
      app.handle("t.kick", (session: Session) => void session.kick("enough for today"));
      port = (await app.listen()).port;
    });
    after(() => app.close({ timeout: 1_000 }));

    test("compressed routes both ways, and heartbeats keep the session past the timeout", async () => {
      const sent: Uint8Array[] = [];
      const client = loadClient(sent);
      let closed = false;
      client.on("close", () => (closed = true));
      try {
        await callback("init", (cb) => client.init({ host: "127.0.0.1", port }, cb));
        const pushed = next(client, "onEcho");
        assert.deepEqual(await request(client, "t.echo", { n: 1 }), { n: 1 });
        assert.deepEqual(await pushed, { n: 1 }); // its route came as a dictionary code
        // The request went with its route compressed: DATA packet, message flag REQUEST (0) with
        // the compress bit, then the id and the two-byte route code.
        const data = sent.filter((p) => p[0] === 4);
        assert.equal(data.length, 1);
        assert.equal(data[0]![4], 0x01, "request flag with the compressed-route bit");
        // Five heartbeat intervals, more than twice the timeout: still the same session.
        await new Promise((r) => setTimeout(r, 2_000));
        assert.equal(closed, false, "the server closed a client that answered its heartbeats");
        const heartbeats = sent.filter((p) => p[0] === 3).length;
        assert.ok(
          heartbeats >= 3,
          `the client sent ${heartbeats} heartbeats in 2 s (interval 400 ms)`,
        );
        assert.deepEqual(await request(client, "t.echo", { n: 2 }), { n: 2 });
      } finally {
        client.disconnect();
      }
    });

    test("an unknown route answers with an error body and keeps the connection", async () => {
      const client = loadClient();
      try {
        await callback("init", (cb) => client.init({ host: "127.0.0.1", port }, cb));
        const answer = await request(client, "t.nothing", {});
        assert.equal(typeof answer.code, "number");
        assert.ok(answer.code >= 400, `expected an error code, got ${JSON.stringify(answer)}`);
        assert.deepEqual(await request(client, "t.echo", "still here"), "still here");
      } finally {
        client.disconnect();
      }
    });

    test("a kick reaches the client as onKick with its reason, then the socket closes", async () => {
      const client = loadClient();
      await callback("init", (cb) => client.init({ host: "127.0.0.1", port }, cb));
      const kicked = next(client, "onKick");
      const closed = next(client, "close");
      client.request("t.kick", {}, () => {});
      assert.deepEqual(await kicked, { reason: "enough for today" });
      await closed;
    });
  });
});
