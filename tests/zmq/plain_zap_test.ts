// PLAIN and ZAP between weft sockets: tcp and ipc, the authenticate callback, the RFC 27 handler
// at inproc://zeromq.zap.01 (a user's REP speaking the raw frames, and serveZap), NULL with an
// authenticator, option misuse, and a greeting naming a mechanism nobody here speaks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import {
  allowList,
  defaultTransports,
  InprocNamespace,
  messageProperty,
  Pull,
  Push,
  Rep,
  Req,
  serveZap,
} from "../../src/zmq.ts";
import type { Socket, SocketEvent, ZapRequest } from "../../src/zmq.ts";
import { buildGreeting } from "../../src/protocol/zmtp/greeting.ts";
import { removeIpcFile, tempIpcPath } from "../interop/_peers.ts";
import { refuses, texts, within } from "../_helpers.ts";

const USERS = { ann: "s3cret" };

function firstEvent(sock: Socket, type: SocketEvent["type"]): Promise<SocketEvent> {
  return within(
    new Promise<SocketEvent>((resolve) => {
      const off = sock.events.on(type, (e) => {
        off();
        resolve(e);
      });
    }),
    `${type} event`,
  );
}

describe("PLAIN between weft sockets", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    test(`REQ/REP log in, User-Id on the request; a wrong password is refused on both sides [${transport}]`, async () => {
      const path = tempIpcPath("plain");
      const url = transport === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${path}`;
      await using rep = new Rep({
        linger: 0,
        plainServer: true,
        authenticate: allowList({ plain: USERS }),
      });
      await rep.bind(url);
      try {
        await using req = new Req({ linger: 0, plainUsername: "ann", plainPassword: "s3cret" });
        req.connect(rep.lastEndpoint!);
        await req.send("hi");
        const msg = await within(rep.receive(), "request");
        assert.equal(messageProperty(msg, "user-id"), "ann");
        await rep.send("ok");
        assert.deepEqual(texts(await within(req.receive(), "reply")), ["ok"]);

        await using bad = new Req({ linger: 0, plainUsername: "ann", plainPassword: "guess" });
        const serverSide = firstEvent(rep, "handshake:error");
        const clientSide = firstEvent(bad, "handshake:error");
        bad.connect(rep.lastEndpoint!);
        const [s, c] = await Promise.all([serverSide, clientSide]);
        assert.equal(s.code, "EACCES");
        assert.match(s.reason!, /wrong password for "ann"/);
        assert.equal(c.code, "EACCES");
        assert.match(c.reason!, /ERROR "400"/);
        // The logged-in peer carries on.
        await req.send("again");
        assert.deepEqual(texts(await within(rep.receive(), "second request")), ["again"]);
      } finally {
        removeIpcFile(path);
      }
    });
  }

  test("a PLAIN server with no authenticator refuses (500), as libzmq without a ZAP handler", async () => {
    const transports = defaultTransports(new InprocNamespace());
    await using pull = new Pull({ linger: 0, plainServer: true, transports });
    await pull.bind("tcp://127.0.0.1:0");
    await using push = new Push({ linger: 0, plainUsername: "a", plainPassword: "b", transports });
    const refused = firstEvent(pull, "handshake:error");
    push.connect(pull.lastEndpoint!);
    assert.match((await refused).reason!, /ZAP status 500: no authenticator/);
  });

  test("a NULL socket with an authenticator asks it (mechanism NULL) and can refuse", async () => {
    const asked: ZapRequest[] = [];
    await using pull = new Pull({
      linger: 0,
      zapDomain: "test",
      authenticate: (r) => {
        asked.push(r);
        return { status: asked.length === 1 ? 200 : 400, userId: "anyone" };
      },
    });
    await pull.bind("tcp://127.0.0.1:0");
    await using push = new Push({ linger: 0, routingId: "p" });
    push.connect(pull.lastEndpoint!);
    await push.send("x");
    const msg = await within(pull.receive(), "NULL message");
    assert.equal(messageProperty(msg, "User-Id"), "anyone");
    assert.equal(asked[0]!.mechanism, "NULL");
    assert.equal(asked[0]!.domain, "test");
    assert.equal(asked[0]!.address, "127.0.0.1");
    assert.deepEqual(asked[0]!.credentials, []);
    await using other = new Push({ linger: 0 });
    const refused = firstEvent(other, "handshake:error");
    other.connect(pull.lastEndpoint!);
    assert.match((await refused).reason!, /refused our NULL handshake: ERROR "400"/);
  });
});

describe("ZAP handler at inproc://zeromq.zap.01 (RFC 27)", () => {
  test("a user's REP answering raw RFC 27 frames checks a PLAIN login", async () => {
    const transports = defaultTransports(new InprocNamespace());
    await using zap = new Rep({ linger: 0, transports, routingId: "zap" });
    await zap.bind("inproc://zeromq.zap.01");
    await using pull = new Pull({ linger: 0, plainServer: true, routingId: "srv", transports });
    await pull.bind("tcp://127.0.0.1:0");
    await using push = new Push({
      linger: 0,
      plainUsername: "ann",
      plainPassword: "pw",
      transports,
    });
    push.connect(pull.lastEndpoint!);
    const request = texts(await within(zap.receive(), "ZAP request"));
    // version, request id, domain, address, identity (the server's own routing id), mechanism, credentials
    assert.equal(request.length, 8);
    assert.equal(request[0], "1.0");
    assert.deepEqual(request.slice(2), ["", "127.0.0.1", "srv", "PLAIN", "ann", "pw"]);
    const metadata = new Uint8Array([
      6,
      ...new TextEncoder().encode("X-Team"),
      0,
      0,
      0,
      2,
      0x6f,
      0x70,
    ]);
    await zap.send(["1.0", request[1]!, "200", "OK", "ann@zap", metadata]);
    await push.send("in");
    const msg = await within(pull.receive(), "message");
    assert.equal(messageProperty(msg, "User-Id"), "ann@zap");
    assert.equal(messageProperty(msg, "X-Team"), "op");
  });

  test("serveZap answers with a callback; the callback option wins over it", async () => {
    const transports = defaultTransports(new InprocNamespace());
    await using zap = await serveZap(allowList({ plain: USERS }), { transports });
    await using pull = new Pull({ linger: 0, plainServer: true, transports });
    await pull.bind("tcp://127.0.0.1:0");
    await using push = new Push({
      linger: 0,
      plainUsername: "ann",
      plainPassword: "s3cret",
      transports,
    });
    push.connect(pull.lastEndpoint!);
    await push.send("via handler");
    assert.deepEqual(texts(await within(pull.receive(), "message")), ["via handler"]);
    await using own = new Pull({
      linger: 0,
      plainServer: true,
      transports,
      authenticate: () => ({ status: 400, statusText: "callback says no" }),
    });
    await own.bind("tcp://127.0.0.1:0");
    await using push2 = new Push({
      linger: 0,
      plainUsername: "ann",
      plainPassword: "s3cret",
      transports,
    });
    const refused = firstEvent(own, "handshake:error");
    push2.connect(own.lastEndpoint!);
    assert.match((await refused).reason!, /callback says no/);
    assert.equal(zap.endpoint, "inproc://zeromq.zap.01");
  });
});

describe("security option misuse", () => {
  test("typed errors for contradictions, long credentials and a non-function authenticator", async () => {
    await refuses(
      () => new Rep({ plainServer: true, plainUsername: "x" }),
      "EINVAL",
      /PLAIN server .* or a PLAIN client/,
    );
    await refuses(() => new Req({ plainPassword: "x" }), "EINVAL", /expected plainUsername too/);
    await refuses(() => new Req({ plainUsername: "u".repeat(256) }), "EINVAL", /at most 255 bytes/);
    await refuses(
      () => new Rep({ authenticate: "yes" as unknown as () => { status: 200 } }),
      "EINVAL",
      /expected a function/,
    );
    await using req = new Req({ plainUsername: "ann", linger: 0 });
    assert.throws(() => (req.plainServer = true), { code: "EINVAL" });
    assert.equal(req.plainServer, false); // unchanged after the refusal
    req.plainUsername = null;
    req.plainServer = true;
    assert.equal(req.plainServer, true);
  });
});

test("a greeting naming a mechanism nobody here speaks is refused with the name", async () => {
  await using rep = new Rep({
    linger: 0,
    plainServer: true,
    authenticate: () => ({ status: 200 }),
  });
  const refused = firstEvent(rep, "handshake:error");
  await rep.bind("tcp://127.0.0.1:0");
  const port = Number(rep.lastEndpoint!.split(":").pop());
  const raw = connect(port, "127.0.0.1");
  try {
    raw.write(buildGreeting({ mechanism: "GSSAPI" }));
    const e = await refused;
    assert.equal(e.code, "EPROTO");
    assert.match(e.reason!, /mechanism mismatch: we use PLAIN, the peer uses "GSSAPI"/);
  } finally {
    raw.destroy();
  }
});
