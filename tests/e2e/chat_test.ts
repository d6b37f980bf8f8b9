// End to end: the chat demo (examples/chat) with independent clients — weft's client over
// WebSocket and raw TCP in the same room, pomelo-client-websocket under Node, and the page in
// headless Chromium (two tabs, a message typed in one shows in the other).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Chat, startChat } from "../../examples/chat/chat.ts";
import { type Client, connect } from "../../src/nano_client.ts";
import { tcpConnector } from "../../src/nano/client/runtime_connectors.ts";
import { requirePeer } from "../interop/_peers.ts";
import { until } from "../_helpers.ts";
import { type Ran, run } from "../_run.ts";

const PEERS = fileURLToPath(new URL("./peers/", import.meta.url));

function lastJSON(ran: Ran, what: string): Record<string, unknown> {
  assert.equal(ran.code, 0, `${what} failed (${ran.code}):\n${ran.stderr}\n${ran.stdout}`);
  const line = ran.stdout.trim().split("\n").pop()!;
  return JSON.parse(line);
}

async function withChat(fn: (chat: Chat) => Promise<void>): Promise<void> {
  const chat = await startChat({ port: 0 });
  try {
    await fn(chat);
  } finally {
    await chat.app.close();
  }
}

/** A weft client in the room, recording its pushes. */
async function member(url: string, name: string, tcp = false) {
  const client: Client = await connect(url, tcp ? { connector: tcpConnector() } : {});
  const seen: Record<string, unknown[]> = {
    onMembers: [],
    onNewUser: [],
    onMessage: [],
    onUserLeft: [],
  };
  for (const route of Object.keys(seen)) client.on(route, (b) => seen[route]!.push(b));
  const joined = await client.request("room.join", { name });
  return { client, seen, joined };
}

// Child processes (Node, Chromium) need more than bun's default 5 s per test.
const SLOW = { timeout: 180_000 };

describe("chat demo end to end", () => {
  test("weft clients over WebSocket and raw TCP share the room (nano's wire shapes)", async () => {
    await withChat(async (chat) => {
      const ws = await member(chat.ws, "web");
      const tcp = await member(chat.tcp, "term", true);
      try {
        assert.deepEqual(ws.joined, { code: 0, result: "success", name: "web" });
        assert.deepEqual(tcp.joined, { code: 0, result: "success", name: "term" });
        await until(() => ws.seen.onNewUser!.length === 1, "onNewUser at the ws client");
        assert.match((ws.seen.onNewUser![0] as { content: string }).content, /term/);
        const members = tcp.seen.onMembers![0] as { members: unknown[]; users: unknown[] };
        assert.equal(members.members.length, 1); // uids of those already there, as nano
        assert.equal(members.users.length, 2);
        tcp.client.notify("room.message", { name: "term", content: "from raw tcp" });
        ws.client.notify("room.message", { name: "web", content: "from websocket" });
        await until(
          () => ws.seen.onMessage!.length === 2 && tcp.seen.onMessage!.length === 2,
          "both messages at both clients",
        );
        const expected = [
          { name: "term", content: "from raw tcp" },
          { name: "web", content: "from websocket" },
        ];
        // One broadcast order for everyone; which of the two notifies came first may vary.
        assert.deepEqual(ws.seen.onMessage, tcp.seen.onMessage);
        const byName = (a: unknown, b: unknown) =>
          (a as { name: string }).name.localeCompare((b as { name: string }).name);
        assert.deepEqual([...ws.seen.onMessage!].sort(byName), expected);
      } finally {
        ws.client.close();
        tcp.client.close();
      }
    });
  });

  test("a taken nickname gets a suffix, and messages carry the name the room gave", async () => {
    await withChat(async (chat) => {
      const first = await member(chat.ws, "ann");
      const second = await member(chat.ws, "ann", false);
      const third = await member(chat.tcp, "ann", true);
      try {
        assert.deepEqual(first.joined, { code: 0, result: "success", name: "ann" });
        assert.deepEqual(second.joined, { code: 0, result: "success", name: "ann (2)" });
        assert.deepEqual(third.joined, { code: 0, result: "success", name: "ann (3)" });
        await until(() => first.seen.onNewUser!.length === 2, "both newcomers announced");
        const announced = first.seen.onNewUser!.map((p) => (p as { name: string }).name);
        assert.deepEqual(announced, ["ann (2)", "ann (3)"]);
        // The room's name for the sender, not the one the payload claims.
        second.client.notify("room.message", { name: "ann", content: "who am I?" });
        await until(() => first.seen.onMessage!.length === 1, "the message at the first ann");
        assert.deepEqual(first.seen.onMessage, [{ name: "ann (2)", content: "who am I?" }]);
        // A name frees up when its holder leaves.
        first.client.close();
        await until(() => second.seen.onUserLeft?.length === 1, "ann left");
        const again = await member(chat.ws, "ann");
        try {
          assert.deepEqual(again.joined, { code: 0, result: "success", name: "ann" });
        } finally {
          again.client.close();
        }
      } finally {
        first.client.close();
        second.client.close();
        third.client.close();
      }
    });
  });

  test("pomelo-client-websocket under Node: join, message, pushes", SLOW, async (t) => {
    if (!requirePeer(t, "node")) return;
    await withChat(async (chat) => {
      const watcher = await member(chat.tcp, "watcher", true);
      try {
        const port = String(chat.app.address!.port);
        const ran = await run(
          "node",
          [join(PEERS, "chat_node_client.mjs"), "127.0.0.1", port],
          30_000,
        );
        const out = lastJSON(ran, "chat_node_client.mjs") as {
          joinA: unknown;
          joinB: unknown;
          a: Record<string, unknown[]>;
          b: Record<string, unknown[]>;
        };
        assert.deepEqual(out.joinA, { code: 0, result: "success" }); // nano's answer: no name asked
        assert.deepEqual(out.joinB, { code: 0, result: "success" });
        const hello = { name: "node-a", content: "hello from node" };
        assert.deepEqual(out.a.onMessage!, [hello]);
        assert.deepEqual(out.b.onMessage!, [hello]);
        assert.equal(out.a.onNewUser!.length, 1); // node-b joined after node-a
        assert.equal((out.b.onMembers![0] as { members: unknown[] }).members.length, 2);
        await until(() => watcher.seen.onMessage!.length === 1, "the message at the tcp watcher");
        assert.deepEqual(watcher.seen.onMessage!, [hello]);
      } finally {
        watcher.client.close();
      }
    });
  });

  test(
    "the page in headless Chromium: a message typed in one tab shows in the other",
    SLOW,
    async (t) => {
      if (!requirePeer(t, "node") || !requirePeer(t, "chromium")) return;
      const built = await run("node", ["tools/build_client.mjs"], 60_000);
      assert.equal(built.code, 0, `build_client failed: ${built.stderr}`);
      const dir = mkdtempSync(join(tmpdir(), "weft-chat-shot-"));
      const shot = process.env.WEFT_CHAT_SCREENSHOT ?? join(dir, "chat.png");
      try {
        await withChat(async (chat) => {
          const chromium = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
          const ran = await run(
            "node",
            [join(PEERS, "chat_browser.mjs"), chat.page, shot, chromium],
            120_000,
          );
          const out = lastJSON(ran, "chat_browser.mjs") as {
            alice: { messages: string[]; members: string[] };
            bob: { messages: string[]; members: string[] };
            errors: string[];
          };
          assert.ok(out.bob.messages.some((m) => m.includes("hello bob, this is alice")));
          // Each message line starts with its time (HH:MM).
          const line = out.bob.messages.find((m) => m.includes("hello bob, this is alice"))!;
          assert.match(line, /^\d{2}:\d{2}/);
          assert.ok(out.alice.messages.some((m) => m.includes("hi alice!")));
          assert.deepEqual(out.alice.members, ["alice", "bob"]);
          assert.deepEqual(out.errors, []);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
