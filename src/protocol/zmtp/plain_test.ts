// PLAIN at the byte level: two sessions wired back to back, the authenticator answering late or
// never, and malformed commands from a hand-driven peer.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ZmtpSession, type ZmtpSessionOptions } from "./session.ts";
import type { ZmtpPeer, ZmtpSessionError } from "./session.ts";
import { helloCommand, PlainClientMechanism, PlainServerMechanism } from "./plain.ts";
import { buildGreeting } from "./greeting.ts";
import { encodeCommand } from "./command.ts";
import type { ZapReply, ZapRequest } from "./zap.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const ZAP = { domain: "d", address: "127.0.0.1", routingId: new Uint8Array(0) };

interface End {
  session: ZmtpSession;
  log: string[];
  peer?: ZmtpPeer;
  error?: ZmtpSessionError;
  wire: Uint8Array[];
}

function end(options: ZmtpSessionOptions, deliver: (b: Uint8Array) => void): End {
  const e: End = { log: [], wire: [] } as unknown as End;
  e.session = new ZmtpSession(options, {
    write: (b) => {
      e.wire.push(b);
      deliver(b);
    },
    ready: (p) => {
      e.peer = p;
      e.log.push("ready");
    },
    message: (f) => e.log.push(`msg ${td.decode(f[0])}`),
    subscription: () => {},
    error: (err) => {
      e.error = err;
      e.log.push(`error ${err.code}`);
    },
  });
  return e;
}

/** A client and a server session joined by synchronous writes. */
function pair(authenticate: ZmtpSessionOptions["authenticate"], password = "pw") {
  // Each end writes into the other: declared first, assigned below.
  // deno-lint-ignore prefer-const
  let c!: End, s!: End;
  c = end({
    socketType: "REQ",
    asServer: false,
    mechanism: new PlainClientMechanism("ann", password),
  }, (b) => s.session.feed(b, 0));
  s = end({
    socketType: "REP",
    asServer: true,
    mechanism: new PlainServerMechanism(ZAP),
    ...(authenticate ? { authenticate } : {}),
  }, (b) => c.session.feed(b, 0));
  return { c, s };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("PLAIN session", () => {
  test("HELLO carries the credentials; User-Id and ZAP metadata reach the peer's properties", async () => {
    const asked: ZapRequest[] = [];
    const { c, s } = pair((r) => {
      asked.push(r);
      return { status: 200, userId: "ann!", metadata: new Map([["X-Role", te.encode("ops")]]) };
    });
    c.session.start(0);
    s.session.start(0);
    await tick();
    assert.deepEqual(c.log, ["ready"]);
    assert.deepEqual(s.log, ["ready"]);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.mechanism, "PLAIN");
    assert.deepEqual(asked[0]!.credentials.map((x) => td.decode(x)), ["ann", "pw"]);
    assert.equal(asked[0]!.domain, "d");
    assert.equal(td.decode(s.peer!.properties.get("user-id")), "ann!");
    assert.equal(td.decode(s.peer!.properties.get("x-role")), "ops");
    assert.equal(td.decode(s.peer!.properties.get("socket-type")), "REQ");
    // The greetings: mechanism PLAIN, as-server set by the server only (RFC 24).
    assert.equal(td.decode(c.wire[0]!.subarray(12, 17)), "PLAIN");
    assert.equal(c.wire[0]![32], 0);
    assert.equal(s.wire[0]![32], 1);
  });

  test("the handshake waits for a late answer; input meanwhile is held, then replayed in order", async () => {
    let answer!: (r: ZapReply) => void;
    const { c, s } = pair(() => new Promise<ZapReply>((r) => (answer = r)));
    c.session.start(0);
    s.session.start(0);
    await tick();
    assert.deepEqual(s.log, []);
    c.session.send([te.encode("early")]); // queued by the client until its READY
    c.session.flush();
    assert.equal(s.session.isReady, false);
    answer({ status: 200 });
    await tick();
    assert.deepEqual(s.log, ["ready", "msg early"]);
  });

  test("a refusal sends ERROR with the status code; both sides fail with EACCES", async () => {
    const { c, s } = pair(() => ({ status: 400, statusText: "no" }), "bad");
    c.session.start(0);
    s.session.start(0);
    await tick();
    assert.equal(s.error?.code, "EACCES");
    assert.match(s.error!.reason, /ZAP status 400: no/);
    assert.equal(c.error?.code, "EACCES");
    assert.match(c.error!.reason, /ERROR "400"/);
  });

  test("status 300 closes without ERROR (libzmq: temporary failure)", async () => {
    const { c, s } = pair(() => ({ status: 300 }));
    c.session.start(0);
    s.session.start(0);
    await tick();
    assert.equal(s.error?.code, "EACCES");
    assert.equal(c.error, undefined); // nothing was said: the client only sees the close
  });

  test("an authenticator that throws, rejects or answers nonsense counts as 500", async () => {
    for (
      const auth of [
        () => {
          throw new Error("boom");
        },
        () => Promise.reject(new Error("later boom")),
        () => ({ status: 201 }) as unknown as ZapReply,
      ]
    ) {
      const { c, s } = pair(auth);
      c.session.start(0);
      s.session.start(0);
      await tick();
      assert.match(s.error!.reason, /ZAP status 500: the authenticator/);
      assert.match(c.error!.reason, /ERROR "500"/);
    }
  });

  test("the handshake limit still applies while the authenticator thinks; its late answer is ignored", async () => {
    let answer!: (r: ZapReply) => void;
    // Each end writes into the other: declared first, assigned below.
    // deno-lint-ignore prefer-const
    let c!: End, s!: End;
    c = end({
      socketType: "DEALER",
      asServer: false,
      mechanism: new PlainClientMechanism("ann", "pw"),
    }, (b) => s.session.feed(b, 0));
    s = end({
      socketType: "ROUTER",
      asServer: true,
      handshakeIntervalMs: 100,
      mechanism: new PlainServerMechanism(ZAP),
      authenticate: () => new Promise<ZapReply>((r) => (answer = r)),
    }, (b) => c.session.feed(b, 0));
    c.session.start(0);
    s.session.start(0);
    s.session.tick(100);
    assert.equal(s.error?.code, "ETIMEDOUT");
    const wrote = s.wire.length;
    answer({ status: 200 });
    await tick();
    assert.equal(s.wire.length, wrote); // no WELCOME after the failure
    assert.deepEqual(s.log, ["error ETIMEDOUT"]);
  });
});

describe("PLAIN: malformed and unexpected commands close the connection", () => {
  /** A server session fed by hand: greeting, then the given command bodies. */
  function serverFed(...bodies: Uint8Array[]): End {
    const s = end({
      socketType: "REP",
      asServer: true,
      mechanism: new PlainServerMechanism(ZAP),
      authenticate: () => ({ status: 200 }),
    }, () => {});
    s.session.start(0);
    s.session.feed(buildGreeting({ mechanism: "PLAIN" }), 0);
    for (const body of bodies) s.session.feed(new Uint8Array([0x04, body.length, ...body]), 0);
    return s;
  }

  /** A client session fed by hand: the server's greeting, then `frame` (whole ZMTP frames). */
  function clientFed(frame: Uint8Array): End {
    const c = end({
      socketType: "REQ",
      asServer: false,
      mechanism: new PlainClientMechanism("a", "b"),
    }, () => {});
    c.session.start(0);
    c.session.feed(buildGreeting({ mechanism: "PLAIN" }), 0);
    c.session.feed(frame, 0);
    return c;
  }

  test("a HELLO whose password length does not match its size", () => {
    const hello = helloCommand("ann", "pw");
    const s = serverFed(new Uint8Array([...hello, 0x00]));
    assert.equal(s.error?.code, "EPROTO");
    assert.match(s.error!.reason, /malformed HELLO/);
  });

  test("INITIATE before HELLO; READY in place of HELLO", () => {
    assert.match(serverFed(encodeCommand("INITIATE")).error!.reason, /expected HELLO/);
    assert.match(serverFed(encodeCommand("READY")).error!.reason, /expected HELLO/);
  });

  test("a client given a WELCOME with data, or a HELLO (two clients)", () => {
    for (
      const [body, why] of [[encodeCommand("WELCOME", new Uint8Array([1])), /malformed WELCOME/], [
        helloCommand("x", "y"),
        /PLAIN client too/,
      ]] as const
    ) {
      const c = clientFed(new Uint8Array([0x04, body.length, ...body]));
      assert.equal(c.error?.code, "EPROTO");
      assert.match(c.error!.reason, why);
    }
  });

  test("a peer that floods while its login is pending is cut off", () => {
    const s = end({
      socketType: "REP",
      asServer: true,
      mechanism: new PlainServerMechanism(ZAP),
      authenticate: () => new Promise<ZapReply>(() => {}),
    }, () => {});
    s.session.start(0);
    s.session.feed(buildGreeting({ mechanism: "PLAIN" }), 0);
    const hello = helloCommand("a", "b");
    s.session.feed(new Uint8Array([0x04, hello.length, ...hello]), 0);
    const junk = new Uint8Array(9 + 70000);
    junk.set([0x06, 0, 0, 0, 0, 0, 1, 0x11, 0x70]); // one long command frame of 70000 octets
    s.session.feed(junk, 0);
    assert.match(s.error!.reason, /while its authentication was pending/);
  });

  test("libzmq 4.3.4's misspelt ERROR (^RROR) reads as a refusal", () => {
    const c = clientFed(new Uint8Array([4, 9, 0x5e, 0x52, 0x52, 0x4f, 0x52, 3, 0x34, 0x30, 0x30]));
    assert.equal(c.error?.code, "EACCES");
    assert.match(c.error!.reason, /ERROR "400"/);
  });
});
