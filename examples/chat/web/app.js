// The chat page: one weft/nano client over WebSocket, the nano chat routes, plain DOM.
import { connect } from "./weft-nano-client.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const nickname = $("nickname");
nickname.value = localStorage.getItem("weft-chat-name") ??
  `guest-${Math.floor(Math.random() * 9000 + 1000)}`;

let me = "";
const members = new Map(); // uid → name

function setStatus(text, kind = "") {
  status.textContent = text;
  status.className = `status ${kind}`;
}

const clock = (ms) =>
  new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

function addLine({ name, content, at = Date.now() }, kind = "") {
  const list = $("messages");
  const li = document.createElement("li");
  li.className = kind || (name === me ? "mine" : "");
  const time = document.createElement("time");
  time.dateTime = new Date(at).toISOString();
  time.textContent = clock(at);
  li.append(time);
  if (kind !== "system") {
    const who = document.createElement("span");
    who.className = "name";
    who.textContent = name;
    li.append(who);
  }
  li.append(document.createTextNode(content));
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.append(li);
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderMembers() {
  const ul = $("members");
  ul.replaceChildren(
    ...[...members.values()].sort().map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      if (name === me) li.className = "me";
      return li;
    }),
  );
  $("count").textContent = `(${members.size})`;
}

const client = await connect(`ws://${location.host}/`, { reconnect: true }).catch((e) => {
  setStatus(`cannot connect: ${e.message}`, "error");
  throw e;
});
setStatus("connected", "open");

client.on("onMembers", ({ users = [] }) => {
  members.clear();
  for (const u of users) members.set(u.uid, u.name);
  renderMembers();
});
client.on("onNewUser", ({ uid, name, content }) => {
  if (uid !== undefined) members.set(uid, name);
  renderMembers();
  addLine({ content }, "system");
});
client.on("onUserLeft", ({ uid, name }) => {
  members.delete(uid);
  renderMembers();
  addLine({ content: `${name} left` }, "system");
});
client.on("onMessage", (msg) => addLine(msg));
client.onDisconnect(() => setStatus("connection lost, reconnecting…", "error"));
client.onReconnect(async () => {
  setStatus("connected", "open");
  if (me) await join(); // a new connection is a new session: join again
});
client.onKick((reason) => setStatus(`kicked: ${reason}`, "error"));
client.onClose((e) => setStatus(e ? `closed: ${e.message}` : "closed", "error"));

async function join() {
  const asked = me;
  const res = await client.request("room.join", { name: asked });
  if (res.code !== 0) throw new Error(`join refused: ${JSON.stringify(res)}`);
  me = res.name ?? asked; // the room's answer: a taken name comes back with a suffix
  renderMembers();
  addLine({
    content: me === asked
      ? `you joined as ${me}`
      : `"${asked}" is taken in this room: you joined as ${me}`,
  }, "system");
}

$("join").addEventListener("submit", async (e) => {
  e.preventDefault();
  me = nickname.value.trim();
  if (!me) return;
  localStorage.setItem("weft-chat-name", me);
  $("join").hidden = true;
  $("room").hidden = false;
  await join();
  $("message").focus();
});

$("send").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("message");
  const content = input.value.trim();
  if (!content) return;
  client.notify("room.message", { name: me, content });
  input.value = "";
});
