// The browser build (weft/zmq/browser, bundled by tools/build_zmq_browser.mjs) in headless
// Chromium: a page acts as DEALER (with a large multipart message), REQ and SUB over ZWS 2.0,
// against libzmq 4.3.4 (pyzmq's ws:// transport) and against weft (three sockets sharing one
// port by path); and a page with CURVE keys (offered as ZWS2.0-CURVE, since Chromium refuses
// ZWS2.0/CURVE) talking to weft, a PLAIN login (ZWS2.0-PLAIN), the wrong server key failing,
// libzmq refusing that spelling.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { allowList, curveKeyPair, messageProperty, Pub, Rep, Router } from "../../src/zmq.ts";
import type { SocketEvent } from "../../src/zmq.ts";
import { requirePeer, startZmqPeer, type ZmqPeer } from "../interop/_peers.ts";
import { run, serve } from "./_page.ts";

const DRIVER = fileURLToPath(new URL("./peers/zws_page.mjs", import.meta.url));

/**
 * Chromium sends a large message as several WebSocket frames (a 200 000-byte one was split,
 * 65 472 bytes went whole), and libzmq 4.3.4 closes on a fragment (ws_decoder.cpp: "non final
 * messages are not supported"): from a browser, messages for libzmq stay under 64 KiB; weft
 * joins fragments, so it gets 1 MiB.
 */
const LIBZMQ_BIG = 65536 - 64;
const WEFT_BIG = 1 << 20;

const PAGE = `<!doctype html><meta charset="utf-8"><title>weft ZWS</title>
<script type="module">
import { Dealer, Req, Sub } from "./weft-zmq-browser.js";
const q = new URLSearchParams(location.search);
const dec = new TextDecoder();
const texts = (m) => m.map((f) => dec.decode(f));
async function talk(side) {
  const out = {};
  const step = (what) => (globalThis.__step = side + ": " + what);
  const opts = { linger: 0, receiveTimeout: 20000 };
  const dealer = new Dealer({ ...opts, routingId: "page-dealer" });
  dealer.connect(q.get(side + "-router"));
  step("DEALER hello");
  await dealer.send(["", "hello from the page"]);
  out.dealer = texts(await dealer.receive());
  const big = new Uint8Array(Number(q.get(side + "-big"))).map((_, i) => (i * 7) & 0xff);
  step("DEALER large frame");
  await dealer.send(["", "big", big]);
  const back = await dealer.receive();
  out.big = back.length === 3 && back[2].length === big.length && back[2].every((b, i) => b === big[i]);
  dealer.close();
  const req = new Req(opts);
  req.connect(q.get(side + "-rep"));
  step("REQ");
  await req.send("ping");
  out.req = texts(await req.receive());
  req.close();
  const sub = new Sub(opts);
  step("SUB");
  sub.subscribe("news.");
  sub.connect(q.get(side + "-pub"));
  out.sub = texts(await sub.receive());
  sub.close();
  return out;
}
try {
  globalThis.__result = { libzmq: await talk("libzmq"), weft: await talk("weft") };
} catch (e) {
  globalThis.__result = { error: globalThis.__step + ": " + String((e && e.stack) || e) };
}
</script>`;

describe("weft/zmq/browser in headless Chromium", () => {
  test("a page is DEALER, REQ and SUB over ZWS 2.0 to libzmq 4.3.4 and to weft", {
    timeout: 180_000,
  }, async (t) => {
    if (
      !requirePeer(t, "node") || !requirePeer(t, "chromium") || !requirePeer(t, "python3-zmq")
    ) return;
    const dir = mkdtempSync(join(tmpdir(), "weft-zws-browser-"));
    const peers: ZmqPeer[] = [];
    const weft: (Router | Rep | Pub)[] = [];
    let done = false;
    let http: { url: string; close(): void } | undefined;
    try {
      const bundle = join(dir, "weft-zmq-browser.js");
      const built = await run("node", ["tools/build_zmq_browser.mjs", bundle], 60_000);
      assert.equal(built.code, 0, `build_zmq_browser failed: ${built.stderr}`);

      // libzmq: ROUTER and REP echo, PUB publishes until the page is done.
      const peer = async (type: string) => {
        const p = await startZmqPeer();
        peers.push(p);
        await p.ok({ op: "socket", type, options: { LINGER: 0 } });
        const { endpoint } = await p.ok({ op: "bind", endpoint: `ws://127.0.0.1:0/${type}` });
        return { p, endpoint: String(endpoint) };
      };
      const [lrouter, lrep, lpub] = await Promise.all([peer("ROUTER"), peer("REP"), peer("PUB")]);
      const echoes = [
        lrouter.p.ok({ op: "echo", count: 2, timeout: 60_000 }),
        lrep.p.ok({ op: "echo", count: 1, timeout: 60_000 }),
      ];
      for (const e of echoes) e.catch(() => {}); // awaited below

      // weft: three sockets on one port, told apart by path.
      const router = new Router({ linger: 0 });
      const rep = new Rep({ linger: 0 });
      const pub = new Pub({ linger: 0 });
      weft.push(router, rep, pub);
      await router.bind("ws://127.0.0.1:0/router");
      const port = new URL(router.lastEndpoint!.replace(/^ws/, "http")).port;
      await rep.bind(`ws://127.0.0.1:${port}/rep`);
      await pub.bind(`ws://127.0.0.1:${port}/pub`);
      const weftEchoes = (async () => {
        for (let i = 0; i < 2; i++) await router.send(await router.receive());
        await rep.send(await rep.receive());
      })();
      weftEchoes.catch(() => {}); // awaited below; a failure before that closes the sockets
      const pump = (async () => {
        while (!done) {
          await lpub.p.ok({ op: "send", frames: ["news.libzmq", "hi"].map(hexOf) });
          await pub.send(["news.weft", "hi"]);
          await new Promise((r) => setTimeout(r, 25));
        }
      })();

      http = await serve(bundle, PAGE);
      const q = new URLSearchParams({
        "libzmq-router": lrouter.endpoint,
        "libzmq-rep": lrep.endpoint,
        "libzmq-pub": lpub.endpoint,
        "weft-router": router.lastEndpoint!,
        "weft-rep": rep.lastEndpoint!,
        "weft-pub": pub.lastEndpoint!,
        "libzmq-big": String(LIBZMQ_BIG),
        "weft-big": String(WEFT_BIG),
      });
      const chromium = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
      const ran = await run("node", [DRIVER, `${http.url}?${q}`, chromium], 120_000);
      done = true;
      await pump;
      assert.equal(ran.code, 0, `zws_page.mjs failed:\n${ran.stderr}\n${ran.stdout}`);
      const out = JSON.parse(ran.stdout.trim().split("\n").pop()!);
      assert.deepEqual(out.errors, []);
      for (const side of ["libzmq", "weft"]) {
        const r = out.result[side];
        assert.ok(r, `no result for ${side}: ${JSON.stringify(out.result)}`);
        assert.deepEqual(r.dealer, ["", "hello from the page"], side);
        assert.equal(r.big, true, `${side}: the large frame came back intact`);
        assert.deepEqual(r.req, ["ping"], side);
        assert.deepEqual(r.sub, [`news.${side}`, "hi"], side);
      }
      await Promise.all([...echoes, weftEchoes]);
    } finally {
      done = true;
      http?.close();
      for (const s of weft) s.close();
      await Promise.all(peers.map((p) => p.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The page for CURVE: DEALER, REQ, PLAIN REQ, a wrong server key against weft; REQ to libzmq. */
const CURVE_PAGE = `<!doctype html><meta charset="utf-8"><title>weft ZWS CURVE</title>
<script type="module">
import { curveKeyPair, Dealer, Req } from "./weft-zmq-browser.js";
const q = new URLSearchParams(location.search);
const dec = new TextDecoder();
const texts = (m) => m.map((f) => dec.decode(f));
const out = {};
const step = (what) => (globalThis.__step = what);
/** The first event of one of these types, or "none" after 10 s. */
const firstEvent = (socket, types) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve("none"), 10000);
  socket.events.on("*", (e) => {
    if (types.includes(e.type)) { clearTimeout(timer); resolve(e.type + ": " + (e.reason ?? "")); }
  });
});
try {
  step("the browser's own WebSocket");
  try {
    new WebSocket(q.get("weft-router"), ["ZWS2.0/CURVE"]).close();
    out.slash = "accepted";
  } catch (e) {
    out.slash = e.name;
  }
  const me = curveKeyPair();
  out.publicKey = me.publicKey;
  const curve = { linger: 0, receiveTimeout: 20000, curveServerKey: q.get("server-key"), curveSecretKey: me.secretKey };
  step("CURVE DEALER");
  const dealer = new Dealer({ ...curve, routingId: "page-curve" });
  dealer.connect(q.get("weft-router"));
  await dealer.send(["", "secret hello"]);
  out.dealer = texts(await dealer.receive());
  dealer.close();
  step("CURVE REQ");
  const req = new Req(curve);
  req.connect(q.get("weft-rep"));
  await req.send("ping");
  out.req = texts(await req.receive());
  req.close();
  step("PLAIN REQ");
  const plain = new Req({ linger: 0, receiveTimeout: 20000, plainUsername: "ann", plainPassword: "s3cret" });
  plain.connect(q.get("weft-plain"));
  await plain.send("login");
  out.plain = texts(await plain.receive());
  plain.close();
  step("wrong server key");
  const wrong = new Req({ ...curve, curveServerKey: curveKeyPair().publicKey });
  const failed = firstEvent(wrong, ["handshake", "handshake:error", "disconnect"]);
  wrong.connect(q.get("weft-rep"));
  out.wrongKey = await failed;
  wrong.close();
  step("libzmq");
  const toLibzmq = new Req(curve);
  const refused = firstEvent(toLibzmq, ["handshake", "connect:delay"]);
  toLibzmq.connect(q.get("libzmq-rep"));
  out.libzmq = await refused;
  toLibzmq.close();
  globalThis.__result = out;
} catch (e) {
  globalThis.__result = { error: globalThis.__step + ": " + String((e && e.stack) || e) };
}
</script>`;

describe("weft/zmq/browser with CURVE in headless Chromium", () => {
  test("a page with CURVE keys talks to weft over ws (ZWS2.0-CURVE); wrong key and libzmq fail", {
    timeout: 180_000,
  }, async (t) => {
    if (
      !requirePeer(t, "node") || !requirePeer(t, "chromium") || !requirePeer(t, "python3-zmq")
    ) return;
    const dir = mkdtempSync(join(tmpdir(), "weft-zws-curve-browser-"));
    const server = curveKeyPair();
    const peers: ZmqPeer[] = [];
    const weft: (Router | Rep)[] = [];
    let http: { url: string; close(): void } | undefined;
    try {
      const bundle = join(dir, "weft-zmq-browser.js");
      const built = await run("node", ["tools/build_zmq_browser.mjs", bundle], 60_000);
      assert.equal(built.code, 0, `build_zmq_browser failed: ${built.stderr}`);

      // libzmq: a CURVE REP on ws:// (it accepts only "ZWS2.0/CURVE" for CURVE).
      const lrep = await startZmqPeer();
      peers.push(lrep);
      await lrep.ok({
        op: "socket",
        type: "REP",
        options: { LINGER: 0, CURVE_SERVER: 1, CURVE_SECRETKEY: server.secretKey },
      });
      await lrep.ok({ op: "monitor" });
      const libzmq = String(
        (await lrep.ok({ op: "bind", endpoint: "ws://127.0.0.1:0/rep" })).endpoint,
      );

      // weft: a CURVE ROUTER and REP that let any key in (the User-Id is the page's key).
      const secure = {
        linger: 0,
        curveServer: true,
        curveSecretKey: server.secretKey,
        authenticate: allowList({ curve: "any" }),
      };
      const router = new Router(secure);
      const rep = new Rep(secure);
      const plainRep = new Rep({
        linger: 0,
        plainServer: true,
        authenticate: allowList({ plain: { ann: "s3cret" } }),
      });
      weft.push(router, rep, plainRep);
      await plainRep.bind("ws://127.0.0.1:0/plain");
      const repEvents: SocketEvent[] = [];
      rep.events.on("handshake:error", (e) => repEvents.push(e));
      await router.bind("ws://127.0.0.1:0/router");
      await rep.bind("ws://127.0.0.1:0/rep");
      const userIds: (string | undefined)[] = [];
      const weftEchoes = (async () => {
        const got = await router.receive();
        userIds.push(messageProperty(got[1]!, "User-Id"));
        await router.send(got);
        await rep.send(await rep.receive());
        const login = await plainRep.receive();
        userIds.push(messageProperty(login[0]!, "User-Id"));
        await plainRep.send(login);
      })();
      weftEchoes.catch(() => {}); // awaited below

      http = await serve(bundle, CURVE_PAGE);
      const q = new URLSearchParams({
        "server-key": server.publicKey,
        "weft-router": router.lastEndpoint!,
        "weft-rep": rep.lastEndpoint!,
        "weft-plain": plainRep.lastEndpoint!,
        "libzmq-rep": libzmq,
      });
      const chromium = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
      const ran = await run("node", [DRIVER, `${http.url}?${q}`, chromium], 120_000);
      assert.equal(ran.code, 0, `zws_page.mjs failed:\n${ran.stderr}\n${ran.stdout}`);
      const { result: r, errors } = JSON.parse(ran.stdout.trim().split("\n").pop()!);
      assert.equal(r.error, undefined, r.error);
      // Chromium itself refuses libzmq's name: '/' is not an HTTP token.
      assert.equal(r.slash, "SyntaxError");
      assert.deepEqual(r.dealer, ["", "secret hello"]);
      assert.deepEqual(r.req, ["ping"]);
      assert.deepEqual(r.plain, ["login"]); // ZWS2.0-PLAIN
      await weftEchoes;
      assert.deepEqual(userIds, [r.publicKey, "ann"], "the page's key and login reached weft");
      // The wrong server key: the page's HELLO does not open on weft, the connection ends.
      assert.match(r.wrongKey, /^(handshake:error|disconnect)/);
      assert.ok(repEvents.some((e) => /HELLO box does not open/.test(e.reason ?? "")));
      // libzmq accepts CURVE only as "ZWS2.0/CURVE", which a page cannot offer.
      assert.match(r.libzmq, /^connect:delay/);
      // Chromium logs the refused upgrades as console errors; nothing else may appear.
      for (const e of errors as string[]) assert.match(e, /WebSocket|ERR_|handshake/i, e);
    } finally {
      http?.close();
      for (const s of weft) s.close();
      await Promise.all(peers.map((p) => p.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function hexOf(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}
