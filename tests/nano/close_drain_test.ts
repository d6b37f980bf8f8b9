// App.close() drains every session's outbound queue before it kicks, and resolves only once
// the connections have written their last bytes: a server in a child process that pushes,
// closes and exits at once loses nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { until, within } from "../_helpers.ts";
import { TestClient } from "./_client.ts";

const SERVER = fileURLToPath(
  new URL("../conformance/peers/nano_close_server.ts", import.meta.url),
);

test("nano: pushes queued before App.close() all arrive, then the KICK, though the server exits", async () => {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const child = deno
    ? spawn(deno.execPath(), ["run", "-A", "--quiet", SERVER], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    : spawn(process.execPath, [SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (c: string) => (out += c));
    await until(() => out.includes("\n"), "the server's port");
    const client = await TestClient.tcp(Number(out.trim()));
    assert.equal((await client.handshake()).code, 200);
    const n = 10_000; // about 10 MB: more than the socket buffers hold
    void client.request("room.flood", { n, size: 1000 }).catch(() => {});
    for (let i = 0; i < n; i++) {
      const push = await client.push("onFlood") as { i: number };
      assert.equal(push.i, i);
    }
    assert.equal((await client.kicked()).reason, "done");
    assert.equal(await within(exited, "the server to exit"), 0);
    client.close();
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
