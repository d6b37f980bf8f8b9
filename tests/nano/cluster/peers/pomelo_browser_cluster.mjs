// pomelo's own browser client (npm pomelo-jsclient-websocket with pomelo-protocol's browser
// build, loaded as script tags would) in two pages of headless Chromium (playwright-core
// driving Debian's chromium), each page on a different gate of a weft cluster: both join one
// room on a backend, each says something, the other page must get it as a push.
//   node pomelo_browser_cluster.mjs <gate-1 port> <gate-2 port> [chromium path]
// Prints one JSON line (what each page got); exits 1 on failure.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const PROTOCOL_JS = readFileSync(require.resolve("pomelo-protocol/lib/protocol.js"), "utf8");
const CLIENT_JS = readFileSync(require.resolve("pomelo-jsclient-websocket"), "utf8");
// What a page would load before the client: an emitter (component/emitter) and a `module`
// for the client's trailing `module.exports = pomelo`.
const PRELUDE = `
window.module = { exports: {} };
function EventEmitter() {}
EventEmitter.prototype.on = function (e, fn) {
  ((this._callbacks = this._callbacks || {})[e] = this._callbacks[e] || []).push(fn);
  return this;
};
EventEmitter.prototype.emit = function (e) {
  var args = [].slice.call(arguments, 1);
  var fns = ((this._callbacks || {})[e] || []).slice();
  for (var i = 0; i < fns.length; i++) fns[i].apply(this, args);
  return this;
};
EventEmitter.prototype.removeAllListeners = function () { this._callbacks = {}; return this; };
window.EventEmitter = EventEmitter;
`;

// The page, served over http on loopback (the client reads localStorage, which an about:blank
// document may not, and Chromium lets a loopback page open a WebSocket to loopback).
const script = (js) => `<script>${js}</script>`;
const HTML = `<!doctype html><html><head>${script(PRELUDE)}${script(PROTOCOL_JS)}${
  script(CLIENT_JS)
}</head><body>weft cluster</body></html>`;

const pageServer = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(HTML);
});
await new Promise((r) => pageServer.listen(0, "127.0.0.1", r));
const PAGE = `http://127.0.0.1:${pageServer.address().port}/`;

const [port1, port2, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "weft-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const errors = [];
try {
  context.setDefaultTimeout(15_000);
  const open = async (name, port) => {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()}`));
    await page.goto(PAGE);
    // Connect, join the room, and keep every onChat push the page gets.
    const joined = await page.evaluate(
      ([port, uid]) =>
        new Promise((resolve, reject) => {
          const pomelo = globalThis.pomelo;
          globalThis.chats = [];
          pomelo.on("onChat", (body) => globalThis.chats.push(body));
          pomelo.on("io-error", () => reject(new Error("io-error")));
          pomelo.init({ host: "127.0.0.1", port: Number(port) }, () => {
            pomelo.request("room.join", { uid, room: "web" }, resolve);
          });
        }),
      [port, name],
    );
    return { page, joined };
  };
  const say = (page, text) =>
    page.evaluate(
      (text) => new Promise((r) => globalThis.pomelo.request("room.say", { text }, r)),
      text,
    );
  const chatsOf = (page, n) =>
    page.waitForFunction((n) => globalThis.chats.length >= n, n).then(() =>
      page.evaluate(() => globalThis.chats)
    );
  const alice = await open("alice", port1);
  const bob = await open("bob", port2);
  const sentByAlice = await say(alice.page, "hello from gate 1");
  const atBob = await chatsOf(bob.page, 1);
  const sentByBob = await say(bob.page, "hi from gate 2");
  const atAlice = await chatsOf(alice.page, 2);
  console.log(JSON.stringify({
    alice: { joined: alice.joined, chats: atAlice, sent: sentByAlice },
    bob: { joined: bob.joined, chats: await chatsOf(bob.page, 2), sent: sentByBob },
    errors,
  }));
  void atBob;
} catch (e) {
  console.error(`pomelo_browser_cluster: ${e.stack ?? e}\npage errors: ${errors.join("\n")}`);
  process.exitCode = 1;
} finally {
  await context.close();
  pageServer.close();
  rmSync(profile, { recursive: true, force: true });
}
