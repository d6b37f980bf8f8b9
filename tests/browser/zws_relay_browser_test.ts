// A page in headless Chromium (weft/zmq/browser, CURVE keys made in the page) reaching libzmq
// 4.3.4's CURVE ROUTER (pyzmq, ThreadAuthenticator allowing only keys it was given) through the
// ZWS relay: the page offers ZWS2.0-CURVE, the relay (no keys) offers libzmq ZWS2.0/CURVE.
// Messages both ways, including one Chromium splits into fragments (the relay joins them, so
// libzmq, which refuses fragments, gets it whole), and a page key libzmq does not allow
// failing with a handshake error on the page.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { curveKeyPair, zwsRelay } from "../../src/zmq.ts";
import type { WsRelay, WsRelayEvent } from "../../src/zmq.ts";
import { requirePeer, startZmqPeer, type ZmqPeer } from "../interop/_peers.ts";
import { openPage, run, serve } from "./_page.ts";

const CURVE_PEER = fileURLToPath(new URL("../interop/curve_zap_peer.py", import.meta.url));
/** Chromium sends a message this large as several frames (see zws_browser_test.ts). */
const BIG = 200_000;

/** The page: its key pair, a DEALER to the allowed key's relay, a REQ with a refused key. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>weft ZWS relay</title>
<script type="module">
import { curveKeyPair, Dealer, Req } from "./weft-zmq-browser.js";
const q = new URLSearchParams(location.search);
const dec = new TextDecoder();
const texts = (m) => m.map((f) => dec.decode(f));
const step = (what) => (globalThis.__step = what);
const firstEvent = (socket, types) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve("none"), 15000);
  socket.events.on("*", (e) => {
    if (types.includes(e.type)) { clearTimeout(timer); resolve(e.type + ": " + (e.reason ?? "")); }
  });
});
const out = {};
try {
  const opts = { linger: 0, receiveTimeout: 20000, curveServerKey: q.get("server-key") };
  const me = { publicKey: q.get("page-public"), secretKey: q.get("page-secret") };
  step("CURVE DEALER via the relay");
  const dealer = new Dealer({ ...opts, curveSecretKey: me.secretKey, routingId: "page" });
  dealer.connect(q.get("relay"));
  await dealer.send(["", "secret hello"]);
  out.dealer = texts(await dealer.receive());
  const big = new Uint8Array(Number(q.get("big"))).map((_, i) => (i * 7) & 0xff);
  step("large message");
  await dealer.send(["", "big", big]);
  const back = await dealer.receive();
  out.big = back.length === 3 && back[2].length === big.length && back[2].every((b, i) => b === big[i]);
  dealer.close();
  step("a key libzmq does not allow");
  const stranger = curveKeyPair(); // made in the page, never given to libzmq
  const refused = new Req({ ...opts, curveSecretKey: stranger.secretKey });
  const seen = firstEvent(refused, ["handshake", "handshake:error"]);
  refused.connect(q.get("relay"));
  out.refused = await seen;
  refused.close();
  globalThis.__result = out;
} catch (e) {
  globalThis.__result = { error: globalThis.__step + ": " + String((e && e.stack) || e) };
}
</script>`;

describe("weft/zmq/browser through the ZWS relay in headless Chromium", () => {
  test("a CURVE page ↔ relay (no keys) ↔ libzmq 4.3.4 CURVE ROUTER with ZAP", {
    timeout: 180_000,
  }, async (t) => {
    if (
      !requirePeer(t, "node") || !requirePeer(t, "chromium") || !requirePeer(t, "python3-zmq")
    ) return;
    const dir = mkdtempSync(join(tmpdir(), "weft-zws-relay-browser-"));
    const server = curveKeyPair();
    const page = curveKeyPair(); // the page's pair, allowed by libzmq's ZAP handler
    const peers: ZmqPeer[] = [];
    const events: WsRelayEvent[] = [];
    let relay: WsRelay | undefined;
    let http: { url: string; close(): void } | undefined;
    try {
      const bundle = join(dir, "weft-zmq-browser.js");
      const built = await run("node", ["tools/build_zmq_browser.mjs", bundle], 60_000);
      assert.equal(built.code, 0, `build_zmq_browser failed: ${built.stderr}`);

      const router = await startZmqPeer({ script: CURVE_PEER });
      peers.push(router);
      await router.ok({ op: "curve_auth", allow: [page.publicKey] });
      await router.ok({
        op: "socket",
        type: "ROUTER",
        options: { LINGER: 0, CURVE_SERVER: 1, CURVE_SECRETKEY: server.secretKey },
      });
      await router.ok({ op: "monitor" });
      const { endpoint } = await router.ok({ op: "bind", endpoint: "ws://127.0.0.1:0/zmq" });
      const echo = router.ok({ op: "echo", count: 2, timeout: 60_000 });
      echo.catch(() => {}); // awaited below

      relay = await zwsRelay({
        listen: "ws://127.0.0.1:0/zmq",
        target: String(endpoint),
        onEvent: (e) => events.push(e),
      });
      http = await serve(bundle, PAGE);
      const q = new URLSearchParams({
        relay: relay.endpoint,
        "server-key": server.publicKey,
        "page-public": page.publicKey,
        "page-secret": page.secretKey,
        big: String(BIG),
      });
      const { result: r, errors } = await openPage(`${http.url}?${q}`);
      assert.equal(r.error, undefined, String(r.error));
      assert.deepEqual(r.dealer, ["", "secret hello"]);
      assert.equal(r.big, true, "200 000 bytes from the page reached libzmq and came back");
      const last = (await echo).last as string[];
      assert.equal(last.at(-1)!.length, 2 * BIG, "libzmq's ROUTER got the whole message");
      // libzmq's ZAP handler refused the stranger's key: an ERROR reached the page.
      assert.match(String(r.refused), /^handshake:error: CURVE: the server refused/);
      const failed = await router.nextEvent({ name: ["HANDSHAKE_FAILED_AUTH"] });
      assert.ok(failed.event);
      assert.ok(
        events.some((e) => e.type === "open" && e.protocol === "ZWS2.0-CURVE → ZWS2.0/CURVE"),
        JSON.stringify(events),
      );
      for (const e of errors) assert.match(e, /WebSocket|ERR_|handshake/i, e);
    } finally {
      http?.close();
      relay?.close();
      await relay?.closed;
      await Promise.all(peers.map((p) => p.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
