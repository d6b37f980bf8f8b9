// `weft zmq keygen` and the CURVE and PLAIN flags of `weft zmq cat`, run as real processes on
// Deno and Bun: the key pair matches (public = X25519 of secret), and a CURVE `cat` talks to
// libzmq (pyzmq) as client (server key on the command line, secret key from the environment)
// and as server (secret key from a curve_keygen-style certificate file); a PLAIN `cat` logs in
// to libzmq with ThreadAuthenticator (password from env:), is refused with a wrong one, and
// serves libzmq clients from a --plain-allow file.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { curveKeyPair, curvePublicKey } from "../../src/zmq.ts";
import { freePort, requirePeer, startZmqPeer } from "../interop/_peers.ts";
import { until, within } from "../_helpers.ts";

const AUTH_PEER = fileURLToPath(new URL("../interop/peers/zmq_auth_peer.py", import.meta.url));

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const LAUNCHERS = {
  deno: (args: string[]) => [join(ROOT, "node_modules/deno/deno"), ["run", "-A", MAIN, ...args]],
  bun: (args: string[]) => [join(ROOT, "node_modules/bun/bin/bun.exe"), [MAIN, ...args]],
} as const;
const dec = new TextDecoder();
const dir = mkdtempSync(join(tmpdir(), "weft-curve-cli-"));
const running = new Set<ChildProcess>();
after(() => {
  running.forEach((c) => c.kill("SIGKILL"));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command to its end; resolves with status and output. */
function run(
  launcher: keyof typeof LAUNCHERS,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, argv] = LAUNCHERS[launcher](args) as [string, string[]];
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return within(
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      child.on("close", (code) => {
        running.delete(child);
        resolve({ code: code ?? -1, stdout, stderr });
      })
    ),
    `weft ${args.join(" ")}`,
  ).catch((e) => {
    child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}; stderr: ${stderr}`);
  });
}

for (const launcher of ["deno", "bun"] as const) {
  describe(`weft zmq keygen and CURVE flags (${launcher})`, () => {
    test("keygen prints a curve_keygen-style pair whose public key is the secret key's", async () => {
      const r = await run(launcher, ["zmq", "keygen"]);
      assert.equal(r.code, 0, r.stderr);
      const m = /^== CURVE PUBLIC KEY ==\n(.{40})\n== CURVE SECRET KEY ==\n(.{40})\n$/.exec(
        r.stdout,
      );
      assert.ok(m, r.stdout);
      assert.equal(curvePublicKey(m[2]!), m[1]);
      const j = await run(launcher, ["zmq", "keygen", "--json"]);
      const pair = JSON.parse(j.stdout);
      assert.equal(curvePublicKey(pair.secretKey), pair.publicKey);
      assert.notEqual(pair.secretKey, m[2]);
    });

    test("a bad key is a usage error naming the flag", async () => {
      const r = await run(launcher, [
        "zmq",
        "cat",
        "--push",
        "--connect",
        "tcp://127.0.0.1:9",
        "--curve-server-key",
        "too-short",
        "hi",
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--curve-server-key expects a 40-character Z85 key/);
      const env = await run(launcher, [
        "zmq",
        "cat",
        "--pull",
        "--bind",
        "tcp://127.0.0.1:0",
        "--curve-server",
        "--curve-secret-key",
        "env:WEFT_NO_SUCH_VARIABLE",
      ]);
      assert.equal(env.code, 2);
      assert.match(env.stderr, /WEFT_NO_SUCH_VARIABLE is not set/);
    });

    test("cat as CURVE client pushes to a libzmq CURVE server (secret key from env:)", async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const server = curveKeyPair();
      const client = curveKeyPair();
      const peer = await startZmqPeer();
      try {
        await peer.ok({
          op: "socket",
          type: "PULL",
          options: { LINGER: 0, CURVE_SERVER: 1, CURVE_SECRETKEY: server.secretKey },
        });
        const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
        const received = peer.ok({ op: "recv", timeout: 15_000 });
        const r = await run(launcher, [
          "zmq",
          "cat",
          "--push",
          "--connect",
          String(endpoint),
          "--curve-server-key",
          server.publicKey,
          "--curve-secret-key",
          "env:WEFT_TEST_SECRET",
          "secret message",
        ], { WEFT_TEST_SECRET: client.secretKey });
        assert.equal(r.code, 0, r.stderr);
        const { frames } = await received;
        assert.equal(dec.decode(Buffer.from((frames as string[])[0]!, "hex")), "secret message");
      } finally {
        await peer.close();
      }
    });

    test("cat as CURVE server pulls from a libzmq CURVE client (secret key from @certificate)", async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const server = curveKeyPair();
      const client = curveKeyPair();
      const cert = join(dir, `server-${launcher}.key_secret`);
      writeFileSync(
        cert,
        `metadata\ncurve\n    public-key = "${server.publicKey}"\n    secret-key = "${server.secretKey}"\n`,
      );
      const port = await freePort();
      const pulling = run(launcher, [
        "zmq",
        "cat",
        "--pull",
        "--bind",
        `tcp://127.0.0.1:${port}`,
        "--curve-server",
        "--curve-secret-key",
        `@${cert}`,
        "--count",
        "1",
      ]);
      const peer = await startZmqPeer();
      try {
        await peer.ok({
          op: "socket",
          type: "PUSH",
          options: {
            LINGER: 1000,
            CURVE_SERVERKEY: server.publicKey,
            CURVE_SECRETKEY: client.secretKey,
            CURVE_PUBLICKEY: client.publicKey,
          },
        });
        await peer.ok({ op: "connect", endpoint: `tcp://127.0.0.1:${port}` });
        await peer.ok({ op: "send", text: ["from libzmq"] });
        const r = await pulling;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "from libzmq\n");
      } finally {
        await peer.close();
      }
    });

    test("cat as PLAIN client pushes to libzmq with ThreadAuthenticator (password from env:)", async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const peer = await startZmqPeer({ script: AUTH_PEER });
      try {
        await peer.ok({ op: "auth", plain: { ann: "s3cret" } });
        await peer.ok({ op: "socket", type: "PULL", options: { LINGER: 0, PLAIN_SERVER: 1 } });
        const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
        const received = peer.ok({ op: "recv", timeout: 15_000 });
        const r = await run(launcher, [
          "zmq",
          "cat",
          "--push",
          "--connect",
          String(endpoint),
          "--plain-user",
          "ann",
          "--plain-password",
          "env:WEFT_TEST_PASSWORD",
          "logged in",
        ], { WEFT_TEST_PASSWORD: "s3cret" });
        assert.equal(r.code, 0, r.stderr);
        const { frames } = await received;
        assert.equal(dec.decode(Buffer.from((frames as string[])[0]!, "hex")), "logged in");
      } finally {
        await peer.close();
      }
    });

    test("cat as PLAIN client with a wrong password: libzmq refuses, -v shows the 400", async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const peer = await startZmqPeer({ script: AUTH_PEER });
      const [cmd, argv] = LAUNCHERS[launcher]([]) as [string, string[]];
      let child: ChildProcess | undefined;
      try {
        await peer.ok({ op: "auth", plain: { ann: "s3cret" } });
        await peer.ok({ op: "socket", type: "REP", options: { LINGER: 0, PLAIN_SERVER: 1 } });
        await peer.ok({ op: "monitor" });
        const { endpoint } = await peer.ok({ op: "bind", endpoint: "tcp://127.0.0.1:0" });
        child = spawn(cmd, [
          ...argv,
          "zmq",
          "cat",
          "--req",
          "-v",
          "--connect",
          String(endpoint),
          "--plain-user",
          "ann",
          "--plain-password",
          "wrong",
          "hello",
        ], {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, NO_COLOR: "1" },
        });
        running.add(child);
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        await until(() => /handshake:error/.test(stderr), "cat reports the refusal");
        assert.match(stderr, /400/);
        const failed = await peer.nextEvent({
          name: ["HANDSHAKE_FAILED_AUTH", "HANDSHAKE_FAILED_PROTOCOL"],
        });
        assert.ok(failed.event);
      } finally {
        child?.kill("SIGKILL");
        if (child) running.delete(child);
        await peer.close();
      }
    });

    test("cat as PLAIN server pulls from a libzmq PLAIN client (--plain-allow @file)", async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const users = join(dir, `users-${launcher}.txt`);
      writeFileSync(users, "# who may push\nadmin:secret\nann:s3cret\n");
      const port = await freePort();
      const pulling = run(launcher, [
        "zmq",
        "cat",
        "--pull",
        "--bind",
        `tcp://127.0.0.1:${port}`,
        "--plain-server",
        "--plain-allow",
        `@${users}`,
        "--count",
        "1",
      ]);
      const peer = await startZmqPeer();
      try {
        await peer.ok({
          op: "socket",
          type: "PUSH",
          options: { LINGER: 1000, PLAIN_USERNAME: "ann", PLAIN_PASSWORD: "s3cret" },
        });
        await peer.ok({ op: "connect", endpoint: `tcp://127.0.0.1:${port}` });
        await peer.ok({ op: "send", text: ["from libzmq, logged in"] });
        const r = await pulling;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "from libzmq, logged in\n");
      } finally {
        await peer.close();
      }
    });

    test("PLAIN flags without their partner, or with CURVE, are usage errors", async () => {
      const base = ["zmq", "cat", "--pull", "--bind", "tcp://127.0.0.1:0"];
      const noAllow = await run(launcher, [...base, "--plain-server"]);
      assert.equal(noAllow.code, 2);
      assert.match(noAllow.stderr, /--plain-server needs --plain-allow/);
      const both = await run(launcher, [
        ...base,
        "--plain-server",
        "--plain-allow",
        "a:b",
        "--curve-server",
        "--curve-secret-key",
        curveKeyPair().secretKey,
      ]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /one mechanism, CURVE or PLAIN/);
      const bad = await run(launcher, [...base, "--plain-server", "--plain-allow", "nocolon"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--plain-allow expects USER:PASSWORD/);
    });
  });
}
