// `weft sp cat` and `weft sp device` as real processes (deno run and bun), side by side with
// nngcat 1.5.2: the same command line against the same weft peer must print the same bytes and
// exit the same way.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { defaultTransports, InprocNamespace, Pull0, Push0, Rep0, Req0 } from "../../src/sp.ts";
import { freePort, requirePeer, waitForListener } from "../interop/_peers.ts";
import { makeTestCerts } from "../conformance/_tls_certs.ts";
import { within } from "../_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DENO = join(ROOT, "node_modules/deno/deno");
const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");
const MAIN = join(ROOT, "src/cli/main.ts");
const DEADLINE_MS = 20_000;

/** The programs a command line can run under. */
const PROGRAMS = {
  nngcat: (args: string[]): [string, string[]] => ["nngcat", args],
  deno: (args: string[]): [string, string[]] => [DENO, ["run", "-A", MAIN, "sp", "cat", ...args]],
  bun: (args: string[]): [string, string[]] => [BUN, [MAIN, "sp", "cat", ...args]],
} as const;
type Program = keyof typeof PROGRAMS;

interface Ran {
  code: number;
  stdout: Buffer;
  stderr: string;
}

const running = new Set<ChildProcess>();
after(() => running.forEach((c) => c.kill("SIGKILL")));

/** Starts a process; `done` resolves when it exits (killed at the deadline). */
function start(cmd: string, args: string[]): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  running.add(child);
  const out: Buffer[] = [];
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => (stderr += c));
  const done = new Promise<Ran>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} did not exit; stderr: ${stderr}`));
    }, DEADLINE_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr });
    });
  });
  return { child, done };
}

function cat(program: Program, args: string[]) {
  const [cmd, argv] = PROGRAMS[program](args);
  return start(cmd, argv);
}

/** A reply with every kind of byte nngcat's formats treat specially. */
const TRICKY = Uint8Array.from([
  ...Buffer.from('q"\\ \n\r\t'),
  0,
  1,
  0x7f,
  0x80,
  0xff,
  ...Buffer.from("é~ end"),
]);

const FORMATS = [["--ascii"], ["-Q"], ["--hex"], ["--raw"], ["--format", "msgpack"], []];

/** Runs `args` (with the REP's url appended) against a weft REP answering TRICKY. */
async function askRep(program: Program, args: string[]): Promise<Ran> {
  await using rep = new Rep0();
  await rep.listen("tcp://127.0.0.1:0");
  const ran = cat(program, [...args, "--dial", rep.lastEndpoint!]);
  const asked = await within(rep.recv(), "the request");
  await rep.send(TRICKY);
  const result = await ran.done;
  assert.equal(Buffer.from(asked).toString(), "what?");
  return result;
}

const sideBySide = (program: Exclude<Program, "nngcat">) =>
  describe(`weft sp cat (${program}) next to nngcat 1.5.2`, () => {
    for (const format of FORMATS) {
      test(`--req0 ${format.join(" ") || "(no format)"}: the same bytes out`, async (t) => {
        if (!requirePeer(t, "nngcat")) return;
        const args = ["--req0", "--data", "what?", ...format];
        const want = await askRep("nngcat", args);
        const got = await askRep(program, args);
        assert.equal(want.code, 0, want.stderr);
        assert.deepEqual(
          { code: got.code, out: got.stdout.toString("hex") },
          { code: 0, out: want.stdout.toString("hex") },
          got.stderr,
        );
      });
    }

    test("--pull0 --listen --count 3 --quoted: the same lines from a weft PUSH", async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      const outputs: Ran[] = [];
      for (const p of ["nngcat", program] as const) {
        const url = `tcp://127.0.0.1:${await freePort()}`;
        const ran = cat(p, ["--pull0", "--listen", url, "--count", "3", "--quoted"]);
        await waitForListener(url);
        await using push = new Push0();
        await push.dial(url);
        for (const m of ["one", "t\two", "th\x01ree"]) await push.send(m);
        outputs.push(await ran.done);
      }
      assert.equal(outputs[0]!.stdout.toString(), '"one"\n"t\\two"\n"th\\x01ree"\n');
      assert.deepEqual(outputs[1]!.stdout.toString(), outputs[0]!.stdout.toString());
      assert.equal(outputs[1]!.code, 0, outputs[1]!.stderr);
    });

    test("--rep0 -L port --data -Q -C 1: answers as nngcat does", async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      const replies: string[] = [];
      const outputs: string[] = [];
      for (const p of ["nngcat", program] as const) {
        const port = await freePort();
        const ran = cat(p, ["--rep0", "-L", String(port), "--data", "42", "-Q", "-C", "1"]);
        await waitForListener(`tcp://127.0.0.1:${port}`);
        await using req = new Req0();
        await req.dial(`tcp://127.0.0.1:${port}`);
        await req.send("what is the answer?");
        replies.push(Buffer.from(await within(req.recv())).toString());
        const r = await ran.done;
        assert.equal(r.code, 0, r.stderr);
        outputs.push(r.stdout.toString());
      }
      assert.deepEqual(replies, ["42", "42"]);
      assert.deepEqual(outputs, ['"what is the answer?"\n', '"what is the answer?"\n']);
    });

    test("mistakes: nngcat's message and exit status, then weft's hint line", async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      const lines = [
        ["--pu", "--listen", "tcp://127.0.0.1:1"],
        ["--req0", "--dial", "tcp://127.0.0.1:1"],
        ["--push0", "--dial", "tcp://127.0.0.1:1", "--data", "x", "-Q"],
        ["--sub0", "--pub0"],
        ["--pull0", "--subscribe", "x", "--listen", "tcp://127.0.0.1:1"],
        ["--pair0", "--compat", "--count", "2", "--listen", "tcp://127.0.0.1:1"],
        ["--req0", "--data"],
        ["--req0", "-Q", "--hex"],
        ["--req0", "--count", "x1"],
        ["--rep0"],
      ];
      for (const args of lines) {
        const [want, got] = await Promise.all([cat("nngcat", args).done, cat(program, args).done]);
        const [message, hint, ...more] = got.stderr.trim().split("\n");
        assert.deepEqual(
          { args, code: got.code, err: message },
          { args, code: want.code, err: want.stderr.trim() },
        );
        assert.match(hint ?? "", /^hint: \S/, `no hint line for ${args.join(" ")}`);
        assert.deepEqual(more, []);
      }
    });
  });

sideBySide("deno");
sideBySide("bun");

/** Throwaway certificate files for the TLS options (one self-signed server, its own root). */
function certFiles(): { cert: string; key: string; certPath: string; keyPath: string } | undefined {
  const certs = makeTestCerts();
  if (!certs) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "weft-cli-tls-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  writeFileSync(certPath, certs.cert);
  writeFileSync(keyPath, certs.key);
  return { cert: certs.cert, key: certs.key, certPath, keyPath };
}

const tlsSideBySide = (program: Exclude<Program, "nngcat">) =>
  describe(`weft sp cat (${program}) TLS options, next to nngcat 1.5.2`, () => {
    const files = certFiles();

    test("--req0 --dial tls+tcp:// --cacert: the same bytes out as nngcat's", async (t) => {
      if (!requirePeer(t, "nngcat") || !requirePeer(t, "openssl")) return;
      const outputs: Ran[] = [];
      // nngcat's mbedTLS 2 cannot check an IP address in a certificate: it dials with -k.
      for (const [p, trust] of [["nngcat", ["-k"]], [program, ["--cacert", files!.certPath]]]) {
        await using rep = new Rep0({
          transports: defaultTransports(new InprocNamespace(), {
            tls: { cert: files!.cert, key: files!.key },
          }),
        });
        await rep.listen("tls+tcp://127.0.0.1:0");
        const ran = cat(p as Program, [
          "--req0",
          "--dial",
          rep.lastEndpoint!,
          ...trust!,
          "--data",
          "what?",
          "-Q",
        ]);
        assert.equal(Buffer.from(await within(rep.recv(), "the request")).toString(), "what?");
        await rep.send(TRICKY);
        outputs.push(await ran.done);
      }
      assert.equal(outputs[0]!.code, 0, outputs[0]!.stderr);
      assert.deepEqual(
        { code: outputs[1]!.code, out: outputs[1]!.stdout.toString("hex") },
        { code: 0, out: outputs[0]!.stdout.toString("hex") },
        outputs[1]!.stderr,
      );
    });

    test("--rep0 --listen wss:// --cert --key: nngcat's REQ gets the answer", async (t) => {
      if (!requirePeer(t, "nngcat") || !requirePeer(t, "openssl")) return;
      const port = await freePort();
      const url = `wss://127.0.0.1:${port}/sp`;
      const ran = cat(program, [
        "--rep0",
        "--listen",
        url,
        "--cert",
        files!.certPath,
        "--key",
        files!.keyPath,
        "--data",
        "42",
        "-Q",
        "-C",
        "1",
      ]);
      await waitForListener(`tcp://127.0.0.1:${port}`);
      const asked = cat("nngcat", ["--req0", "--dial", url, "-k", "--data", "answer?", "-Q"]);
      const [r, q] = await Promise.all([ran.done, asked.done]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), '"answer?"\n');
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stdout.toString(), '"42"\n');
    });

    test("--cert without --key reads the key from the same file, as nngcat does", async (t) => {
      if (!requirePeer(t, "openssl")) return;
      const both = join(tmpdir(), `weft-cli-both-${process.pid}-${program}.pem`);
      writeFileSync(both, files!.cert + files!.key);
      after(() => rmSync(both, { force: true }));
      const port = await freePort();
      const url = `tls+tcp://127.0.0.1:${port}`;
      const ran = cat(program, [
        "--rep0",
        "--listen",
        url,
        "--cert",
        both,
        "--data",
        "ok",
        "-C",
        "1",
      ]);
      await waitForListener(`tcp://127.0.0.1:${port}`);
      await using req = new Req0({
        transports: defaultTransports(new InprocNamespace(), { tls: { caCerts: [files!.cert] } }),
      });
      await req.dial(url);
      await req.send("?");
      assert.equal(Buffer.from(await within(req.recv())).toString(), "ok");
      assert.equal((await ran.done).code, 0);
    });

    test("TLS options given twice: nngcat's messages", async (t) => {
      if (!requirePeer(t, "nngcat") || !requirePeer(t, "openssl")) return;
      const c = files!.certPath;
      for (
        const args of [
          ["--req0", "--cacert", c, "--cacert", c],
          ["--req0", "--cert", c, "--cert", c],
          ["--req0", "--key", c, "--key", c],
        ]
      ) {
        const [want, got] = await Promise.all([cat("nngcat", args).done, cat(program, args).done]);
        const [message, hint, ...more] = got.stderr.trim().split("\n");
        assert.deepEqual(
          { args, code: got.code, err: message },
          { args, code: want.code, err: want.stderr.trim() },
        );
        assert.match(hint ?? "", /^hint: \S/, `no hint line for ${args.join(" ")}`);
        assert.deepEqual(more, []);
      }
    });
  });

tlsSideBySide("deno");
tlsSideBySide("bun");

describe("weft sp device", () => {
  test("--reqrep: weft sp cat --req0 reaches a REP behind the device", async () => {
    const [front, back] = [await freePort(), await freePort()];
    const frontUrl = `tcp://127.0.0.1:${front}`;
    const backUrl = `tcp://127.0.0.1:${back}`;
    const dev = start(DENO, [
      "run",
      "-A",
      MAIN,
      "sp",
      "device",
      "--reqrep",
      "--front-listen",
      frontUrl,
      "--back-listen",
      backUrl,
    ]);
    try {
      await waitForListener(frontUrl);
      await waitForListener(backUrl);
      await using rep = new Rep0({ reconnectTime: 50 });
      await rep.dial(backUrl);
      const serving = (async () => {
        for (;;) {
          const q = await rep.recv();
          await rep.send(`re:${Buffer.from(q)}`);
        }
      })();
      serving.catch(() => {}); // ECLOSED at the end
      const r = await cat("deno", ["--req0", "--dial", frontUrl, "--data", "hello", "-Q"]).done;
      assert.equal(r.stdout.toString(), '"re:hello"\n', r.stderr);
      assert.equal(r.code, 0);
    } finally {
      dev.child.kill("SIGTERM"); // (SIGINT may be ignored when the tests run in a background job)
      const ended = await dev.done;
      // 130 from its SIGTERM handler; Deno's node:child_process reports some as killed (-1).
      assert.ok([130, -1].includes(ended.code), `exit ${ended.code}: ${ended.stderr}`);
      assert.match(ended.stderr, /front rep listening at tcp:\/\/127\.0\.0\.1:\d+/);
    }
  });

  test("--pipeline: PUSH → device → PULL (library sockets, the device under bun)", async () => {
    const [front, back] = [await freePort(), await freePort()];
    const frontUrl = `tcp://127.0.0.1:${front}`;
    const backUrl = `tcp://127.0.0.1:${back}`;
    const dev = start(BUN, [
      MAIN,
      "sp",
      "device",
      "--pipeline",
      "--front-listen",
      frontUrl,
      "--back-listen",
      backUrl,
    ]);
    try {
      await waitForListener(frontUrl);
      await waitForListener(backUrl);
      await using pull = new Pull0();
      await pull.dial(backUrl);
      await using push = new Push0();
      await push.dial(frontUrl);
      for (const m of ["a", "b", "c"]) await push.send(m);
      const got = [];
      for (let i = 0; i < 3; i++) got.push(Buffer.from(await within(pull.recv())).toString());
      assert.deepEqual(got, ["a", "b", "c"]);
    } finally {
      dev.child.kill("SIGTERM"); // (SIGINT may be ignored when the tests run in a background job)
      assert.ok([130, -1].includes((await dev.done).code));
    }
  });
});
