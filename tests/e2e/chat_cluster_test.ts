// End to end, clustered: the chat demo as `npm run start:cluster` runs it (`weft nano cluster
// --gates 2 --backends 1 --backend-type chat`, over a nats-server the launcher starts). Clients
// land on both gates (SO_REUSEPORT on one port); a message sent by a client on one gate reaches
// a client on the other through the "chat" backend, so one room spans the gates.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { findNatsServer } from "../../src/cli/cluster_launcher.ts";
import { type Client, connect } from "../../src/nano_client.ts";
import { freePort } from "../interop/_peers.ts";
import { until, within } from "../_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const isDeno = "Deno" in globalThis;
/** Clients tried at most until both gates hold one (odds of failing: 2⁻⁵⁹). */
const MAX_CLIENTS = 60;

const running = new Set<ChildProcess>();
after(() => running.forEach((c) => c.kill("SIGKILL")));

test("chat clustered: two gates, one backend, one room across the gates", async (t) => {
  if (!findNatsServer()) {
    const message = 'peer "nats-server" is missing: apt-get install nats-server';
    if (process.env.CI === "true") throw new Error(`${message} (CI=true: a missing peer fails)`);
    console.warn(`\n!!!! SKIPPING: ${message}\n`);
    return t.skip(message);
  }
  const port = await freePort();
  const main = join(ROOT, "src/cli/main.ts");
  const args = ["nano", "cluster", "--gates", "2", "--backends", "1", "--backend-type", "chat"];
  args.push("--port", String(port), "--runtime", isDeno ? "deno" : "bun", "examples/chat/main.ts");
  const cli = spawn(process.execPath, isDeno ? ["run", "-A", main, ...args] : [main, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  running.add(cli);
  const exited = new Promise<void>((resolve) => cli.once("close", () => resolve()));
  let out = "";
  cli.stdout!.on("data", (b) => (out += String(b)));
  cli.stderr!.on("data", (b) => (out += String(b)));
  const clients: Client[] = [];
  try {
    await until(
      () => (out.match(/weft chat: (gate \S+|backend \S+ \(chat\)) ready/g) ?? []).length === 3,
      "two gates and the backend ready",
      60_000,
    );
    // Join until both gates hold a member: a uid is "<gate node id>/<session id>".
    const byGate = new Map<string, Client>();
    for (let i = 0; i < MAX_CLIENTS && byGate.size < 2; i++) {
      const client = await connect(`ws://127.0.0.1:${port}/`);
      clients.push(client);
      const members = new Promise<{ users: { uid: string }[] }>((resolve) =>
        client.on("onMembers", (b) => resolve(b as { users: { uid: string }[] }))
      );
      // The launcher starts gates and the backend together: a gate ready before the backend
      // answers a forwarded route with 502 until the backend announces itself. Bounded retry.
      for (let attempt = 1;; attempt++) {
        try {
          await client.request("room.join", { name: `user${i}` });
          break;
        } catch (e) {
          if (attempt === 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const mine = (await members).users.at(-1)!.uid;
      const gate = mine.slice(0, mine.lastIndexOf("/"));
      if (!byGate.has(gate)) byGate.set(gate, client);
    }
    assert.equal(byGate.size, 2, `clients landed on both gates:\n${out}`);
    const [a, b] = [...byGate.values()];
    const heard = new Promise((resolve) => b!.on("onMessage", resolve));
    a!.notify("room.message", { content: "across the gates" });
    assert.deepEqual(await heard, { name: "user0", content: "across the gates" });
  } finally {
    clients.forEach((c) => c.close());
    // The launcher stops its nodes, then its nats-server, then exits: wait for all of it (a
    // SIGKILL would leave the nats-server, which runs in its own process group, behind).
    cli.kill("SIGTERM");
    await within(exited, "the launcher to stop everything", 20_000).catch(() =>
      cli.kill("SIGKILL")
    );
    running.delete(cli);
  }
});
