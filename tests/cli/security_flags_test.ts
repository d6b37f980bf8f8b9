// The security flags of `weft zmq cat|proxy|monitor` in process (the spawned runs are in
// curve_cli_test.ts): which options each flag set makes, where secrets come from (argument,
// @file, env:NAME), and the usage errors for flags without their partner or both mechanisms.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, UsageError } from "../../src/cli/args.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { plainUsers, securityFlags, securityOptions } from "../../src/cli/security_flags.ts";
import { curveKeyPair } from "../../src/zmq.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-security-flags-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENV: Record<string, string> = { PW: "from-env", USERS: "ann:s3cret\r\nbob:x:y\r\n" };
const io = {
  readFile: async (path: string) => new Uint8Array(await readFile(path)),
  env: (name: string) => ENV[name],
} as unknown as CliIo;

const options = (argv: string[], prefix = "") =>
  securityOptions(
    parseArgs(argv, { ...securityFlags(), ...securityFlags("backend-") }),
    io,
    prefix,
  );

describe("PLAIN flags", () => {
  test("a client: user and password from the argument, env: or @file", async () => {
    assert.deepEqual(await options(["--plain-user", "ann", "--plain-password", "pw"]), {
      plainUsername: "ann",
      plainPassword: "pw",
    });
    assert.equal(
      (await options(["--plain-user", "ann", "--plain-password", "env:PW"]))
        .plainPassword,
      "from-env",
    );
    const file = join(dir, "password");
    writeFileSync(file, "from-file\n");
    assert.equal(
      (await options(["--plain-user", "ann", "--plain-password", `@${file}`]))
        .plainPassword,
      "from-file",
    );
    assert.equal((await options(["--plain-user", "ann"])).plainPassword, ""); // as libzmq's default
  });

  test("a server: --plain-allow values, files and variables make one allow-list", async () => {
    const file = join(dir, "users");
    writeFileSync(file, "# staff\n\ncarol:c\n");
    const o = await options([
      "--plain-server",
      "--plain-allow",
      "admin:secret",
      "--plain-allow",
      `@${file}`,
      "--plain-allow",
      "env:USERS",
    ]);
    assert.equal(o.plainServer, true);
    const ask = (user: string, password: string) =>
      o.authenticate!({
        domain: "",
        address: "127.0.0.1",
        routingId: new Uint8Array(0),
        mechanism: "PLAIN",
        credentials: [new TextEncoder().encode(user), new TextEncoder().encode(password)],
      });
    assert.equal((await ask("admin", "secret")).status, 200);
    assert.equal((await ask("carol", "c")).status, 200);
    assert.equal((await ask("bob", "x:y")).status, 200); // the password is all after the first ':'
    assert.equal((await ask("ann", "wrong")).status, 400);
  });

  test("the backend- prefix reads its own flags", async () => {
    const o = await options(["--backend-plain-user", "b", "--plain-user", "f"], "backend-");
    assert.equal(o.plainUsername, "b");
  });

  const refusals: Array<[string, string[], RegExp]> = [
    ["a server without an allow-list", ["--plain-server"], /--plain-server needs --plain-allow/],
    ["an allow-list without a server", ["--plain-allow", "a:b"], /add --plain-server/],
    [
      "server and client at once",
      ["--plain-server", "--plain-allow", "a:b", "--plain-user", "a"],
      /PLAIN server or a PLAIN client/,
    ],
    ["a password without a user", ["--plain-password", "pw"], /needs --plain-user/],
    ["an entry without ':'", ["--plain-server", "--plain-allow", "nocolon"], /USER:PASSWORD/],
    ["an entry with an empty user", ["--plain-server", "--plain-allow", ":pw"], /USER:PASSWORD/],
    ["an unset variable", ["--plain-user", "a", "--plain-password", "env:NOPE"], /NOPE is not set/],
    [
      "an unreadable file",
      ["--plain-user", "a", "--plain-password", `@${join(dir, "missing")}`],
      /cannot read the file/,
    ],
    [
      "PLAIN and CURVE together",
      ["--plain-user", "a", "--curve-server", "--curve-secret-key", curveKeyPair().secretKey],
      /one mechanism, CURVE or PLAIN/,
    ],
  ];
  for (const [what, argv, message] of refusals) {
    test(`usage error: ${what}`, async () => {
      await assert.rejects(options(argv), (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test("a long malformed entry is shortened in the message", async () => {
    await assert.rejects(plainUsers("--plain-allow", ["x".repeat(100)], io), /x{40}…"/);
  });
});

describe("CURVE key sources", () => {
  test("a Z85 key that starts with @ or env: is the key itself, not a file or variable", async () => {
    // "@" and ":" are Z85 digits: curveKeyPair() makes such keys now and then.
    const at = "@" + curveKeyPair().publicKey.slice(1);
    assert.equal(
      (await options([
        "--curve-server-key",
        at,
        "--curve-secret-key",
        curveKeyPair()
          .secretKey,
      ])).curveServerKey,
      at,
    );
    const env = "env:" + curveKeyPair().publicKey.slice(4);
    assert.equal(
      (await options([
        "--curve-server-key",
        env,
        "--curve-secret-key",
        curveKeyPair()
          .secretKey,
      ])).curveServerKey,
      env,
    );
  });

  test("a 32-byte file, a certificate's field, and a bad certificate", async () => {
    const pair = curveKeyPair();
    const raw = join(dir, "raw.key");
    writeFileSync(raw, new Uint8Array(32).fill(7));
    const cert = join(dir, "server.key_secret");
    writeFileSync(
      cert,
      `curve\n    public-key = "${pair.publicKey}"\n    secret-key = "${pair.secretKey}"\n`,
    );
    const o = await options(["--curve-server", "--curve-secret-key", `@${cert}`]);
    assert.equal(o.curveSecretKey, pair.secretKey);
    const r = await options(["--curve-server-key", `@${raw}`, "--curve-secret-key", `@${cert}`]);
    assert.equal((r.curveServerKey as Uint8Array).length, 32);
    const bad = join(dir, "bad.key");
    writeFileSync(bad, "not a key\nat all\n");
    await assert.rejects(
      options(["--curve-server", "--curve-secret-key", `@${bad}`]),
      /expected 40 Z85 characters, 32 bytes, or a certificate with a secret-key/,
    );
  });
});
