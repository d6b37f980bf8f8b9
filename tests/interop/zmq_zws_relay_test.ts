// The ZWS relay (zwsRelay, `weft zmq ws-relay`) in front of libzmq 4.3.4 (pyzmq's ws://
// transport, ThreadAuthenticator as the ZAP handler), driven by weft/zmq/browser sockets on the
// runtime's global WebSocket, which offer the token spellings a page must use (ZWS2.0-CURVE,
// ZWS2.0-PLAIN, ZWS2.0-NULL): CURVE DEALER ↔ ROUTER both ways through a relay that holds no keys
// (and whose target-side bytes never show the plaintext), PLAIN and NULL REQ ↔ REP, a key not
// allowed (handshake:error on the client), a mechanism mismatch (502 at the relay, the client
// retries), and libzmq going away closing the client's side.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { curveKeyPair, runtimeTransports, zwsRelay } from "../../src/zmq.ts";
import type { ByteStream, SocketEvent, Transport, WsRelayEvent } from "../../src/zmq.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { Dealer as PageDealer, Req as PageReq } from "../../src/zmq_browser.ts";
import type { Socket } from "../../src/zmq_browser.ts";
import {
  type PeerCommand,
  recordEvents,
  type SkippableContext,
  startZmqPeer,
  withPyzmqScope,
  type ZmqPeer,
} from "./_peers.ts";
import { texts, until, within } from "../_helpers.ts";

const AUTH_PEER = fileURLToPath(new URL("./peers/zmq_auth_peer.py", import.meta.url));
const CURVE_PEER = fileURLToPath(new URL("./curve_zap_peer.py", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const DENO = fileURLToPath(new URL("../../node_modules/deno/deno", import.meta.url));
const unhex = (frames: unknown) =>
  (frames as string[]).map((h) => new TextDecoder().decode(Buffer.from(h, "hex")));

/**
 * The runtime's transports, but every byte the relay reads from the target is kept (the
 * target's direction is unmasked, so a plaintext there would be readable as is).
 */
function tappedTransports(seen: Uint8Array[]) {
  const runtime = runtimeTransports();
  const tcp = runtime.get("tcp")!;
  const tapped: Transport = {
    scheme: "tcp",
    listen: (endpoint, accept, options) => tcp.listen(endpoint, accept, options),
    dial: async (endpoint, options) => {
      const stream: ByteStream = await tcp.dial(endpoint, options);
      const start = stream.start.bind(stream);
      stream.start = (handler) =>
        start({
          ...handler,
          alive: () => handler.alive?.(),
          data: (chunk) => {
            seen.push(chunk.slice());
            handler.data(chunk);
          },
          drain: () => handler.drain(),
          end: (error) => handler.end(error),
        });
      return stream;
    },
  };
  return createRegistry([tapped]);
}

function contains(chunks: Uint8Array[], text: string): boolean {
  return Buffer.concat(chunks).includes(Buffer.from(text));
}

/** Sockets, peers and relays of one test, released at its end. */
class Scope {
  readonly server = curveKeyPair();
  readonly client = curveKeyPair();
  readonly events: WsRelayEvent[] = [];
  #sockets: Socket[] = [];
  #peers: ZmqPeer[] = [];
  #relays: { close(): void; closed: Promise<void> }[] = [];

  page<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    return socket;
  }

  async peer(script: string | undefined, setup: PeerCommand[]): Promise<ZmqPeer> {
    const peer = await startZmqPeer(script ? { script } : {});
    this.#peers.push(peer);
    for (const step of setup) await peer.ok(step);
    return peer;
  }

  /** A libzmq CURVE server of `type` whose ZAP handler allows only `allow`. */
  curvePeer(type: string, allow: string, ...more: PeerCommand[]): Promise<ZmqPeer> {
    return this.peer(CURVE_PEER, [
      { op: "curve_auth", allow: [allow] },
      {
        op: "socket",
        type,
        options: { LINGER: 0, CURVE_SERVER: 1, CURVE_SECRETKEY: this.server.secretKey },
      },
      ...more,
    ]);
  }

  /** A libzmq PLAIN REP (user admin, password secret). */
  plainRep(): Promise<ZmqPeer> {
    return this.peer(AUTH_PEER, [
      { op: "auth", plain: { admin: "secret" } },
      { op: "socket", type: "REP", options: { LINGER: 0, PLAIN_SERVER: 1 } },
    ]);
  }

  /** A page's CURVE REQ with this scope's client key. */
  curveReq(): Socket {
    return this.page(
      new PageReq({
        linger: 0,
        curveServerKey: this.server.publicKey,
        curveSecretKey: this.client.secretKey,
      }),
    );
  }

  /** Binds the peer on ws:// and puts a relay in front of it; returns the relay's endpoint. */
  async relayTo(peer: ZmqPeer, seen?: Uint8Array[]): Promise<string> {
    const { endpoint } = await peer.ok({ op: "bind", endpoint: "ws://127.0.0.1:0/svc" });
    const relay = await zwsRelay({
      listen: "ws://127.0.0.1:0/page",
      target: String(endpoint),
      onEvent: (e) => this.events.push(e),
      ...(seen ? { transports: tappedTransports(seen) } : {}),
    });
    this.#relays.push(relay);
    return relay.endpoint;
  }

  async dispose(): Promise<void> {
    for (const s of this.#sockets.splice(0)) s.close();
    for (const r of this.#relays) r.close();
    await Promise.all(this.#relays.splice(0).map((r) => r.closed));
    await Promise.all(this.#peers.splice(0).map((p) => p.close()));
  }
}

const scenario = (t: SkippableContext, body: (s: Scope) => Promise<void>) =>
  withPyzmqScope(t, () => new Scope(), body);

const record = (socket: Socket): SocketEvent[] => recordEvents<SocketEvent>(socket);

describe("ZWS relay: token-spelled subprotocols to libzmq 4.3.4", () => {
  test("CURVE: DEALER (ZWS2.0-CURVE) ↔ relay without keys ↔ libzmq ROUTER, both ways", (t) =>
    scenario(t, async (s) => {
      const router = await s.curvePeer("ROUTER", s.client.publicKey);
      const fromLibzmq: Uint8Array[] = [];
      const url = await s.relayTo(router, fromLibzmq);
      const echo = router.ok({ op: "echo", count: 2, timeout: 20_000 });
      echo.catch(() => {}); // awaited below
      const dealer = s.page(
        new PageDealer({
          linger: 0,
          routingId: "page-1",
          curveServerKey: s.server.publicKey,
          curveSecretKey: s.client.secretKey,
        }),
      );
      dealer.connect(url);
      await dealer.send(["secret hello", "second frame"]);
      assert.deepEqual(texts(await within(dealer.receive(), "the echo")), [
        "secret hello",
        "second frame",
      ]);
      const big = "x".repeat(100_000);
      await dealer.send(big);
      assert.equal(texts(await within(dealer.receive(), "the large echo"))[0], big);
      const last = unhex((await echo).last);
      assert.deepEqual(last.slice(1), [big], "libzmq's ROUTER got the page's message");
      const open = s.events.find((e) => e.type === "open")!;
      assert.equal(open.protocol, "ZWS2.0-CURVE → ZWS2.0/CURVE");
      // What the relay read from libzmq: the upgrade, then CURVE boxes, never the plaintext
      // of the echoes (the NULL control below shows the same tap does see a plaintext).
      assert.ok(contains(fromLibzmq, "Sec-WebSocket-Protocol: ZWS2.0/CURVE"));
      assert.ok(contains(fromLibzmq, "WELCOME"), "the CURVE handshake went through it");
      assert.ok(!contains(fromLibzmq, "secret hello"), "the relay never saw the plaintext");
      assert.ok(!contains(fromLibzmq, "xxxxxxxx"), "nor the large message's");
    }));

  test("NULL control: the same tap shows the plaintext when no mechanism encrypts", (t) =>
    scenario(t, async (s) => {
      const rep = await s.peer(undefined, [{ op: "socket", type: "REP", options: { LINGER: 0 } }]);
      const fromLibzmq: Uint8Array[] = [];
      const url = await s.relayTo(rep, fromLibzmq);
      const echo = rep.ok({ op: "echo", count: 1, timeout: 20_000 });
      echo.catch(() => {});
      const req = s.page(new PageReq({ linger: 0 }));
      req.connect(url);
      await req.send("plain hello");
      assert.deepEqual(texts(await within(req.receive(), "the reply")), ["plain hello"]);
      await echo;
      assert.ok(contains(fromLibzmq, "plain hello"));
      // A page's NULL offer (ZWS2.0-NULL, ZWS2.0): libzmq takes ZWS2.0/NULL, the first.
      assert.equal(s.events.find((e) => e.type === "open")!.protocol, "ZWS2.0-NULL → ZWS2.0/NULL");
    }));

  test("PLAIN: REQ (ZWS2.0-PLAIN) logs in to libzmq's REP through the relay", (t) =>
    scenario(t, async (s) => {
      const rep = await s.plainRep();
      const url = await s.relayTo(rep);
      const echo = rep.ok({ op: "echo", count: 1, timeout: 20_000 });
      echo.catch(() => {});
      const req = s.page(
        new PageReq({ linger: 0, plainUsername: "admin", plainPassword: "secret" }),
      );
      req.connect(url);
      await req.send("login");
      assert.deepEqual(texts(await within(req.receive(), "the reply")), ["login"]);
      await echo;
      assert.equal(
        s.events.find((e) => e.type === "open")!.protocol,
        "ZWS2.0-PLAIN → ZWS2.0/PLAIN",
      );
    }));

  test("CURVE: a client key libzmq does not allow ends in handshake:error on the client", (t) =>
    scenario(t, async (s) => {
      const rep = await s.curvePeer("REP", curveKeyPair().publicKey, { op: "monitor" });
      const url = await s.relayTo(rep);
      const req = s.curveReq();
      const events = record(req);
      req.connect(url);
      await until(() => events.some((e) => e.type === "handshake:error"), "handshake:error");
      assert.match(
        events.find((e) => e.type === "handshake:error")!.reason!,
        /CURVE: the server refused the handshake: ERROR "400"/,
      );
      assert.ok(!events.some((e) => e.type === "handshake"));
      const failed = await rep.nextEvent({ name: ["HANDSHAKE_FAILED_AUTH"] });
      assert.ok(failed.event);
    }));

  test("mechanism mismatch: libzmq drops the upgrade, the relay answers 502, the client retries", (t) =>
    scenario(t, async (s) => {
      const rep = await s.plainRep();
      const url = await s.relayTo(rep);
      const req = s.curveReq();
      const events = record(req);
      req.connect(url);
      await until(() => events.some((e) => e.type === "connect:delay"), "connect:delay");
      await until(() => s.events.some((e) => e.type === "refused"), "the relay's refusal");
      assert.match(
        s.events.find((e) => e.type === "refused")!.reason!,
        /the target refused or could not be reached: .*WebSocket upgrade/,
      );
      assert.ok(!events.some((e) => e.type === "handshake"));
      assert.ok(!s.events.some((e) => e.type === "open"));
    }));

  test("libzmq going away closes the client's side of the pair", (t) =>
    scenario(t, async (s) => {
      const rep = await s.peer(undefined, [{ op: "socket", type: "REP", options: { LINGER: 0 } }]);
      const url = await s.relayTo(rep);
      const echo = rep.ok({ op: "echo", count: 1, timeout: 20_000 });
      echo.catch(() => {});
      const req = s.page(new PageReq({ linger: 0 }));
      const events = record(req);
      req.connect(url);
      await req.send("one");
      assert.deepEqual(texts(await within(req.receive(), "the reply")), ["one"]);
      await echo;
      await rep.ok({ op: "close" });
      await until(() => events.some((e) => e.type === "disconnect"), "the client's disconnect");
      await until(() => s.events.some((e) => e.type === "close"), "the relay's close event");
      assert.match(s.events.find((e) => e.type === "close")!.reason!, /the target side ended/);
    }));

  test("weft zmq ws-relay: a CURVE REQ reaches libzmq's REP through the command", (t) =>
    scenario(t, async (s) => {
      const rep = await s.curvePeer("REP", s.client.publicKey);
      const { endpoint } = await rep.ok({ op: "bind", endpoint: "ws://127.0.0.1:0/svc" });
      const child = spawn(DENO, [
        "run",
        "-A",
        MAIN,
        "zmq",
        "ws-relay",
        "--bind",
        "ws://127.0.0.1:0/page",
        "--connect",
        String(endpoint),
      ], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
      // Deno's node:child_process reports an exit status above 128 as a signal: take either.
      const exited = new Promise<number | string | null>((r) =>
        child.once("close", (code, signal) => r(code ?? signal))
      );
      try {
        await until(() => /bound ws:\/\/\S+ →/.test(stderr), "the relay's bound line");
        const url = /bound (ws:\/\/\S+) →/.exec(stderr)![1]!;
        const echo = rep.ok({ op: "echo", count: 1, timeout: 20_000 });
        echo.catch(() => {});
        const req = s.curveReq();
        req.connect(url);
        await req.send("via the command");
        assert.deepEqual(texts(await within(req.receive(), "the reply")), ["via the command"]);
        await echo;
        await until(
          () => /open ws:\/\/127\.0\.0\.1:\d+ \[ZWS2\.0-CURVE → ZWS2\.0\/CURVE\]/.test(stderr),
          "the open line",
        );
        child.kill("SIGINT");
        assert.ok([130, "SIGINT"].includes((await within(exited, "the exit"))!), stderr);
        // It stopped by itself: the pair was closed by the relay, not by the process dying.
        assert.match(stderr, /close ws:\/\/127\.0\.0\.1:\d+ \[[^\]]+\]: the relay closed/);
      } finally {
        child.kill("SIGKILL");
      }
    }));
});
