// CURVE (RFC 25/26) between weft and real libzmq 4.3.4 (pyzmq): both roles (weft as CURVE
// server and as client), both directions (weft binds, libzmq binds), REQ/REP, DEALER/ROUTER,
// PUSH/PULL and PUB/SUB (the SUBSCRIBE travels inside a MESSAGE box); a wrong server key, a
// client key the ZAP handler (pyzmq's ThreadAuthenticator with a certificate directory) does not
// allow, a mechanism mismatch, and a man in the middle flipping one byte of an encrypted frame.
// weft↔weft over ipc too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import {
  connect as netConnect,
  createServer,
  type Server,
  type Socket as NetSocket,
} from "node:net";
import type { AddressInfo } from "node:net";
import {
  type CurveKeyPair,
  curveKeyPair,
  Dealer,
  Pub,
  Pull,
  Push,
  Rep,
  Req,
  Router,
  Sub,
} from "../../src/zmq.ts";
import type { Socket, SocketEvent, SocketOptions } from "../../src/zmq.ts";
import {
  removeIpcFile,
  requirePeer,
  type SkippableContext,
  startZmqPeer,
  tempIpcPath,
  type ZmqPeer,
} from "./_peers.ts";
import { DEADLINE_MS, until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (s: string | Uint8Array) =>
  Buffer.from(typeof s === "string" ? enc.encode(s) : s).toString("hex");
const hexTexts = (frames: unknown): string[] =>
  (frames as string[]).map((h) => dec.decode(Buffer.from(h, "hex")));
const CURVE_PEER_SCRIPT = fileURLToPath(new URL("./curve_zap_peer.py", import.meta.url));

type Role = "weft is the CURVE server" | "weft is the CURVE client";
type Dir = "weft binds" | "libzmq binds";

/** Sockets and peers of one test, released at its end. */
class Scope {
  readonly server: CurveKeyPair = curveKeyPair();
  readonly client: CurveKeyPair = curveKeyPair();
  #sockets: Socket[] = [];
  #peers: ZmqPeer[] = [];
  #closers: Array<() => void | Promise<void>> = [];

  weft<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  /** weft's options for a role. */
  weftOptions(role: "server" | "client"): SocketOptions {
    return role === "server"
      ? { linger: 0, curveServer: true, curveSecretKey: this.server.secretKey }
      : {
        linger: 0,
        curveServerKey: this.server.publicKey,
        curveSecretKey: this.client.secretKey,
        curvePublicKey: this.client.publicKey,
      };
  }

  /** libzmq's socket options (ZMQ_CURVE_*) for a role, keys in Z85 as curve_keygen prints. */
  peerOptions(role: "server" | "client" | "null"): Record<string, unknown> {
    if (role === "null") return {};
    return role === "server" ? { CURVE_SERVER: 1, CURVE_SECRETKEY: this.server.secretKey } : {
      CURVE_SERVERKEY: this.server.publicKey,
      CURVE_SECRETKEY: this.client.secretKey,
      CURVE_PUBLICKEY: this.client.publicKey,
    };
  }

  async peer(
    type: string,
    options: Record<string, unknown>,
    auth?: { allow: string[] },
  ): Promise<ZmqPeer> {
    const peer = await startZmqPeer({ script: CURVE_PEER_SCRIPT });
    this.#peers.push(peer);
    if (auth) await peer.ok({ op: "curve_auth", allow: auth.allow });
    await peer.ok({ op: "socket", type, options: { LINGER: 0, ...options } });
    return peer;
  }

  async link(weft: Socket, peer: ZmqPeer, dir: Dir): Promise<void> {
    if (dir === "weft binds") {
      await weft.bind("tcp://127.0.0.1:0");
      await peer.ok({ op: "connect", endpoint: weft.lastEndpoint! });
    } else {
      const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      weft.connect(String(endpoint));
    }
  }

  onDispose(fn: () => void | Promise<void>): void {
    this.#closers.push(fn);
  }

  async dispose(): Promise<void> {
    for (const s of this.#sockets) s.close();
    for (const p of this.#peers) await p.close();
    for (const fn of this.#closers) await fn();
  }
}

async function withScope(
  t: SkippableContext,
  body: (scope: Scope) => Promise<void>,
): Promise<void> {
  if (!requirePeer(t, "python3-zmq")) return;
  const scope = new Scope();
  try {
    await body(scope);
  } finally {
    await scope.dispose();
  }
}

/** Runs `attempt` until it returns true (a slow-joiner loop), up to the test deadline. */
async function retry(attempt: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`not within ${DEADLINE_MS} ms: ${what}`);
  }
}

/** Collects a socket's events from now on. */
function recordEvents(socket: Socket): SocketEvent[] {
  const seen: SocketEvent[] = [];
  socket.events.on("*", (e) => seen.push(e));
  return seen;
}

// ── the success matrix ──────────────────────────────────────────────────────────────────────

interface Pairing {
  readonly weft: string;
  readonly peer: string;
  readonly make: (o: SocketOptions) => Socket;
  readonly exchange: (weft: Socket, peer: ZmqPeer) => Promise<void>;
}

const PAIRINGS: readonly Pairing[] = [
  {
    weft: "REQ",
    peer: "REP",
    make: (o) => new Req(o),
    exchange: async (req, peer) => {
      const echo = peer.ok({ op: "echo", count: 1 });
      await req.send("ping");
      assert.equal(dec.decode((await within(req.receive(), "REP's reply"))[0]), "ping");
      await echo;
    },
  },
  {
    weft: "REP",
    peer: "REQ",
    make: (o) => new Rep(o),
    exchange: async (rep, peer) => {
      await peer.ok({ op: "send", text: ["ping"] });
      const [request] = await within(rep.receive(), "REQ's request");
      await rep.send(["pong:" + dec.decode(request)]);
      const { frames } = await peer.ok({ op: "recv" });
      assert.deepEqual(hexTexts(frames), ["pong:ping"]);
    },
  },
  {
    weft: "DEALER",
    peer: "ROUTER",
    make: (o) => new Dealer(o),
    exchange: async (dealer, peer) => {
      const echo = peer.ok({ op: "echo", count: 1 });
      await dealer.send(["a", "b"]); // multipart: MORE rides inside the box
      const got = await within(dealer.receive(), "ROUTER's echo");
      assert.deepEqual(got.map((f) => dec.decode(f)), ["a", "b"]);
      await echo;
    },
  },
  {
    weft: "ROUTER",
    peer: "DEALER",
    make: (o) => new Router(o),
    exchange: async (router, peer) => {
      await peer.ok({ op: "send", text: ["hello", "there"] });
      const [id, ...rest] = await within(router.receive(), "DEALER's message");
      assert.deepEqual(rest.map((f) => dec.decode(f)), ["hello", "there"]);
      await router.send([id!, "back"]);
      const { frames } = await peer.ok({ op: "recv" });
      assert.deepEqual(hexTexts(frames), ["back"]);
    },
  },
  {
    weft: "PUSH",
    peer: "PULL",
    make: (o) => new Push(o),
    exchange: async (push, peer) => {
      await push.send(["x".repeat(70_000)]); // a long frame, well past one box's 64 KiB
      const { frames } = await peer.ok({ op: "recv" });
      assert.equal(hexTexts(frames)[0]!.length, 70_000);
    },
  },
  {
    weft: "PULL",
    peer: "PUSH",
    make: (o) => new Pull(o),
    exchange: async (pull, peer) => {
      await peer.ok({ op: "send", text: ["one", "two"] });
      const got = await within(pull.receive(), "PUSH's message");
      assert.deepEqual(got.map((f) => dec.decode(f)), ["one", "two"]);
    },
  },
  {
    weft: "PUB",
    peer: "SUB",
    make: (o) => new Pub(o),
    exchange: async (pub, peer) => {
      await peer.ok({ op: "subscribe", topic: hex("news") }); // SUBSCRIBE, boxed by libzmq
      let got: string[] = [];
      await retry(async () => {
        await pub.send(["news", "flash"]);
        const r = await peer.call({ op: "recv", timeout: 100 });
        if (r.ok) got = hexTexts(r.frames);
        return r.ok === true;
      }, "libzmq SUB receives after its encrypted SUBSCRIBE");
      assert.deepEqual(got, ["news", "flash"]);
    },
  },
  {
    weft: "SUB",
    peer: "PUB",
    make: (o) => new Sub({ ...o, receiveTimeout: 100 }),
    exchange: async (sub, peer) => {
      (sub as Sub).subscribe("news"); // SUBSCRIBE inside a MESSAGE box, flag 0x02
      let got: string[] = [];
      await retry(async () => {
        await peer.ok({ op: "send", text: ["news", "flash"] });
        const r = await sub.receive().catch(() => undefined);
        if (r) got = r.map((f) => dec.decode(f));
        return r !== undefined;
      }, "weft SUB receives after its encrypted SUBSCRIBE");
      assert.deepEqual(got, ["news", "flash"]);
    },
  },
];

describe("CURVE interop with libzmq 4.3 (pyzmq)", () => {
  PAIRINGS.forEach((p, i) => {
    for (const role of ["weft is the CURVE server", "weft is the CURVE client"] as Role[]) {
      // Alternate who binds so each role meets both directions across the pairings.
      const dir: Dir = (i + (role === "weft is the CURVE server" ? 0 : 1)) % 2 === 0
        ? "weft binds"
        : "libzmq binds";
      test(`weft ${p.weft} ↔ libzmq ${p.peer}, ${role}, ${dir}`, (t) =>
        withScope(t, async (s) => {
          const weftRole = role === "weft is the CURVE server" ? "server" : "client";
          const weft = s.weft(p.make(s.weftOptions(weftRole)));
          const events = recordEvents(weft);
          const peer = await s.peer(
            p.peer,
            s.peerOptions(weftRole === "server" ? "client" : "server"),
          );
          await s.link(weft, peer, dir);
          await p.exchange(weft, peer);
          assert.ok(events.some((e) => e.type === "handshake"), "a completed CURVE handshake");
          assert.ok(!events.some((e) => e.type === "handshake:error"));
        }));
    }
  });

  test("ZAP allow-list (ThreadAuthenticator, configure_curve(location=)): an allowed key gets in", (t) =>
    withScope(t, async (s) => {
      const peer = await s.peer("REP", s.peerOptions("server"), { allow: [s.client.publicKey] });
      const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      const req = s.weft(new Req(s.weftOptions("client")));
      req.connect(String(endpoint));
      const echo = peer.ok({ op: "echo", count: 1 });
      await req.send("let me in");
      assert.equal(dec.decode((await within(req.receive(), "reply"))[0]), "let me in");
      await echo;
    }));

  test("ZAP allow-list: a client key not on it gets ERROR 400 and a handshake:error naming it", (t) =>
    withScope(t, async (s) => {
      const someoneElse = curveKeyPair().publicKey;
      const peer = await s.peer("REP", s.peerOptions("server"), { allow: [someoneElse] });
      const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      const req = s.weft(new Req(s.weftOptions("client")));
      const events = recordEvents(req);
      req.connect(String(endpoint));
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      const failure = events.find((e) => e.type === "handshake:error")!;
      assert.match(failure.reason!, /CURVE: the server refused the handshake: ERROR "400"/);
      assert.ok(!events.some((e) => e.type === "handshake"));
    }));

  test("wrong server key, weft client: libzmq drops it at HELLO, weft never completes a handshake", (t) =>
    withScope(t, async (s) => {
      const peer = await s.peer("REP", s.peerOptions("server"));
      await peer.ok({ op: "monitor" });
      const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
      const req = s.weft(
        new Req({ ...s.weftOptions("client"), curveServerKey: curveKeyPair().publicKey }),
      );
      const events = recordEvents(req);
      req.connect(String(endpoint));
      const failed = await peer.nextEvent({ name: ["HANDSHAKE_FAILED_PROTOCOL"] });
      assert.equal(failed.event, "HANDSHAKE_FAILED_PROTOCOL");
      await until(() => events.some((e) => e.type === "disconnect"), "weft sees the drop");
      assert.ok(!events.some((e) => e.type === "handshake"), "no handshake completed");
      const r = await peer.call({ op: "recv", timeout: 50 });
      assert.equal(r.ok, false); // and nothing reached the server
    }));

  test("wrong server key, libzmq client: weft closes at HELLO with a named reason, sends no ERROR", (t) =>
    withScope(t, async (s) => {
      const rep = s.weft(new Rep(s.weftOptions("server")));
      const events = recordEvents(rep);
      await rep.bind("tcp://127.0.0.1:0");
      const wrong = curveKeyPair();
      const peer = await s.peer("REQ", {
        ...s.peerOptions("client"),
        CURVE_SERVERKEY: wrong.publicKey,
      });
      await peer.ok({ op: "connect", endpoint: rep.lastEndpoint! });
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      const failure = events.find((e) => e.type === "handshake:error")!;
      assert.match(failure.reason!, /CURVE: the HELLO box does not open/);
      assert.equal(failure.code, "EPROTO");
    }));

  for (const weftCurve of [true, false]) {
    test(`mechanism mismatch: weft ${weftCurve ? "CURVE" : "NULL"} vs libzmq ${weftCurve ? "NULL" : "CURVE"}`, (t) =>
      withScope(t, async (s) => {
        const rep = s.weft(new Rep(weftCurve ? s.weftOptions("server") : { linger: 0 }));
        const events = recordEvents(rep);
        await rep.bind("tcp://127.0.0.1:0");
        const peer = await s.peer(
          "REQ",
          weftCurve ? s.peerOptions("null") : s.peerOptions("client"),
        );
        await peer.ok({ op: "monitor" });
        await peer.ok({ op: "connect", endpoint: rep.lastEndpoint! });
        // libzmq reads our whole greeting first, sees the other mechanism and hangs up before
        // sending its own mechanism field: it reports the failure, weft sees the drop.
        const failed = await peer.nextEvent({ name: ["HANDSHAKE_FAILED_PROTOCOL"] });
        assert.equal(failed.event, "HANDSHAKE_FAILED_PROTOCOL");
        await until(
          () => events.some((e) => e.type === "disconnect" || e.type === "handshake:error"),
          "weft sees the connection end",
        );
        assert.ok(!events.some((e) => e.type === "handshake"));
      }));
  }

  test("man in the middle: one flipped byte of an encrypted frame from libzmq closes weft's connection", (t) =>
    withScope(t, async (s) => {
      const pull = s.weft(new Pull(s.weftOptions("server")));
      const events = recordEvents(pull);
      await pull.bind("tcp://127.0.0.1:0");
      const proxy = await FlipProxy.start(Number(new URL(pull.lastEndpoint!).port));
      s.onDispose(() => proxy.close());
      const peer = await s.peer("PUSH", s.peerOptions("client"));
      await peer.ok({ op: "connect", endpoint: `tcp://127.0.0.1:${proxy.port}` });
      await peer.ok({ op: "send", text: ["clean"] });
      assert.equal(dec.decode((await within(pull.receive(), "first message"))[0]), "clean");
      proxy.armed = true; // the next chunk up is one MESSAGE frame: flip its last byte
      await peer.ok({ op: "send", text: ["tampered"] });
      await until(() => events.some((e) => e.type === "disconnect"), "weft drops the connection");
      const drop = events.find((e) => e.type === "disconnect")!;
      assert.match(drop.reason!, /CURVE: MESSAGE box does not authenticate/);
      assert.equal(proxy.flipped, 1);
    }));
});

describe("CURVE weft ↔ weft", () => {
  test("DEALER/ROUTER over ipc, a mechanism mismatch, and a flipped byte through a tcp man in the middle", async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const path = tempIpcPath("curve");
    const router = new Router({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
    const dealer = new Dealer({
      linger: 0,
      curveServerKey: server.publicKey,
      curveSecretKey: client.secretKey,
    });
    try {
      await router.bind(`ipc://${path}`);
      dealer.connect(`ipc://${path}`);
      await dealer.send(["over", "ipc"]);
      const [id, ...body] = await within(router.receive(), "ROUTER over ipc");
      assert.deepEqual(body.map((f) => dec.decode(f)), ["over", "ipc"]);
      await router.send([id!, "ack"]);
      assert.equal(dec.decode((await within(dealer.receive(), "ack"))[0]), "ack");
    } finally {
      dealer.close();
      router.close();
      removeIpcFile(path);
    }

    // Mechanism mismatch, seen by weft itself: a named handshake:error on both sides.
    const nullRep = new Rep({ linger: 0 });
    const curveReq = new Req({
      linger: 0,
      curveServerKey: server.publicKey,
      curveSecretKey: client.secretKey,
    });
    try {
      const repEvents = recordEvents(nullRep);
      const reqEvents = recordEvents(curveReq);
      await nullRep.bind("tcp://127.0.0.1:0");
      curveReq.connect(nullRep.lastEndpoint!);
      const named = (events: SocketEvent[]) =>
        events.find((e) => e.type === "handshake:error" && /CURVE/.test(e.reason ?? ""));
      await until(() => named(repEvents) !== undefined, "NULL REP names the mismatch");
      await until(() => named(reqEvents) !== undefined, "CURVE REQ names the mismatch");
      assert.match(named(repEvents)!.reason!, /NULL/);
    } finally {
      curveReq.close();
      nullRep.close();
    }

    const pull = new Pull({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
    const push = new Push({
      linger: 0,
      curveServerKey: server.publicKey,
      curveSecretKey: client.secretKey,
    });
    let proxy: FlipProxy | undefined;
    try {
      const events = recordEvents(pull);
      await pull.bind("tcp://127.0.0.1:0");
      proxy = await FlipProxy.start(Number(new URL(pull.lastEndpoint!).port));
      push.connect(`tcp://127.0.0.1:${proxy.port}`);
      await push.send("clean");
      assert.equal(dec.decode((await within(pull.receive(), "clean"))[0]), "clean");
      proxy.armed = true;
      await push.send("tampered");
      await until(() => events.some((e) => e.type === "disconnect"), "the drop");
      assert.match(
        events.find((e) => e.type === "disconnect")!.reason!,
        /CURVE: MESSAGE box does not authenticate/,
      );
    } finally {
      push.close();
      pull.close();
      await proxy?.close();
    }
  });
});

/**
 * A loopback TCP proxy that forwards both ways untouched until `armed`, then flips the last
 * byte of the next chunk going up (client → server) — inside a MESSAGE box once the handshake
 * is over.
 */
class FlipProxy {
  armed = false;
  flipped = 0;
  readonly #server: Server;
  readonly #sockets = new Set<NetSocket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<FlipProxy> {
    const server = createServer();
    const proxy = new FlipProxy(server);
    server.on("connection", (down) => {
      const up = netConnect(targetPort, "127.0.0.1");
      proxy.#sockets.add(down).add(up);
      down.on("data", (chunk: Buffer) => {
        if (proxy.armed) {
          proxy.armed = false;
          proxy.flipped++;
          chunk = Buffer.from(chunk);
          chunk[chunk.length - 1]! ^= 0x01;
        }
        up.write(chunk);
      });
      up.on("data", (chunk: Buffer) => down.write(chunk));
      const end = () => {
        down.destroy();
        up.destroy();
      };
      down.on("close", end).on("error", end);
      up.on("close", end).on("error", end);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
