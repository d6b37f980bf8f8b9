// A stock pomelo client (npm pomelo-client-websocket, independent of weft) against a weft
// cluster gate: joins a room on a backend, asks who it is by a <serverType>.<component>.<method>
// route, says something and gets the group push, and gets an error for a server type nobody
// serves. Usage: node pomelo_cluster_client.mjs <host> <port>. Prints one JSON line.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Pomelo = require("pomelo-client-websocket");
const [host = "127.0.0.1", port = "3250"] = process.argv.slice(2);

setTimeout(() => {
  console.error("pomelo_cluster_client: timed out after 15 s");
  process.exit(1);
}, 15_000).unref();

const client = new Pomelo();
const pushed = new Promise((resolve) => client.on("onChat", resolve));
await new Promise((resolve, reject) => {
  client.on("error", (e) => reject(new Error(String(e))));
  client.on("io-error", (e) => reject(new Error(`io-error ${e?.message ?? e}`)));
  client.init({ host, port: Number(port), scheme: "ws" }, resolve);
});
const request = (route, body) => new Promise((resolve) => client.request(route, body, resolve));
const joined = await request("room.join", { uid: "pom", room: "pr" });
const who = await request("chat.room.whoami", {});
await request("room.say", { text: "hello" });
const chat = await pushed;
const error = await request("nobody.x.y", {});
console.log(JSON.stringify({ joined, who, chat, error }));
client.disconnect();
process.exit(0);
