// Drives the chat demo with pomelo-client-websocket (npm, a Node pomelo client independent of
// weft) under Node: two clients join `room.join`, one sends `room.message`, both must get the
// `onMessage` push. Usage: node chat_node_client.mjs <host> <port>. Prints one JSON line with
// what each client saw; exits 1 on error or after 15 s.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Pomelo = require("pomelo-client-websocket");
const [host = "127.0.0.1", port = "3250"] = process.argv.slice(2);

setTimeout(() => {
  console.error("chat_node_client: timed out after 15 s");
  process.exit(1);
}, 15_000).unref();

function open(name) {
  const client = new Pomelo();
  const seen = { name, onMembers: [], onNewUser: [], onMessage: [] };
  for (const route of ["onMembers", "onNewUser", "onMessage"]) {
    client.on(route, (body) => seen[route].push(body));
  }
  return new Promise((resolve, reject) => {
    client.on("error", (e) => reject(new Error(`${name}: ${e}`)));
    client.on("io-error", (e) => reject(new Error(`${name}: io-error ${e?.message ?? e}`)));
    client.init({ host, port: Number(port), scheme: "ws" }, () => resolve({ client, seen }));
  });
}

function request(client, route, body) {
  return new Promise((resolve) => client.request(route, body, resolve));
}

async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

const a = await open("node-a");
const joinA = await request(a.client, "room.join", {});
const b = await open("node-b");
const joinB = await request(b.client, "room.join", {});
await until(() => a.seen.onNewUser.length >= 1 && b.seen.onMembers.length >= 1);
a.client.notify("room.message", { name: "node-a", content: "hello from node" });
await until(() => a.seen.onMessage.length >= 1 && b.seen.onMessage.length >= 1);
console.log(JSON.stringify({ joinA, joinB, a: a.seen, b: b.seen }));
a.client.disconnect();
b.client.disconnect();
process.exit(0);
