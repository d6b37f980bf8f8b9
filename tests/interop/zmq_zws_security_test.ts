// PLAIN and CURVE over ZWS 2.0 (ws://): weft ↔ weft and weft ↔ libzmq 4.3.4 (pyzmq, with
// ThreadAuthenticator as the ZAP handler): both roles, both directions, REQ/REP, DEALER/ROUTER
// and PUB/SUB (the subscription rides inside the mechanism's framing); a wrong password, a client
// key not allowed, the subprotocol each side negotiates (`ZWS2.0/PLAIN`, `ZWS2.0/CURVE`) and a
// mechanism mismatch refused at the upgrade; the ZAP request's address over ws.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { connect as netConnect } from "node:net";
import {
  allowList,
  curveKeyPair,
  Dealer,
  messageProperty,
  Pub,
  Rep,
  Req,
  Router,
  Sub,
} from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions, ZapRequest } from "../../src/zmq.ts";
import { Dealer as PageDealer, Req as PageReq } from "../../src/zmq_browser.ts";
import { BrowserWebSocketTransport } from "../../src/transport/browser/websocket.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import {
  recordEvents,
  type SkippableContext,
  startZmqPeer,
  withPyzmqScope,
  type ZmqPeer,
} from "./_peers.ts";
import { texts, until, within } from "../_helpers.ts";

const AUTH_PEER = fileURLToPath(new URL("./peers/zmq_auth_peer.py", import.meta.url));
const CURVE_PEER = fileURLToPath(new URL("./curve_zap_peer.py", import.meta.url));
const USERS = { admin: "secret" };
const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (s: string) => Buffer.from(enc.encode(s)).toString("hex");
const unhex = (frames: unknown) =>
  (frames as string[]).map((h) => dec.decode(Buffer.from(h, "hex")));

type Mech = "PLAIN" | "CURVE";
type Dir = "weft binds" | "libzmq binds";

/** Keys, sockets and peers of one test, released at its end. */
class Scope {
  readonly server = curveKeyPair();
  readonly client = curveKeyPair();
  #sockets: Socket[] = [];
  #peers: ZmqPeer[] = [];
  #path = 0;

  weft<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  /** weft's options for a mechanism and role. */
  weftOptions(mech: Mech, role: "server" | "client", extra: SocketOptions = {}): SocketOptions {
    if (mech === "PLAIN") {
      return role === "server"
        ? { linger: 0, plainServer: true, authenticate: allowList({ plain: USERS }), ...extra }
        : { linger: 0, plainUsername: "admin", plainPassword: "secret", ...extra };
    }
    return role === "server"
      ? {
        linger: 0,
        curveServer: true,
        curveSecretKey: this.server.secretKey,
        authenticate: allowList({ curve: [this.client.publicKey] }),
        ...extra,
      }
      : {
        linger: 0,
        curveServerKey: this.server.publicKey,
        curveSecretKey: this.client.secretKey,
        ...extra,
      };
  }

  /** libzmq's options for a mechanism and role. */
  peerOptions(mech: Mech, role: "server" | "client"): Record<string, unknown> {
    if (mech === "PLAIN") {
      return role === "server"
        ? { PLAIN_SERVER: 1 }
        : { PLAIN_USERNAME: "admin", PLAIN_PASSWORD: "secret" };
    }
    return role === "server" ? { CURVE_SERVER: 1, CURVE_SECRETKEY: this.server.secretKey } : {
      CURVE_SERVERKEY: this.server.publicKey,
      CURVE_SECRETKEY: this.client.secretKey,
      CURVE_PUBLICKEY: this.client.publicKey,
    };
  }

  /** A pyzmq peer; a server role starts ThreadAuthenticator (PLAIN users or CURVE keys). */
  async peer(
    mech: Mech,
    type: string,
    options: Record<string, unknown>,
    allowKeys?: string[],
  ): Promise<ZmqPeer> {
    const peer = await startZmqPeer({ script: mech === "PLAIN" ? AUTH_PEER : CURVE_PEER });
    this.#peers.push(peer);
    if (mech === "PLAIN" && options.PLAIN_SERVER) await peer.ok({ op: "auth", plain: USERS });
    if (mech === "CURVE" && allowKeys) await peer.ok({ op: "curve_auth", allow: allowKeys });
    await peer.ok({ op: "socket", type, options: { LINGER: 0, ...options } });
    await peer.ok({ op: "monitor" });
    return peer;
  }

  endpoint(): string {
    return `ws://127.0.0.1:0/sec${this.#path++}`;
  }

  async link(weft: Socket, peer: ZmqPeer, dir: Dir): Promise<void> {
    if (dir === "weft binds") {
      await weft.bind(this.endpoint());
      await peer.ok({ op: "connect", endpoint: weft.lastEndpoint! });
    } else {
      const { endpoint } = await peer.ok({ op: "bind", endpoint: this.endpoint() });
      weft.connect(String(endpoint));
    }
  }

  async dispose(): Promise<void> {
    for (const s of this.#sockets.splice(0)) s.close();
    await Promise.all(this.#peers.splice(0).map((p) => p.close()));
  }
}

const scenario = (t: SkippableContext, body: (s: Scope) => Promise<void>) =>
  withPyzmqScope(t, () => new Scope(), body);

const record = (socket: Socket): SocketEvent[] => recordEvents<SocketEvent>(socket);

/**
 * The subprotocol a ws listener picks for `offered`, or `<refused>`: a raw upgrade over
 * node:net, since a WebSocket API refuses `ZWS2.0/PLAIN` as a protocol name (`/` is no token).
 */
async function negotiated(url: string, offered: string[]): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const socket = netConnect(Number(port), hostname);
  try {
    const head = await within(
      new Promise<string>((resolve, reject) => {
        let text = "";
        socket.on("data", (chunk: Buffer) => {
          text += chunk.toString("latin1");
          if (text.includes("\r\n\r\n")) resolve(text);
        });
        socket.on("error", reject);
        socket.on("close", () => resolve(text));
        socket.write(
          `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${offered.join(", ")}\r\n\r\n`,
        );
      }),
      `upgrade offering ${offered.join(", ")}`,
    );
    if (!/^HTTP\/1\.1 101/.test(head)) return "<refused>";
    return /\r\nsec-websocket-protocol:\s*([^\r]*)/i.exec(head)?.[1]?.trim() ?? "<none>";
  } finally {
    socket.destroy();
  }
}

/** Sends `frames` from the peer until `sock` receives (slow joiner), returns what arrived. */
async function pumpInto(peer: ZmqPeer, frames: string[], sock: Socket): Promise<string[]> {
  const got = sock.receive();
  let done = false;
  got.then(() => (done = true), () => (done = true));
  const deadline = Date.now() + 10_000;
  while (!done && Date.now() < deadline) {
    await peer.ok({ op: "send", frames: frames.map(hex) });
    await new Promise((r) => setTimeout(r, 20));
  }
  return texts(await within(got, "the subscribed message"));
}

describe("PLAIN and CURVE over ZWS 2.0: weft ↔ libzmq 4.3.4", () => {
  for (const mech of ["PLAIN", "CURVE"] as Mech[]) {
    for (const weftRole of ["server", "client"] as const) {
      for (const dir of ["weft binds", "libzmq binds"] as Dir[]) {
        const peerRole = weftRole === "server" ? "client" : "server";
        test(`${mech}: weft REQ (${weftRole}) ↔ libzmq REP (${peerRole}) [${dir}]`, (t) =>
          scenario(t, async (s) => {
            const req = s.weft(new Req(s.weftOptions(mech, weftRole)));
            const events = record(req);
            const rep = await s.peer(
              mech,
              "REP",
              s.peerOptions(mech, peerRole),
              [s.client.publicKey],
            );
            await s.link(req, rep, dir);
            await req.send(["hello", mech]);
            const echoed = rep.ok({ op: "echo", timeout: 5000 });
            assert.deepEqual(texts(await within(req.receive(), "the echo")), ["hello", mech]);
            await echoed;
            assert.ok(events.some((e) => e.type === "handshake"));
            const ok = await rep.nextEvent({ name: "HANDSHAKE_SUCCEEDED" });
            assert.equal(ok.event, "HANDSHAKE_SUCCEEDED");
          }));

        test(`${mech}: libzmq DEALER (${peerRole}) → weft ROUTER (${weftRole}) [${dir}]`, (t) =>
          scenario(t, async (s) => {
            const router = s.weft(new Router(s.weftOptions(mech, weftRole)));
            const dealer = await s.peer(
              mech,
              "DEALER",
              { ...s.peerOptions(mech, peerRole), ROUTING_ID: "d1" },
              [s.client.publicKey],
            );
            await s.link(router, dealer, dir);
            await dealer.ok({ op: "send", frames: [hex("a"), hex("b".repeat(70_000))] });
            const [id, a, b] = await within(router.receive(), "DEALER's message");
            assert.equal(dec.decode(id), "d1");
            assert.equal(dec.decode(a), "a");
            assert.equal(b!.length, 70_000);
            if (weftRole === "server") {
              // The login reached the message: User-Id (PLAIN: the username; CURVE: the key).
              const expected = mech === "PLAIN" ? "admin" : s.client.publicKey;
              assert.equal(messageProperty(a!, "User-Id"), expected);
            }
            await router.send([id!, "back"]);
            const { frames } = await dealer.ok({ op: "recv", timeout: 5000 });
            assert.deepEqual(unhex(frames), ["back"]);
          }));
      }
    }

    test(`${mech}: weft SUB (client) ← libzmq PUB (server): the subscription travels secured`, (t) =>
      scenario(t, async (s) => {
        const pub = await s.peer(mech, "PUB", s.peerOptions(mech, "server"), [
          s.client.publicKey,
        ]);
        const sub = s.weft(new Sub(s.weftOptions(mech, "client")));
        sub.subscribe("news");
        await s.link(sub, pub, "libzmq binds");
        assert.deepEqual(await pumpInto(pub, ["news", "hi"], sub), ["news", "hi"]);
      }));

    test(`${mech}: libzmq SUB (client) ← weft PUB (server): libzmq's subscription arrives`, (t) =>
      scenario(t, async (s) => {
        const pub = s.weft(new Pub(s.weftOptions(mech, "server")));
        const sub = await s.peer(mech, "SUB", s.peerOptions(mech, "client"));
        await sub.ok({ op: "subscribe", topic: hex("news") });
        await s.link(pub, sub, "weft binds");
        const deadline = Date.now() + 10_000;
        let got: string[] | undefined;
        while (got === undefined && Date.now() < deadline) {
          await pub.send(["news", "flash"]);
          const r = await sub.call({ op: "recv", timeout: 50 });
          if (r.ok) got = unhex(r.frames);
        }
        assert.deepEqual(got, ["news", "flash"]);
      }));
  }

  test("PLAIN: wrong password from weft → libzmq refuses (ERROR 400), weft names it", (t) =>
    scenario(t, async (s) => {
      const rep = await s.peer("PLAIN", "REP", s.peerOptions("PLAIN", "server"));
      const req = s.weft(new Req({ ...s.weftOptions("PLAIN", "client"), plainPassword: "nope" }));
      const events = record(req);
      await s.link(req, rep, "libzmq binds");
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      assert.match(events.find((e) => e.type === "handshake:error")!.reason!, /400/);
      assert.ok(!events.some((e) => e.type === "handshake"));
    }));

  test("PLAIN: wrong password from libzmq → weft refuses with EACCES", (t) =>
    scenario(t, async (s) => {
      const rep = s.weft(new Rep(s.weftOptions("PLAIN", "server")));
      const events = record(rep);
      const req = await s.peer("PLAIN", "REQ", {
        PLAIN_USERNAME: "admin",
        PLAIN_PASSWORD: "nope",
      });
      await s.link(rep, req, "weft binds");
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      assert.equal(events.find((e) => e.type === "handshake:error")!.code, "EACCES");
      const failed = await req.nextEvent({
        name: ["HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL"],
      });
      assert.ok(failed.event);
    }));

  test("CURVE: a weft client key not on libzmq's allow-list gets ERROR 400", (t) =>
    scenario(t, async (s) => {
      const rep = await s.peer("CURVE", "REP", s.peerOptions("CURVE", "server"), [
        curveKeyPair().publicKey,
      ]);
      const req = s.weft(new Req(s.weftOptions("CURVE", "client")));
      const events = record(req);
      await s.link(req, rep, "libzmq binds");
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      assert.match(
        events.find((e) => e.type === "handshake:error")!.reason!,
        /CURVE: the server refused the handshake: ERROR "400"/,
      );
    }));

  test("CURVE: a libzmq client key not on weft's allow-list is refused", (t) =>
    scenario(t, async (s) => {
      const rep = s.weft(
        new Rep(
          s.weftOptions("CURVE", "server", {
            authenticate: allowList({ curve: [curveKeyPair().publicKey] }),
          }),
        ),
      );
      const events = record(rep);
      const req = await s.peer("CURVE", "REQ", s.peerOptions("CURVE", "client"));
      await s.link(rep, req, "weft binds");
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      assert.equal(events.find((e) => e.type === "handshake:error")!.code, "EACCES");
      const failed = await req.nextEvent({
        name: ["HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL"],
      });
      assert.ok(failed.event);
    }));

  test("subprotocols: libzmq picks ZWS2.0/PLAIN and ZWS2.0/CURVE for its mechanism, refuses others", (t) =>
    scenario(t, async (s) => {
      const plain = await s.peer("PLAIN", "REP", s.peerOptions("PLAIN", "server"));
      const curve = await s.peer("CURVE", "REP", s.peerOptions("CURVE", "server"));
      const p = String((await plain.ok({ op: "bind", endpoint: s.endpoint() })).endpoint);
      const c = String((await curve.ok({ op: "bind", endpoint: s.endpoint() })).endpoint);
      assert.equal(await negotiated(p, ["ZWS2.0/NULL", "ZWS2.0/PLAIN"]), "ZWS2.0/PLAIN");
      assert.equal(await negotiated(c, ["ZWS2.0/NULL", "ZWS2.0/CURVE"]), "ZWS2.0/CURVE");
      assert.equal(await negotiated(c, ["ZWS2.0/PLAIN"]), "<refused>");
      assert.equal(await negotiated(c, ["ZWS2.0"]), "<refused>");
    }));

  test("subprotocols: weft picks ZWS2.0/PLAIN and ZWS2.0/CURVE for its mechanism, refuses others", (t) =>
    scenario(t, async (s) => {
      const plain = s.weft(new Rep(s.weftOptions("PLAIN", "server")));
      const curve = s.weft(new Rep(s.weftOptions("CURVE", "server")));
      await plain.bind(s.endpoint());
      await curve.bind(s.endpoint());
      const p = plain.lastEndpoint!;
      const c = curve.lastEndpoint!;
      assert.equal(await negotiated(p, ["ZWS2.0/NULL", "ZWS2.0/PLAIN"]), "ZWS2.0/PLAIN");
      assert.equal(await negotiated(c, ["ZWS2.0/NULL", "ZWS2.0/CURVE"]), "ZWS2.0/CURVE");
      assert.equal(await negotiated(c, ["ZWS2.0/PLAIN"]), "<refused>");
      assert.equal(await negotiated(p, ["ZWS2.0"]), "<refused>");
    }));

  for (const weftMech of ["CURVE", "NULL"] as const) {
    test(`mechanism mismatch: weft ${weftMech} dialer vs libzmq ${weftMech === "CURVE" ? "PLAIN" : "CURVE"} listener never connects`, (t) =>
      scenario(t, async (s) => {
        const peerMech: Mech = weftMech === "CURVE" ? "PLAIN" : "CURVE";
        const rep = await s.peer(peerMech, "REP", s.peerOptions(peerMech, "server"));
        const opts = weftMech === "CURVE" ? s.weftOptions("CURVE", "client") : { linger: 0 };
        const req = s.weft(new Req(opts));
        const events = record(req);
        await s.link(req, rep, "libzmq binds");
        await until(() => events.some((e) => e.type === "connect:delay"), "the upgrade refused");
        assert.match(events.find((e) => e.type === "connect:delay")!.reason!, /upgrade/);
        assert.ok(!events.some((e) => e.type === "handshake"));
      }));
  }
});

describe("PLAIN and CURVE over ZWS 2.0: weft ↔ weft", () => {
  for (const mech of ["PLAIN", "CURVE"] as Mech[]) {
    test(`${mech}: DEALER ↔ ROUTER, the authenticator sees the ws peer's address`, async () => {
      const s = new Scope();
      const requests: ZapRequest[] = [];
      const inner = mech === "PLAIN"
        ? allowList({ plain: USERS })
        : allowList({ curve: [s.client.publicKey] });
      const router = s.weft(
        new Router(s.weftOptions(mech, "server", {
          authenticate: (r) => (requests.push(r), inner(r)),
          zapDomain: "web",
        })),
      );
      const dealer = s.weft(new Dealer(s.weftOptions(mech, "client", { routingId: "d9" })));
      try {
        await router.bind(s.endpoint());
        dealer.connect(router.lastEndpoint!);
        await dealer.send(["ping"]);
        const [id, body] = await within(router.receive(), "ROUTER receives");
        assert.equal(dec.decode(id), "d9");
        assert.equal(
          messageProperty(body!, "User-Id"),
          mech === "PLAIN" ? "admin" : s.client.publicKey,
        );
        await router.send([id!, "pong"]);
        assert.deepEqual(texts(await within(dealer.receive(), "reply")), ["pong"]);
        assert.equal(requests.length, 1);
        assert.equal(requests[0]!.address, "127.0.0.1");
        assert.equal(requests[0]!.domain, "web");
        assert.equal(requests[0]!.mechanism, mech);
        assert.equal(dec.decode(requests[0]!.routingId), "");
      } finally {
        await s.dispose();
      }
    });

    test(`${mech}: a refused client gets a handshake:error on both sides`, async () => {
      const s = new Scope();
      const router = s.weft(
        new Router(s.weftOptions(mech, "server", {
          authenticate: allowList(mech === "PLAIN" ? { plain: { admin: "other" } } : { curve: [] }),
        })),
      );
      const dealer = s.weft(new Dealer(s.weftOptions(mech, "client")));
      try {
        const serverEvents = record(router);
        const clientEvents = record(dealer);
        await router.bind(s.endpoint());
        dealer.connect(router.lastEndpoint!);
        await until(
          () => serverEvents.some((e) => e.type === "handshake:error"),
          "server handshake:error",
        );
        await until(
          () => clientEvents.some((e) => e.type === "handshake:error"),
          "client handshake:error",
        );
        assert.equal(serverEvents.find((e) => e.type === "handshake:error")!.code, "EACCES");
      } finally {
        await s.dispose();
      }
    });
  }

  test("CURVE: status 300 (temporary) closes without an ERROR, as libzmq", async () => {
    const s = new Scope();
    const router = s.weft(
      new Router(s.weftOptions("CURVE", "server", { authenticate: () => ({ status: 300 }) })),
    );
    const dealer = s.weft(new Dealer(s.weftOptions("CURVE", "client")));
    try {
      const serverEvents = record(router);
      const clientEvents = record(dealer);
      await router.bind(s.endpoint());
      dealer.connect(router.lastEndpoint!);
      await until(
        () => serverEvents.some((e) => e.type === "handshake:error"),
        "server handshake:error",
      );
      const refused = serverEvents.find((e) => e.type === "handshake:error")!;
      assert.equal(refused.code, "EACCES");
      assert.match(refused.reason!, /status 300/);
      await until(
        () => clientEvents.some((e) => e.type === "handshake:error" || e.type === "disconnect"),
        "the client sees the close",
      );
      assert.ok(!clientEvents.some((e) => /ERROR/.test(e.reason ?? "")), "no ERROR reached it");
    } finally {
      await s.dispose();
    }
  });

  test("weft/zmq/browser sockets (the global WebSocket) log in with the token spellings", async () => {
    const s = new Scope();
    const plain = s.weft(new Rep(s.weftOptions("PLAIN", "server")));
    const curve = s.weft(new Router(s.weftOptions("CURVE", "server")));
    const req = s.weft(new PageReq(s.weftOptions("PLAIN", "client")));
    const dealer = s.weft(new PageDealer(s.weftOptions("CURVE", "client")));
    try {
      await plain.bind(s.endpoint());
      await curve.bind(s.endpoint());
      req.connect(plain.lastEndpoint!); // offers ZWS2.0-PLAIN
      dealer.connect(curve.lastEndpoint!); // offers ZWS2.0-CURVE
      await req.send("login");
      const login = await within(plain.receive(), "PLAIN over ZWS2.0-PLAIN");
      assert.equal(messageProperty(login[0]!, "User-Id"), "admin");
      await plain.send(login);
      assert.deepEqual(texts(await within(req.receive(), "reply")), ["login"]);
      await dealer.send("sealed");
      const [, body] = await within(curve.receive(), "CURVE over ZWS2.0-CURVE");
      assert.equal(messageProperty(body!, "User-Id"), s.client.publicKey);
      // Without a token spelling a browser's WebSocket cannot offer libzmq's names at all.
      await assert.rejects(
        new BrowserWebSocketTransport("ws").dial(parseEndpoint(curve.lastEndpoint!), {
          protocols: ["ZWS2.0/CURVE"],
        }),
        { code: "EINVAL", message: /none of these has a token spelling/ },
      );
    } finally {
      await s.dispose();
    }
  });

  test("mechanism mismatch weft ↔ weft: a CURVE dialer is refused at a PLAIN listener's upgrade", async () => {
    const s = new Scope();
    const rep = s.weft(new Rep(s.weftOptions("PLAIN", "server")));
    const req = s.weft(new Req(s.weftOptions("CURVE", "client")));
    try {
      const events = record(req);
      const listener = record(rep);
      await rep.bind(s.endpoint());
      req.connect(rep.lastEndpoint!);
      await until(() => listener.some((e) => e.type === "accept:error"), "the refused upgrade");
      assert.match(
        listener.find((e) => e.type === "accept:error")!.reason!,
        /HTTP 400: no acceptable subprotocol among ZWS2.0\/CURVE/,
      );
      await until(() => events.some((e) => e.type === "connect:delay"), "the dialer's view");
      assert.match(events.find((e) => e.type === "connect:delay")!.reason!, /HTTP 400/);
      assert.ok(!events.some((e) => e.type === "handshake"));
    } finally {
      await s.dispose();
    }
  });
});
