// CurveZMQ against the reference handshake (tests/zmq/curve_vector.json, computed with
// libsodium 1.0.18 in libzmq 4.3's layouts from fixed keys, nonces and cookie key): weft's
// client and server, given the same random bytes, must produce every command byte for byte —
// HELLO, WELCOME, INITIATE, READY, MESSAGE both ways and an encrypted PING — and each must
// accept the other's reference bytes.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { CurveClientMechanism } from "../../src/protocol/zmtp/curve/client.ts";
import { CurveServerMechanism } from "../../src/protocol/zmtp/curve/server.ts";
import { publicKeyOf } from "../../src/protocol/zmtp/curve/box.ts";
import { beforenm, precompute } from "../../src/protocol/zmtp/curve/box.ts";
import { parseCommand, pingCommand } from "../../src/protocol/zmtp/command.ts";
import type { MechanismHost, MechanismStep } from "../../src/protocol/zmtp/mechanism.ts";
import { ZmtpFlag } from "../../src/codec/zmtp.ts";
import { nativeX25519, nobleX25519, type X25519 } from "../../src/protocol/zmtp/curve/x25519.ts";
import { hex, toHex as spacedHex } from "../_helpers.ts";

const toHex = (b: Uint8Array): string => spacedHex(b).replaceAll(" ", "");

const vector = JSON.parse(
  readFileSync(new URL("./curve_vector.json", import.meta.url), "utf8"),
);
const bodies =
  vector["commands_body_hex (ZMTP command frame bodies; frame header = 0x04,len or 0x06,len64)"];
const expected = {
  hello: bodies["HELLO_client_nonce_1"] as string,
  welcome: bodies["WELCOME"] as string,
  initiate: bodies["INITIATE_client_nonce_2_meta_DEALER"] as string,
  ready: bodies["READY_server_nonce_1_meta_ROUTER"] as string,
  clientMessage: bodies[
    "MESSAGE_client_nonce_3_flags_0_payload_hello (sent as plain ZMTP message frame, flags 0x00)"
  ] as string,
  serverMessage: bodies["MESSAGE_server_nonce_2_flags_1_empty (MORE inside the box)"] as string,
  ping: bodies["MESSAGE_client_nonce_4_command_flag_PING_ttl10"] as string,
};
const te = new TextEncoder();

/** A random source that hands out fixed chunks in order, checking the sizes asked for. */
function fixedRandom(chunks: string[]): (n: number) => Uint8Array {
  const queue = chunks.map(hex);
  return (n) => {
    const next = queue.shift();
    assert.ok(next, `an unexpected request for ${n} random bytes`);
    assert.equal(next.length, n, "random bytes drawn in another order or size");
    return next;
  };
}

/** The vector's metadata: the DEALER sends Socket-Type and Identity, the ROUTER Socket-Type. */
function host(type: string, sent: Uint8Array[]): MechanismHost {
  return {
    sendCommand: (b) => sent.push(b),
    metadata: type === "DEALER"
      ? [["Socket-Type", te.encode(type)], ["Identity", new Uint8Array(0)]]
      : [["Socket-Type", te.encode(type)]],
    validate: () => null,
  };
}

/** Runs a step's asynchronous X25519 work through (as the session does). */
async function settled(step: MechanismStep | void): Promise<MechanismStep | void> {
  while (step && step.kind === "pending") step = (await step.next)();
  return step;
}

/** Feeds a command body (name-len name data) to a mechanism; a ZAP question is answered 200. */
async function feed(
  m: CurveClientMechanism | CurveServerMechanism,
  body: Uint8Array,
  h: MechanismHost,
): Promise<MechanismStep> {
  const cmd = parseCommand(body);
  assert.ok(cmd);
  let step = (await settled(m.handshakeCommand(cmd.name, cmd.data, h)))!;
  while (step.kind === "authenticate") step = (await settled(step.resume({ status: 200 })))!;
  return step;
}

/** The X25519 implementations under test: the vector must come out of each, byte for byte. */
const native = await nativeX25519();
const ENGINES: ReadonlyArray<readonly [string, X25519 | undefined]> = [
  ["@noble/curves", nobleX25519],
  ["WebCrypto", native],
];
let x25519: X25519 = nobleX25519;

function client(): CurveClientMechanism {
  return new CurveClientMechanism({
    serverKey: hex(vector.long_term.server_public),
    publicKey: hex(vector.long_term.client_public),
    secretKey: hex(vector.long_term.client_secret),
    random: fixedRandom([vector.transient.client_secret, vector.vouch_long_nonce]),
    x25519,
  });
}

function server(): CurveServerMechanism {
  return new CurveServerMechanism({
    secretKey: hex(vector.long_term.server_secret),
    random: fixedRandom([
      vector.transient.server_secret,
      vector.cookie_key,
      vector.cookie_long_nonce,
      vector.welcome_long_nonce,
    ]),
    x25519,
  });
}

for (const [engine, x] of ENGINES) {
  describe(`CurveZMQ reference vector (libsodium, libzmq layouts), X25519 from ${engine}`, {
    skip: x === undefined && !process.env.CI ? `this runtime has no WebCrypto X25519` : false,
  }, () => {
    test("the engine is there (Deno and Bun both have WebCrypto X25519)", () => {
      assert.ok(x, `expected ${engine} X25519 on this runtime`);
      x25519 = x;
    });

    test("the keys of the vector are X25519 pairs and beforenm matches", async () => {
      const transient = vector.transient;
      assert.equal(
        toHex(await x25519.publicKey(hex(transient.client_secret))),
        transient.client_public,
      );
      assert.equal(
        toHex(await x25519.publicKey(hex(transient.server_secret))),
        transient.server_public,
      );
      assert.equal(
        toHex(await precompute(x25519, hex(transient.server_public), hex(transient.client_secret))),
        transient.precomputed_key_beforenm,
      );
      assert.equal(
        toHex(await precompute(x25519, hex(transient.client_public), hex(transient.server_secret))),
        transient.precomputed_key_beforenm,
      );
      // The synchronous @noble/curves forms (public keys of option keys, tests) agree.
      assert.equal(
        toHex(publicKeyOf(hex(vector.transient.client_secret))),
        vector.transient.client_public,
      );
      assert.equal(
        toHex(publicKeyOf(hex(vector.transient.server_secret))),
        vector.transient.server_public,
      );
      assert.equal(
        toHex(beforenm(hex(vector.transient.server_public), hex(vector.transient.client_secret))),
        vector.transient.precomputed_key_beforenm,
      );
      assert.equal(
        toHex(beforenm(hex(vector.transient.client_public), hex(vector.transient.server_secret))),
        vector.transient.precomputed_key_beforenm,
      );
    });

    test("weft's client and server reproduce every command byte for byte", async () => {
      const c = client();
      const s = server();
      const fromClient: Uint8Array[] = [];
      const fromServer: Uint8Array[] = [];
      const ch = host("DEALER", fromClient);
      const sh = host("ROUTER", fromServer);
      await settled(c.start(ch));
      await settled(s.start(sh));
      assert.equal(toHex(fromClient[0]!), expected.hello);
      assert.equal((await feed(s, fromClient[0]!, sh)).kind, "continue");
      assert.equal(toHex(fromServer[0]!), expected.welcome);
      assert.equal((await feed(c, fromServer[0]!, ch)).kind, "continue");
      assert.equal(toHex(fromClient[1]!), expected.initiate);
      const serverReady = await feed(s, fromClient[1]!, sh);
      assert.equal(serverReady.kind, "ready");
      assert.equal(toHex(fromServer[1]!), expected.ready);
      const clientReady = await feed(c, fromServer[1]!, ch);
      assert.equal(clientReady.kind, "ready");
      assert.ok(serverReady.kind === "ready" && clientReady.kind === "ready");
      assert.equal(new TextDecoder().decode(serverReady.properties.get("socket-type")), "DEALER");
      assert.equal(new TextDecoder().decode(clientReady.properties.get("socket-type")), "ROUTER");

      const msg = c.transform!.encode({ flags: 0, body: te.encode("hello") });
      assert.equal(msg.flags, 0); // a plain message frame on the wire, as libzmq sends it
      assert.equal(toHex(msg.body), expected.clientMessage);
      const back = s.transform!.encode({ flags: ZmtpFlag.MORE, body: new Uint8Array(0) });
      assert.equal(toHex(back.body), expected.serverMessage);
      const ping = c.transform!.encode({ flags: ZmtpFlag.COMMAND, body: pingCommand(10) });
      assert.equal(toHex(ping.body), expected.ping);

      // And each side opens the other's.
      const hello = s.transform!.decode(msg);
      assert.ok(typeof hello !== "string");
      assert.equal(new TextDecoder().decode(hello.body), "hello");
      assert.equal(hello.flags, 0);
      const more = c.transform!.decode(back);
      assert.ok(typeof more !== "string");
      assert.equal(more.flags, ZmtpFlag.MORE);
      const pinged = s.transform!.decode(ping);
      assert.ok(typeof pinged !== "string");
      assert.equal(pinged.flags, ZmtpFlag.COMMAND);
      assert.deepEqual(pinged.body, pingCommand(10));
    });

    test("the server accepts the reference client's bytes and the client the reference server's", async () => {
      const s = server();
      const sent: Uint8Array[] = [];
      const sh = host("ROUTER", sent);
      assert.equal((await feed(s, hex(expected.hello), sh)).kind, "continue");
      assert.equal((await feed(s, hex(expected.initiate), sh)).kind, "ready");
      const opened = s.transform!.decode({ flags: 0, body: hex(expected.clientMessage) });
      assert.ok(typeof opened !== "string");
      assert.equal(new TextDecoder().decode(opened.body), "hello");

      const c = client();
      const ch = host("DEALER", []);
      await settled(c.start(ch));
      assert.equal((await feed(c, hex(expected.welcome), ch)).kind, "continue");
      assert.equal((await feed(c, hex(expected.ready), ch)).kind, "ready");
      const more = c.transform!.decode({ flags: 0, body: hex(expected.serverMessage) });
      assert.ok(typeof more !== "string");
      assert.equal(more.flags, ZmtpFlag.MORE);
    });

    test("a replayed, reordered or altered MESSAGE closes with a named reason", async () => {
      const s = server();
      const sh = host("ROUTER", []);
      await feed(s, hex(expected.hello), sh);
      await feed(s, hex(expected.initiate), sh);
      const ping = hex(expected.ping); // nonce 4
      assert.ok(typeof s.transform!.decode({ flags: 0, body: ping }) !== "string");
      // nonce 3 after 4: out of order
      assert.match(
        s.transform!.decode({ flags: 0, body: hex(expected.clientMessage) }) as string,
        /not above the last one \(4\): replayed or reordered/,
      );
      assert.match(s.transform!.decode({ flags: 0, body: ping }) as string, /replayed/);

      const s2 = server();
      await feed(s2, hex(expected.hello), sh);
      await feed(s2, hex(expected.initiate), sh);
      const flipped = hex(expected.clientMessage);
      flipped[flipped.length - 1]! ^= 0x01;
      assert.match(
        s2.transform!.decode({ flags: 0, body: flipped }) as string,
        /does not authenticate/,
      );
      assert.match(
        s2.transform!.decode({ flags: 0, body: hex("0450494e47") }) as string,
        /expected a MESSAGE/,
      );
    });

    test("a replayed INITIATE cookie on another connection is refused (fresh cookie key each time)", async () => {
      const s = new CurveServerMechanism({ secretKey: hex(vector.long_term.server_secret) });
      const sh = host("ROUTER", []);
      assert.equal((await feed(s, hex(expected.hello), sh)).kind, "continue");
      const step = await feed(s, hex(expected.initiate), sh);
      assert.equal(step.kind, "error");
      assert.match((step as { reason: string }).reason, /cookie is not the one we sent/);
    });

    test("a refused client key gets ERROR with the status code; the client reports it", async () => {
      const s = server();
      const sh = host("ROUTER", []);
      await feed(s, hex(expected.hello), sh);
      const cmd = parseCommand(hex(expected.initiate))!;
      const auth = (await settled(s.handshakeCommand(cmd.name, cmd.data, sh)))!;
      assert.equal(auth.kind, "authenticate");
      assert.ok(auth.kind === "authenticate");
      assert.equal(auth.request.mechanism, "CURVE");
      assert.equal(toHex(auth.request.credentials[0]!), vector.long_term.client_public);
      const refused = auth.resume({ status: 400 });
      assert.equal(refused.kind, "error");
      assert.ok(refused.kind === "error");
      assert.equal(refused.reply, "400");

      const c = client();
      const ch = host("DEALER", []);
      await settled(c.start(ch));
      await feed(c, hex(expected.welcome), ch);
      const step = await feed(c, hex("054552524f5203343030"), ch);
      assert.ok(step.kind === "error");
      assert.match(step.reason, /ERROR "400"/);
      assert.equal(step.reply, undefined); // a client never sends ERROR
    });

    test("a client with the wrong server key is dropped at HELLO without an ERROR", async () => {
      const c = new CurveClientMechanism({
        serverKey: hex(vector.long_term.client_public), // not the server's
        publicKey: hex(vector.long_term.client_public),
        secretKey: hex(vector.long_term.client_secret),
      });
      const sent: Uint8Array[] = [];
      await settled(c.start(host("DEALER", sent)));
      const step = await feed(server(), sent[0]!, host("ROUTER", []));
      assert.ok(step.kind === "error");
      assert.match(step.reason, /HELLO box does not open/);
      assert.equal(step.reply, undefined);
    });
  });
}
