import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { create, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  App,
  type AppOptions,
  HandlerError,
  jsonSerializer,
  ManualClock,
  protobufSerializer,
  type Serializer,
  type Session,
} from "../../src/nano.ts";
import { RouteDictionary } from "../../src/codec/pomelo.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import { until, within } from "../_helpers.ts";
import { quietLogger, TestClient } from "./_client.ts";

const te = new TextEncoder();

async function serve(options: AppOptions = {}, setup?: (app: App) => void) {
  const logger = quietLogger();
  const app = new App({ port: 0, host: "127.0.0.1", logger, ...options });
  setup?.(app);
  const { port } = await app.listen();
  const clients: TestClient[] = [];
  const connect = async (kind: "tcp" | "ws" = "tcp", dict?: RouteDictionary) => {
    const c = kind === "tcp"
      ? await TestClient.tcp(port, dict)
      : await TestClient.ws(port, "/", dict);
    clients.push(c);
    assert.equal((await c.handshake()).code, 200);
    return c;
  };
  return {
    app,
    port,
    logger,
    connect,
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.close();
      await app.close({ timeout: 1000 });
    },
  };
}

describe("nano app: components", () => {
  test("routes from methods, name and nameFunc; lifecycle order", async () => {
    const calls: string[] = [];
    class Lobby {
      init() {
        calls.push("lobby.init");
      }
      afterInit() {
        calls.push("lobby.afterInit");
      }
      beforeShutdown() {
        calls.push("lobby.beforeShutdown");
      }
      shutdown() {
        calls.push("lobby.shutdown");
      }
      Enter() {
        return "in";
      }
      _private() {}
    }
    class Chat {
      init() {
        calls.push("chat.init");
      }
      afterInit() {
        calls.push("chat.afterInit");
      }
      beforeShutdown() {
        calls.push("chat.beforeShutdown");
      }
      shutdown() {
        calls.push("chat.shutdown");
      }
      Say() {
        return "said";
      }
    }
    const app = new App({ port: 0, host: "127.0.0.1", logger: quietLogger() });
    app.register(new Lobby());
    app.register(new Chat(), { name: "chat", nameFunc: (m) => m.toLowerCase() });
    assert.deepEqual(app.routes(), ["Lobby.Enter", "chat.say"]);
    assert.throws(
      () => app.register(new Chat(), { name: "chat", nameFunc: (m) => m.toLowerCase() }),
      /already/,
    );
    await app.listen();
    assert.deepEqual(calls, ["lobby.init", "chat.init", "lobby.afterInit", "chat.afterInit"]);
    calls.length = 0;
    await app.close();
    assert.deepEqual(calls, [
      "chat.beforeShutdown",
      "lobby.beforeShutdown",
      "chat.shutdown",
      "lobby.shutdown",
    ]);
  });
});

describe("nano app: groups", () => {
  test("broadcast encodes once and writes the same bytes; multicast; auto-leave on close", async () => {
    let encodes = 0;
    const json = jsonSerializer();
    const counting: Serializer = {
      name: "json",
      encode: (data, route, kind) => {
        if (kind === "push") encodes++;
        return json.encode(data, route, kind);
      },
      decode: (body, route, kind) => json.decode(body, route, kind),
    };
    const written = new Map<number, unknown[]>();
    await using s = await serve(
      { serializer: counting },
      (app) =>
        app.handle("room.join", (session: Session, p: { name: string }) => {
          session.bind(p.name);
          const original = session.write.bind(session);
          session.write = (bytes) => {
            written.set(session.id, [...(written.get(session.id) ?? []), bytes]);
            return original(bytes);
          };
          app.group("room").add(session);
          return app.group("room").count();
        }),
    );
    const [a, b, c] = [await s.connect(), await s.connect("ws"), await s.connect()];
    for (const [client, name] of [[a, "a"], [b, "b"], [c, "c"]] as const) {
      await client.request("room.join", { name });
    }
    const group = s.app.group("room");
    assert.equal(group.count(), 3);
    assert.deepEqual(group.uids(), ["a", "b", "c"]);
    assert.ok(group.contains("b"));
    assert.equal(group.broadcast("onChat", { text: "hi all" }), 3);
    assert.equal(encodes, 1);
    const buffers = [...written.values()].map((w) => w.at(-1));
    assert.equal(buffers.length, 3);
    assert.ok(buffers.every((x) => x === buffers[0])); // one buffer, shared
    for (const client of [a, b, c]) {
      assert.deepEqual(await client.push("onChat"), { text: "hi all" });
    }
    assert.equal(group.multicast("onChat", { text: "not b" }, (m) => m.uid !== "b"), 2);
    assert.deepEqual(await a.push("onChat"), { text: "not b" });
    assert.deepEqual(await c.push("onChat"), { text: "not b" });
    b.close();
    await until(() => group.count() === 2, "b leaves the group on close");
    assert.equal(group.contains("b"), false);
    assert.equal(group.leave(group.member("a")!), true);
    assert.deepEqual(group.members().map((m) => m.uid), ["c"]);
    group.leaveAll();
    assert.equal(group.count(), 0);
    group.close();
    assert.notEqual(s.app.group("room"), group); // a closed group is forgotten
  });

  test("route dictionary: compressed push routes and compressed client routes", async () => {
    const dictionary = { "room.join": 1, onChat: 2 };
    await using s = await serve(
      { dictionary },
      (app) =>
        app.handle("room.join", (session: Session) => {
          app.group("g").add(session);
          app.group("g").broadcast("onChat", { ok: 1 });
          return "joined";
        }),
    );
    const dict = new RouteDictionary(dictionary);
    const c = await s.connect("tcp", dict);
    assert.deepEqual((c.handshakeAnswer!.sys as { dict: unknown }).dict, dictionary);
    assert.equal((await c.request("room.join", {})).body, "joined");
    const p = await c.next((r) => r.message?.route === "onChat", "compressed push");
    assert.equal(p.message!.flags & 1, 1); // the route went as a code
    dict.dispose();
  });
});

describe("nano app: pipeline", () => {
  test("inbound middleware can reject, re-route, transform the body and the response", async () => {
    const seen: string[] = [];
    await using s = await serve({}, (app) => {
      app.handle("auth.login", (session: Session, p: { user: string }) => {
        session.bind(p.user);
        return "ok";
      });
      app.handle("echo.say", (_s: Session, p: unknown) => p);
      app.inbound(async (ctx, next) => {
        seen.push(`${ctx.type}:${ctx.route}`);
        if (ctx.session.uid === undefined && ctx.route !== "auth.login") {
          throw new HandlerError(401, "log in first");
        }
        if (ctx.route === "echo.shout") ctx.route = "echo.say";
        // reverse the raw body bytes of "rev" requests (a stand-in for decryption)
        if (ctx.route === "echo.say" && ctx.body[0] === 0x22 /* '"' */) {
          ctx.body = te.encode(
            JSON.stringify(new TextDecoder().decode(ctx.body).slice(1, -1).toUpperCase()),
          );
        }
        await next();
        if (ctx.route === "echo.say") ctx.response = { wrapped: ctx.response };
      });
      app.inbound((ctx, _next) => {
        if (ctx.route === "echo.say" && (ctx.body[0] === 0x5b)) {
          ctx.response = "short-circuit"; // no next(): the handler is skipped
          return;
        }
        return _next();
      });
    });
    const c = await s.connect();
    const denied = await c.request("echo.say", {});
    assert.deepEqual(denied.body, { code: 401, message: "log in first" });
    assert.equal((await c.request("auth.login", { user: "u" })).body, "ok");
    assert.deepEqual((await c.request("echo.shout", "hey")).body, { wrapped: "HEY" });
    assert.deepEqual((await c.request("echo.say", [1])).body, { wrapped: "short-circuit" });
    assert.ok(seen.includes("request:echo.shout"));
  });

  test("a middleware that skips next() without a response rejects with 403", async () => {
    await using s = await serve({}, (app) => {
      app.handle("x.y", () => "never");
      app.inbound(() => {});
    });
    const c = await s.connect();
    const r = await c.request("x.y", {});
    assert.equal((r.body as { code: number }).code, 403);
  });

  test("outbound middleware transforms data and bytes, or drops; order is kept", async () => {
    await using s = await serve({}, (app) => {
      app.handle("p.go", (session: Session) => {
        for (let i = 0; i < 5; i++) session.push("onN", { i });
        session.push("onSecret", { x: 1 });
        session.push("onDrop", {});
        return "done";
      });
      app.outbound(async (ctx, next) => {
        if (ctx.route === "onDrop") return; // dropped
        if (ctx.route === "onN") {
          await new Promise((r) => setTimeout(r, 5 - (ctx.data as { i: number }).i)); // async, varying
          ctx.data = { ...(ctx.data as object), stamped: true };
        }
        await next();
        if (ctx.route === "onSecret") ctx.body = te.encode('{"replaced":true}');
      });
    });
    const c = await s.connect();
    assert.equal((await c.request("p.go", {})).body, "done");
    for (let i = 0; i < 5; i++) assert.deepEqual(await c.push("onN"), { i, stamped: true });
    assert.deepEqual(await c.push("onSecret"), { replaced: true });
    await assert.rejects(c.push("onDrop", 200), /timed out/);
  });
});

describe("nano app: serializers", () => {
  test("protobuf bodies per route, with the JSON fallback; sys.serializer says protobuf", async () => {
    const file = create(FileDescriptorProtoSchema, {
      name: "chat.proto",
      package: "chat",
      syntax: "proto3",
      messageType: [
        { name: "Say", field: [{ name: "text", number: 1, type: 9, label: 1, jsonName: "text" }] },
        {
          name: "Said",
          field: [
            { name: "text", number: 1, type: 9, label: 1, jsonName: "text" },
            { name: "count", number: 2, type: 5, label: 1, jsonName: "count" },
          ],
        },
      ],
    });
    const registry = createFileRegistry(file, () => undefined);
    const Say = registry.getMessage("chat.Say")!;
    const Said = registry.getMessage("chat.Said")!;
    const serializer = protobufSerializer({
      routes: { "chat.say": { request: Say, response: Said }, onSaid: { push: Said } },
      fallback: "json",
    });
    await using s = await serve({ serializer }, (app) => {
      app.handle("chat.say", (session: Session, p: { text: string }) => {
        session.push("onSaid", { text: p.text, count: 1 });
        return { text: p.text.toUpperCase(), count: 2 };
      });
      app.handle("plain.json", (_s: Session, p: unknown) => p);
    });
    const c = await s.connect();
    assert.equal((c.handshakeAnswer!.sys as { serializer: string }).serializer, "protobuf");
    const r = await c.request(
      "chat.say",
      undefined,
      toBinary(Say, create(Say, { text: "hi" } as never)),
    );
    assert.equal(r.error, false);
    const said = fromBinary(Said, r.raw) as unknown as { text: string; count: number };
    assert.deepEqual([said.text, said.count], ["HI", 2]);
    const push = await c.next((p) => p.message?.route === "onSaid", "protobuf push");
    assert.equal((fromBinary(Said, push.body) as unknown as { count: number }).count, 1);
    assert.deepEqual((await c.request("plain.json", { a: 1 })).body, { a: 1 });
  });
});

describe("nano app: timers", () => {
  test("every/times/after/when on the app's (manual) clock, stopped on close", async () => {
    const clock = new ManualClock(1_000_000);
    const app = new App({
      port: 0,
      host: "127.0.0.1",
      clock,
      logger: quietLogger(),
      timerPrecision: 10,
    });
    await app.listen();
    let every = 0, times = 0, after = 0, when = 0;
    const t = app.every(100, () => every++);
    app.times(100, 2, () => times++);
    app.after(250, () => after++);
    app.when(() => every >= 3, () => when++);
    clock.advance(1000);
    assert.deepEqual([every, times, after, when], [10, 2, 1, 1]);
    t.stop();
    clock.advance(1000);
    assert.equal(every, 10);
    app.every(100, () => every++);
    const closing = app.close({ timeout: 10 });
    clock.advance(100); // lets the close's bounded waits finish on the manual clock
    await closing;
    clock.advance(1000);
    assert.equal(every <= 11, true);
  });
});

describe("nano app: graceful shutdown", () => {
  test("in-flight handlers finish and their responses arrive, then KICK 'server shutdown'", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const logger = quietLogger();
    const app = new App({ port: 0, host: "127.0.0.1", logger });
    let started = false;
    app.handle("work.slow", async () => {
      started = true;
      await gate;
      return "finished";
    });
    app.register({
      beforeShutdown: () => {
        order.push("beforeShutdown");
        release();
      },
      shutdown: () => order.push("shutdown"),
    } as object, { name: "hooks" });
    const { port } = await app.listen();
    const c = await TestClient.tcp(port);
    await c.handshake();
    const pending = c.request("work.slow", {});
    await until(() => started, "the handler runs");
    const closing = app.close({ reason: "maintenance", timeout: 3000 });
    assert.equal((await pending).body, "finished");
    assert.deepEqual(await c.kicked(), { reason: "maintenance" });
    await within(c.closed, "client closed");
    await closing;
    assert.deepEqual(order, ["beforeShutdown", "shutdown"]);
    // no longer accepting
    await assert.rejects(TestClient.tcp(port).then((x) => x.handshake()));
  });
});

describe("nano app: listening", () => {
  test("HTTP handler beside TCP and WebSocket on one port; wsPath; checkOrigin", async () => {
    await using s = await serve({
      wsPath: "/nano",
      checkOrigin: (origin) => origin === undefined || origin === "http://good.example",
      http: (req) =>
        req.path === "/index.html"
          ? { status: 200, headers: { "content-type": "text/html" }, body: "<h1>chat</h1>" }
          : { status: 404, body: "no" },
    }, (app) => app.handle("e.e", (_s: Session, p: unknown) => p));
    const page = await fetch(`http://127.0.0.1:${s.port}/index.html`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html");
    assert.equal(await page.text(), "<h1>chat</h1>");
    const missing = await fetch(`http://127.0.0.1:${s.port}/nope`);
    assert.equal(missing.status, 404);
    await missing.text();
    const ws = await TestClient.ws(s.port, "/nano");
    assert.equal((await ws.handshake()).code, 200);
    assert.deepEqual((await ws.request("e.e", { v: 1 })).body, { v: 1 });
    ws.close();
    await assert.rejects(TestClient.ws(s.port, "/other"));
    const tcp = await TestClient.tcp(s.port);
    assert.equal((await tcp.handshake()).code, 200);
    tcp.close();
    // the Origin decides: a good one upgrades (101), a bad one is refused (404)
    const status = async (origin: string) => {
      const tcp = defaultTransports(new InprocNamespace()).get("tcp")!;
      const stream = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${s.port}`));
      const head = new Promise<string>((resolve) => {
        let text = "";
        stream.start({
          data: (b) => {
            text += new TextDecoder().decode(b);
            if (text.includes("\r\n")) resolve(text.split("\r\n")[0]!);
          },
          drain() {},
          end: () => resolve(text),
        });
      });
      stream.write(te.encode(
        `GET /nano HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Origin: ${origin}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Sec-WebSocket-Version: 13\r\n\r\n`,
      ));
      const line = await within(head, "upgrade answer");
      stream.close(0);
      return line;
    };
    assert.match(await status("http://good.example"), /^HTTP\/1\.1 101 /);
    assert.match(await status("http://evil.example"), /^HTTP\/1\.1 404 /);
  });

  test("maxConnections refuses the extra connection; others carry on", async () => {
    await using s = await serve({ maxConnections: 2 }, (app) => app.handle("e.e", () => "ok"));
    const a = await s.connect();
    const b = await s.connect();
    const extra = await TestClient.tcp(s.port);
    await within(extra.closed, "extra connection closed");
    assert.equal((await a.request("e.e", {})).body, "ok");
    assert.equal((await b.request("e.e", {})).body, "ok");
  });

  test("a client exceeding the outbound limit is kicked with a reason; others carry on", async () => {
    let pushed = 0;
    await using s = await serve(
      { maxOutboundBytes: 64 * 1024, maxOutboundMessages: 100 },
      (app) => {
        app.handle("flood.me", (session: Session) => {
          const blob = "x".repeat(1000);
          // Synchronous: the transport cannot flush meanwhile, so its buffer (1 MiB) and then
          // ours (64 KiB) fill up and push() starts failing.
          while (session.push("onBlob", { blob }) && pushed < 100_000) pushed++;
          return pushed;
        });
        app.handle("e.e", () => "ok");
      },
    );
    const c = await s.connect();
    const other = await s.connect();
    void c.request("flood.me", {}).catch(() => {});
    assert.deepEqual(await c.kicked(10_000), { reason: "outbound queue overflow" });
    await within(c.closed, "slow client closed", 10_000);
    assert.ok(pushed > 0 && pushed < 100_000, `pushed ${pushed}`);
    assert.ok(pushed * 1000 < 4 * 1024 * 1024, `bounded by the limits (pushed ${pushed})`);
    assert.equal((await other.request("e.e", {})).body, "ok");
  });

  test("a WebSocket member flooded by group broadcasts (shared frames) is kicked too", async () => {
    let sent = 0;
    await using s = await serve(
      { maxOutboundBytes: 64 * 1024, maxOutboundMessages: 100 },
      (app) => {
        app.handle("flood.me", (session: Session) => {
          const room = app.group("flood");
          room.add(session);
          const blob = "x".repeat(1000);
          // Each broadcast shares one ws frame; its bytes still count against the session.
          while (room.broadcast("onBlob", { blob }) === 1 && sent < 100_000) sent++;
          return sent;
        });
        app.handle("e.e", () => "ok");
      },
    );
    const c = await s.connect("ws");
    const other = await s.connect("ws");
    void c.request("flood.me", {}).catch(() => {});
    assert.deepEqual(await c.kicked(10_000), { reason: "outbound queue overflow" });
    await within(c.closed, "slow client closed", 10_000);
    assert.ok(sent > 0 && sent < 100_000, `sent ${sent}`);
    assert.ok(sent * 1000 < 4 * 1024 * 1024, `bounded by the limits (sent ${sent})`);
    assert.equal(s.app.group("flood").count(), 0);
    assert.equal((await other.request("e.e", {})).body, "ok");
  });
});
