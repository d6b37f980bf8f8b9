// The `weft` command, run as a real process (Deno, Bun and the `bun build --compile` binary)
// against weft sockets in the test and, when pyzmq is installed, libzmq.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pull, Push, Rep, Req, Sub } from "../../src/zmq.ts";
import { requirePeer, zmqPython } from "../interop/_peers.ts";
import { texts } from "../_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DENO = join(ROOT, "node_modules/deno/deno");
const BUN = join(ROOT, "node_modules/bun/bin/bun.exe");
const MAIN = join(ROOT, "src/cli/main.ts");
const DEADLINE_MS = 20_000;

/** How to start the command: `deno run`, `bun`, or the compiled binary. */
type Launcher = (args: string[]) => [string, string[]];
const viaDeno: Launcher = (args) => [DENO, ["run", "-A", MAIN, ...args]];
const viaBun: Launcher = (args) => [BUN, [MAIN, ...args]];

interface Cli {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit status (rejects after the deadline, killing the process). */
  readonly exited: Promise<number>;
  /** Resolves with the first match of `pattern` in stderr (or rejects at the deadline). */
  waitErr(pattern: RegExp): Promise<RegExpMatchArray>;
}

const running = new Set<ChildProcess>();
after(() => running.forEach((c) => c.kill("SIGKILL")));

function cli(launch: Launcher, args: string[], stdin?: string): Cli {
  const [cmd, argv] = launch(args);
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  running.add(child);
  if (stdin !== undefined) child.stdin!.end(stdin);
  const self: Cli = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`weft ${args.join(" ")} did not exit; stderr: ${self.stderr}`));
      }, DEADLINE_MS);
      child.on("close", (code) => {
        clearTimeout(timer);
        running.delete(child);
        resolve(code ?? -1);
      });
    }),
    waitErr: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = self.stderr.match(pattern);
          if (m) {
            clearTimeout(timer);
            child.stderr!.off("data", check);
            resolve(m);
          }
        };
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} on stderr: ${self.stderr}`)),
          DEADLINE_MS,
        );
        child.stderr!.on("data", check);
        check();
      }),
  };
  child.stdout!.on("data", (c: Buffer) => (self.stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (self.stderr += c.toString()));
  return self;
}

/** The endpoint a `-v` cat/monitor reports after binding `tcp://127.0.0.1:0`. */
async function boundEndpoint(c: Cli): Promise<string> {
  return (await c.waitErr(/weft: bind (tcp:\/\/127\.0\.0\.1:\d+)/))[1]!;
}

describe("weft command line", () => {
  test("help and usage errors", async () => {
    const help = cli(viaDeno, ["zmq", "cat", "--help"]);
    assert.equal(await help.exited, 0);
    assert.match(help.stdout, /--subscribe PREFIX/);
    const bad = cli(viaDeno, ["zmq", "cat", "--pull", "--bogus"]);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr, /unknown option --bogus[\s\S]*weft zmq cat --help/);
    const none = cli(viaDeno, ["zmq", "cat", "--pull"]);
    assert.equal(await none.exited, 2);
    assert.match(none.stderr, /expected at least one endpoint/);
  });

  for (const [name, launch] of [["deno", viaDeno], ["bun", viaBun]] as const) {
    test(`cat --pull (${name}) prints what a weft PUSH sends, in json`, async () => {
      const c = cli(launch, [
        "zmq",
        "cat",
        "--pull",
        "-v",
        "--bind",
        "tcp://127.0.0.1:0",
        "--count",
        "3",
        "--format",
        "json",
      ]);
      await using push = new Push();
      push.connect(await boundEndpoint(c));
      await push.send("one");
      await push.send(["two", "parts"]);
      await push.send(new Uint8Array([0xff, 0]));
      assert.equal(await c.exited, 0, c.stderr);
      assert.equal(c.stdout, '["one"]\n["two","parts"]\n[{"hex":"ff00"}]\n');
    });

    test(`cat --push (${name}) sends stdin lines to a weft PULL`, async () => {
      await using pull = new Pull({ receiveTimeout: DEADLINE_MS });
      await pull.bind("tcp://127.0.0.1:0");
      const c = cli(launch, ["zmq", "cat", "--push", "--connect", pull.lastEndpoint!], "a\nb\nc\n");
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(...texts(await pull.receive()));
      assert.deepEqual(got, ["a", "b", "c"]);
      assert.equal(await c.exited, 0, c.stderr);
    });
  }

  test("cat --req sends each message and prints the weft REP's reply", async () => {
    await using rep = new Rep({ receiveTimeout: DEADLINE_MS });
    await rep.bind("tcp://127.0.0.1:0");
    const c = cli(viaDeno, ["zmq", "cat", "--req", "--connect", rep.lastEndpoint!, "ping", "pong"]);
    for (let i = 0; i < 2; i++) {
      const [body] = texts(await rep.receive());
      await rep.send(`re:${body}`);
    }
    assert.equal(await c.exited, 0, c.stderr);
    assert.equal(c.stdout, "re:ping\nre:pong\n");
  });

  test("cat --rep prints requests and echoes them (or replies with --data)", async () => {
    const c = cli(viaDeno, [
      "zmq",
      "cat",
      "--rep",
      "-v",
      "--bind",
      "tcp://127.0.0.1:0",
      "--count",
      "2",
      "--format",
      "hex",
    ]);
    await using req = new Req({ receiveTimeout: DEADLINE_MS });
    req.connect(await boundEndpoint(c));
    await req.send(["hi", ""]);
    assert.deepEqual(texts(await req.receive()), ["hi", ""]);
    await req.send("x");
    assert.deepEqual(texts(await req.receive()), ["x"]);
    assert.equal(await c.exited, 0, c.stderr);
    assert.equal(c.stdout, "6869 \n78\n");

    const d = cli(viaDeno, [
      "zmq",
      "cat",
      "--rep",
      "-v",
      "--bind",
      "tcp://127.0.0.1:0",
      "-n",
      "1",
      "-d",
      "pong",
    ]);
    await using req2 = new Req({ receiveTimeout: DEADLINE_MS });
    req2.connect(await boundEndpoint(d));
    await req2.send("ping");
    assert.deepEqual(texts(await req2.receive()), ["pong"]);
    assert.equal(await d.exited, 0, d.stderr);
  });

  test("cat --pull --timeout exits 1 when nothing arrives", async () => {
    const c = cli(viaDeno, [
      "zmq",
      "cat",
      "--pull",
      "--bind",
      "tcp://127.0.0.1:0",
      "--timeout",
      "200",
    ]);
    assert.equal(await c.exited, 1);
    assert.match(c.stderr, /no message arrived within 200 ms/);
  });

  test("cat --pub --delay reaches a weft SUB filtering on a prefix", async () => {
    await using sub = new Sub({ receiveTimeout: DEADLINE_MS });
    await sub.bind("tcp://127.0.0.1:0");
    sub.subscribe("keep");
    // --delay gives the subscription time to arrive (the slow-joiner rule of PUB/SUB).
    const c = cli(viaDeno, [
      "zmq",
      "cat",
      "--pub",
      "--connect",
      sub.lastEndpoint!,
      "--delay",
      "300",
      "drop-1",
      "keep-2",
    ]);
    assert.deepEqual(texts(await sub.receive()), ["keep-2"]);
    assert.equal(await c.exited, 0, c.stderr);
  });

  test("proxy --queue between weft REQ and REP, steered by --control", async () => {
    const p = cli(viaDeno, [
      "zmq",
      "proxy",
      "--queue",
      "--frontend-bind",
      "tcp://127.0.0.1:0",
      "--backend-bind",
      "tcp://127.0.0.1:0",
      "--control",
      "tcp://127.0.0.1:0",
    ]);
    const front = (await p.waitErr(/frontend ROUTER bound (\S+)/))[1]!;
    const back = (await p.waitErr(/backend DEALER bound (\S+)/))[1]!;
    const control = (await p.waitErr(/control REP bound (\S+)/))[1]!;
    await using worker = new Rep({ receiveTimeout: DEADLINE_MS });
    worker.connect(back);
    await using client = new Req({ receiveTimeout: DEADLINE_MS });
    client.connect(front);
    await client.send("job");
    assert.deepEqual(texts(await worker.receive()), ["job"]);
    await worker.send("done");
    assert.deepEqual(texts(await client.receive()), ["done"]);
    await using steer = new Req({ receiveTimeout: DEADLINE_MS });
    steer.connect(control);
    await steer.send("STATISTICS");
    const stats = (await steer.receive()).map((f) =>
      Number(new DataView(f.buffer, f.byteOffset, 8).getBigUint64(0, true))
    );
    // frontend: [id, "", "job"] in, [id, "", "done"] out; backend: the reverse.
    assert.equal(stats[0], 3);
    assert.equal(stats[2], 3);
    assert.equal(stats[4], 3);
    assert.equal(stats[6], 3);
    await steer.send("TERMINATE");
    assert.deepEqual(texts(await steer.receive()), [""]);
    assert.equal(await p.exited, 0, p.stderr);
    assert.match(p.stderr, /frontend: received 3 frames/);
  });

  test("monitor prints bind, accept and handshake events", async () => {
    const m = cli(viaDeno, [
      "zmq",
      "monitor",
      "--pull",
      "--bind",
      "tcp://127.0.0.1:0",
      "--count",
      "3",
    ]);
    const bound = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no bind line: ${m.stdout}`)), DEADLINE_MS);
      const check = () => {
        const hit = m.stdout.match(/^bind (tcp:\/\/\S+)/m);
        if (hit) (clearTimeout(timer), m.child.stdout!.off("data", check), resolve(hit[1]!));
      };
      m.child.stdout!.on("data", check);
    });
    await using push = new Push();
    push.connect(bound);
    assert.equal(await m.exited, 0, m.stderr);
    const lines = m.stdout.trim().split("\n");
    assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["bind", "accept", "handshake"]);
    assert.match(lines[2]!, /peer=PUSH/);
  });

  // No test-context parameter: bun test would take it for a done callback.
  test("cat --push talks to libzmq (pyzmq PULL)", async () => {
    if (!requirePeer(undefined, "python3-zmq")) return;
    const script = [
      "import sys, zmq",
      "s = zmq.Context().socket(zmq.PULL)",
      "port = s.bind_to_random_port('tcp://127.0.0.1')",
      "print(port, flush=True)",
      "s.RCVTIMEO = 20000",
      "for _ in range(2): print('|'.join(f.decode() for f in s.recv_multipart()), flush=True)",
    ].join("\n");
    const py = spawn(zmqPython()!, ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
    running.add(py);
    const pyExited = new Promise<number>((resolve) => py.on("close", (n) => resolve(n ?? -1)));
    let out = "";
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("pyzmq did not start")), DEADLINE_MS);
      py.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = out.match(/^(\d+)\n/);
        if (m) (clearTimeout(timer), resolve(m[1]!));
      });
    });
    const c = cli(viaDeno, [
      "zmq",
      "cat",
      "--push",
      "--connect",
      `tcp://127.0.0.1:${port}`,
      "--format",
      "json",
      '["multi","part"]',
      '"single"',
    ]);
    assert.equal(await c.exited, 0, c.stderr);
    assert.equal(await pyExited, 0);
    running.delete(py);
    assert.deepEqual(out.trim().split("\n").slice(1), ["multi|part", "single"]);
  });

  test("the single-file binary (bun build --compile) does a real exchange", async () => {
    // Built fresh (about a second) so a stale dist/weft never stands in for the current code.
    const temp = mkdtempSync(join(tmpdir(), "weft-cli-"));
    const binary = join(temp, "weft");
    const built = spawnSync(BUN, ["build", "--compile", MAIN, "--outfile", binary], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(built.status, 0, `bun build --compile failed: ${built.stderr}`);
    try {
      const viaBinary: Launcher = (args) => [binary, args];
      const version = cli(viaBinary, ["--version"]);
      assert.equal(await version.exited, 0);
      assert.match(version.stdout, /^weft \d+\.\d+\.\d+\n$/);
      await using rep = new Rep({ receiveTimeout: DEADLINE_MS });
      await rep.bind("tcp://127.0.0.1:0");
      const c = cli(viaBinary, ["zmq", "cat", "--req", "--connect", rep.lastEndpoint!], "hello\n");
      assert.deepEqual(texts(await rep.receive()), ["hello"]);
      await rep.send(["world", "!"]);
      assert.equal(await c.exited, 0, c.stderr);
      assert.equal(c.stdout, "world\t!\n");
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });
});
