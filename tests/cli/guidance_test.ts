// The `weft` command guides: every mistake says what was wrong, the value and what to do
// (issue 11). Run in-process through `weft(argv, io)` with a fake terminal, so each case runs
// under whichever runtime runs the tests (deno test and bun test both run this file).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { weft } from "../../src/cli/weft.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { Pull } from "../../src/zmq.ts";
import { Pull0 } from "../../src/sp.ts";
import { freePort } from "../interop/_peers.ts";
import { until, within } from "../_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A fake terminal: what the command wrote, and Ctrl-C on demand. */
function terminal(options: { stdin?: string; stderrIsTerminal?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const interrupts = new Set<(signal: "SIGINT" | "SIGTERM") => void>();
  const io: CliIo = {
    args: [],
    stdin: async function* () {
      if (options.stdin !== undefined) yield enc.encode(options.stdin);
    },
    stdinIsTerminal: () => options.stdin === undefined,
    stderrIsTerminal: () => options.stderrIsTerminal ?? false,
    write: (bytes) => Promise.resolve(void out.push(dec.decode(bytes))),
    error: (line) => Promise.resolve(void err.push(line)),
    readFile: () => Promise.reject(new Error("no files here")),
    onInterrupt(fn) {
      interrupts.add(fn);
      return () => interrupts.delete(fn);
    },
  };
  return {
    io,
    out,
    err,
    stderr: () => err.join("\n"),
    interrupt: () => [...interrupts].forEach((fn) => fn("SIGINT")),
  };
}

async function run(argv: string[], options: { stdin?: string } = {}) {
  const t = terminal(options);
  const status = await weft(argv, t.io);
  return { status, stdout: t.out.join(""), stderr: t.stderr(), lines: t.err };
}

describe("weft: usage mistakes say what to type instead", () => {
  test("an unknown flag: did you mean", async () => {
    const r = await run(["zmq", "cat", "--pul", "--bind", "inproc://x"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^weft zmq cat: unknown option --pul; did you mean --pull\?/);
    const proxy = await run(["zmq", "proxy", "--frontend-bnd", "tcp://127.0.0.1:1"]);
    assert.match(proxy.stderr, /did you mean --frontend-bind\?/);
    const monitor = await run(["zmq", "monitor", "--timout", "5"]);
    assert.match(monitor.stderr, /did you mean --timeout\?/);
  });

  test("an unknown command or family: did you mean", async () => {
    const cmd = await run(["zmq", "ct"]);
    assert.equal(cmd.status, 2);
    assert.match(cmd.stderr, /unknown command "zmq ct"; did you mean "weft zmq cat"\?/);
    const family = await run(["nng", "cat"]);
    assert.match(family.stderr, /did you mean "weft sp"\?/);
  });

  test("--connect tcp://*:PORT is refused with the reason and the likely address", async () => {
    const r = await run(["zmq", "cat", "--push", "--connect", "tcp://*:5555", "hi"]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /--connect tcp:\/\/\*:5555: "\*" means every interface, which only a bind can use; connect to a host, e.g\. --connect tcp:\/\/127\.0\.0\.1:5555/,
    );
    const proxy = await run([
      "zmq",
      "proxy",
      "--streamer",
      "--frontend-connect",
      "tcp://*:5562",
      "--backend-bind",
      "inproc://guidance-proxy-back",
    ]);
    assert.equal(proxy.status, 2);
    assert.match(proxy.stderr, /--frontend-connect tcp:\/\/\*:5562: "\*" means every interface/);
  });

  test("hex input that is not hex says how to write it", async () => {
    const r = await run([
      "zmq",
      "cat",
      "--req",
      "--connect",
      "tcp://127.0.0.1:1",
      "STATISTICS",
      "--format",
      "hex",
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /got "STATISTICS".*write "STATISTICS" as 53544154495354494353/);
  });

  test("weft --help shows an example of every command", async () => {
    const r = await run(["--help"]);
    assert.equal(r.status, 0);
    for (const command of ["zmq cat", "zmq proxy", "zmq monitor", "sp cat", "sp device"]) {
      assert.match(r.stdout, new RegExp(`\\n  weft ${command} --`), command);
    }
  });
});

describe("weft: failures name the address once and say what to do", () => {
  test("a port clash names the address and port once, with the code once", async () => {
    await using taken = new Pull({ linger: 0 });
    await taken.bind("tcp://127.0.0.1:0");
    const url = taken.lastEndpoint!;
    const port = url.split(":").pop()!;
    const r = await run(["zmq", "cat", "--pull", "--bind", url]);
    assert.equal(r.status, 1);
    assert.deepEqual(r.lines, [
      `weft: bind to ${url} failed: address already in use (EADDRINUSE)`,
      `hint: another socket or program is listening on port ${port}: stop it, pick another ` +
      `port, or bind port 0 to let the system choose (-v prints the port it chose)`,
    ]);
  });

  test("a sender with no peer says it is waiting (stderr a terminal), then sends", async () => {
    const port = await freePort();
    const t = terminal({ stderrIsTerminal: true });
    const status = weft(
      ["zmq", "cat", "--push", "--connect", `tcp://127.0.0.1:${port}`, "hi"],
      t.io,
    );
    await until(() => /waiting for a peer/.test(t.stderr()), "the waiting notice");
    assert.match(
      t.stderr(),
      new RegExp(
        `weft: waiting for a peer \\(connecting to tcp://127\\.0\\.0\\.1:${port}\\); nothing is sent until one connects`,
      ),
    );
    await using pull = new Pull({ linger: 0 });
    await pull.bind(`tcp://127.0.0.1:${port}`);
    assert.deepEqual((await within(pull.receive())).map((f) => dec.decode(f)), ["hi"]);
    assert.equal(await within(status), 0);
  });

  test("without a terminal or -v, the wait stays silent (scripts' stderr stays clean)", async () => {
    await using pull = new Pull({ linger: 0 });
    await pull.bind("tcp://127.0.0.1:0");
    const r = await run(["zmq", "cat", "--push", "--connect", pull.lastEndpoint!, "hi"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  });
});

describe("weft: the documented examples work", () => {
  test("router with a greeting, dealer --count 1: both exchange and the dealer exits", async () => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const router = terminal();
    const routing = weft([
      "zmq",
      "cat",
      "--router",
      "--bind",
      url,
      "--format",
      "json",
      '["me","hi"]',
    ], router.io);
    const dealer = await run([
      "zmq",
      "cat",
      "--dealer",
      "--identity",
      "me",
      "--connect",
      url,
      "--count",
      "1",
      "hello",
    ]);
    assert.equal(dealer.status, 0, dealer.stderr);
    assert.equal(dealer.stdout, "hi\n");
    await until(() => router.out.join("").includes('["me","hello"]'), "the router's print");
    router.interrupt();
    assert.equal(await within(routing), 130);
  });

  test("the proxy's STATISTICS example, in hex, answers with the counters", async () => {
    const [front, back, control] = [await freePort(), await freePort(), await freePort()];
    const proxy = terminal();
    const proxying = weft([
      "zmq",
      "proxy",
      "--streamer",
      "--frontend-bind",
      `tcp://127.0.0.1:${front}`,
      "--backend-bind",
      `tcp://127.0.0.1:${back}`,
      "--control",
      `tcp://127.0.0.1:${control}`,
    ], proxy.io);
    await until(() => proxy.err.length >= 2, "the proxy's bound endpoints");
    const stats = await run([
      "zmq",
      "cat",
      "--req",
      "--connect",
      `tcp://127.0.0.1:${control}`,
      "--format",
      "hex",
      "53544154495354494353",
    ]);
    assert.equal(stats.status, 0, stats.stderr);
    assert.match(stats.stdout, /^[0-9a-f]{16}( [0-9a-f]{16}){7}\n$/);
    const stop = await run([
      "zmq",
      "cat",
      "--req",
      "--connect",
      `tcp://127.0.0.1:${control}`,
      "TERMINATE",
    ]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(await within(proxying), 0, proxy.stderr());
  });
});

describe("weft sp cat: nngcat's messages, then a hint", () => {
  const cases: [string[], string, RegExp][] = [
    [
      ["--req0", "--count", "x1"],
      "Integer argument expected.",
      /^hint: --count \(-C\) takes a whole number, e\.g\. --count 3 \(got "x1"\)$/,
    ],
    [
      ["--req0", "-d", "500ms"],
      "Integer argument expected.",
      /^hint: --delay \(-d\) takes seconds .*-D\/--data.*\(got "500ms"\)$/,
    ],
    [
      ["--lisen", "tcp://127.0.0.1:1"],
      "Option --lisen is invalid.",
      /^hint: did you mean --listen\?$/,
    ],
    [["--req0", "--data"], "Option --data requires argument.", /^hint: --data takes a value/],
    [["--rep0"], "No address specified.", /^hint: give --dial URL or --listen URL/],
    [
      ["--push0", "--dial", "tcp://127.0.0.1:1"],
      "Protocol requires either --file or --data.",
      /^hint: add --data TEXT/,
    ],
    [
      ["--push0", "--dial", "tcp://*:5555", "--data", "x"],
      "Unable to create dialer for tcp://*:5555: Address invalid",
      /^hint: dial a host: "\*" means every interface/,
    ],
  ];
  for (const [args, message, hint] of cases) {
    test(`${args.join(" ")}: "${message}" + hint`, async () => {
      const r = await run(["sp", "cat", ...args]);
      assert.equal(r.status, 1);
      assert.equal(r.lines[0], message);
      assert.match(r.lines[1] ?? "", hint);
      assert.equal(r.lines.length, 2);
    });
  }

  test("a port clash: nngcat's line, then the port", async () => {
    await using taken = new Pull({ linger: 0 });
    await taken.bind("tcp://127.0.0.1:0");
    const url = taken.lastEndpoint!;
    const r = await run(["sp", "cat", "--pull0", "--listen", url]);
    assert.equal(r.status, 1);
    assert.deepEqual(r.lines, [
      `Unable to listen on ${url}: Address in use`,
      "hint: another socket or program listens there: stop it or pick another port",
    ]);
  });

  test("a PUSH0 with no peer says it is waiting (stderr a terminal), then sends", async () => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const t = terminal({ stderrIsTerminal: true });
    const status = weft(["sp", "cat", "--push0", "--listen", url, "--data", "hi"], t.io);
    await until(() => /waiting for a peer/.test(t.stderr()), "the waiting notice");
    assert.equal(
      t.stderr(),
      `weft: waiting for a peer to take the message (listening at ${url}); start the other ` +
        `side, or Ctrl-C to stop`,
    );
    await using pull = new Pull0();
    await pull.dial(url);
    assert.equal(dec.decode(await within(pull.recv())), "hi");
    assert.equal(await within(status), 0);
  });

  test("--help prints nngcat's options and exits 0", async () => {
    const r = await run(["sp", "cat", "--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: weft sp cat <proto> <addr>/);
  });
});
