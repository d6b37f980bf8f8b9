/**
 * The SP interop matrix against real nng 1.5.2 (`nngcat`): every protocol, both directions
 * (weft listens and nngcat dials; nngcat listens and weft dials), over tcp, ipc and ws, with
 * exact contents. Plus REQ's resend when the serving nngcat REP dies and comes back.
 *
 * nngcat facts this relies on (tests/interop/README.md, sp-and-nng.md §3): its dial is
 * synchronous (so our listener is up first, and we wait for its listener through /proc before
 * dialing it); REQ/SURVEYOR send then print what comes back; REP/RESPONDENT with --data answer
 * every request, without it only print; PUB/PUSH send --data --count times; PAIR/BUS with
 * --data send once then print; `--pair` alone is no protocol at all (use --pair0/--pair1).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Bus0,
  Pair0,
  Pair1,
  Pub0,
  Pull0,
  Push0,
  Rep0,
  Req0,
  Respondent0,
  Sub0,
  Surveyor0,
  WeftError,
} from "../../src/sp.ts";
import type { SpSocket } from "../../src/sp.ts";
import {
  freePort,
  type NngcatProcess,
  removeIpcFile,
  requirePeer,
  startNngcat,
  tempIpcPath,
  waitForListener,
} from "./_peers.ts";
import { text, until, within } from "../_helpers.ts";

const SCHEMES = ["tcp", "ipc", "ws"] as const;
type Scheme = typeof SCHEMES[number];

const quoted = (s: string) => `"${s}"`;

/** A fresh endpoint of a scheme (ws on a path, as nng allows several per port). */
async function endpoint(scheme: Scheme): Promise<string> {
  if (scheme === "ipc") return `ipc://${tempIpcPath("sp-nngcat")}`;
  const port = await freePort();
  return scheme === "tcp" ? `tcp://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/sp`;
}

/** What /proc can see listening for an endpoint (ws listens on its tcp port). */
function listenerOf(url: string): string {
  return url.startsWith("ws://") ? url.replace(/^ws:/, "tcp:").replace(/\/[^/]*$/, "") : url;
}

/** Counts completed handshakes on a socket (a weft listener learns of nngcat's dial here). */
function handshakes(socket: SpSocket): () => number {
  let n = 0;
  socket.events.on("handshake", () => n++);
  return () => n;
}

/** The processes and sockets of one case, closed at its end whatever happened. */
class Case implements AsyncDisposable {
  readonly cats: NngcatProcess[] = [];
  readonly sockets: SpSocket[] = [];
  readonly urls: string[] = [];

  cat(args: string[]): NngcatProcess {
    const c = startNngcat(args);
    this.cats.push(c);
    return c;
  }

  /** Starts a listening nngcat and waits until the kernel lists its listener. */
  async listeningCat(url: string, args: string[]): Promise<NngcatProcess> {
    const c = this.cat([...args, "--listen", url]);
    await Promise.race([
      waitForListener(listenerOf(url)),
      c.exited.then((s) => {
        throw new Error(`nngcat exited (${s.code}) before listening: ${c.stderr}`);
      }),
    ]);
    return c;
  }

  socket<T extends SpSocket>(s: T): T {
    this.sockets.push(s);
    return s;
  }

  async url(scheme: Scheme): Promise<string> {
    const u = await endpoint(scheme);
    this.urls.push(u);
    return u;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.sockets) s.close();
    await Promise.all(this.cats.map((c) => c.close()));
    await Promise.all(this.sockets.map((s) => s.closed));
    for (const u of this.urls) if (u.startsWith("ipc://")) removeIpcFile(u.slice(6));
  }
}

/** Reads `n` lines from nngcat (any order when `sorted`). */
async function lines(cat: NngcatProcess, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await cat.nextLine());
  return out;
}

const RECONNECT = { reconnectTime: 50 };

describe("sp interop with nngcat 1.5.2", () => {
  for (const scheme of SCHEMES) {
    // ---- REQ/REP ------------------------------------------------------------------------------

    test(`${scheme}: nngcat --req0 (×3) → weft Rep0 listening`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const rep = c.socket(new Rep0());
      const url = await c.url(scheme);
      await rep.listen(url);
      for (const q of ["one", "two", "three"]) {
        const cat = c.cat(["--req0", "--dial", url, "--data", q, "--quoted"]);
        assert.equal(text(await within(rep.recv())), q);
        await rep.send(`re:${q}`);
        assert.equal(await cat.nextLine(), quoted(`re:${q}`));
        assert.equal((await within(cat.exited)).code, 0, cat.stderr);
      }
    });

    test(`${scheme}: weft Req0 → nngcat --rep0 listening`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      const cat = await c.listeningCat(url, ["--rep0", "--data", "pong", "--quoted"]);
      const req = c.socket(new Req0(RECONNECT));
      await within(req.dial(url));
      for (let i = 0; i < 5; i++) {
        await req.send(`ping${i}`);
        assert.equal(text(await within(req.recv())), "pong");
        assert.equal(await cat.nextLine(), quoted(`ping${i}`));
      }
    });

    // ---- PUB/SUB ------------------------------------------------------------------------------

    test(`${scheme}: weft Pub0 listening → nngcat --sub0 --subscribe`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const pub = c.socket(new Pub0());
      const peers = handshakes(pub);
      const url = await c.url(scheme);
      await pub.listen(url);
      const cat = c.cat(["--sub0", "--dial", url, "--subscribe", "a.", "--subscribe", "c.", "-Q"]);
      await until(() => peers() === 1);
      for (const m of ["a.1", "b.skip", "c.2", "ab", "a.3"]) await pub.send(m);
      assert.deepEqual(await lines(cat, 3), ['"a.1"', '"c.2"', '"a.3"']);
    });

    test(`${scheme}: nngcat --pub0 listening → weft Sub0 (topics)`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      // nngcat publishes once a second (--interval takes whole seconds).
      await c.listeningCat(url, ["--pub0", "--data", "news.42", "--interval", "1"]);
      const yes = c.socket(new Sub0(RECONNECT));
      yes.subscribe("other.");
      yes.subscribe("news.");
      const no = c.socket(new Sub0({ ...RECONNECT, recvTimeout: 2200 }));
      no.subscribe("nothing");
      await within(yes.dial(url));
      await within(no.dial(url));
      // Over two publications the non-matching subscriber gets nothing.
      const nothing = assert.rejects(
        no.recv(),
        (e) => e instanceof WeftError && e.code === "ETIMEDOUT",
      );
      assert.equal(text(await within(yes.recv())), "news.42");
      assert.equal(text(await within(yes.recv())), "news.42");
      await nothing;
    });

    // ---- PUSH/PULL ----------------------------------------------------------------------------

    test(`${scheme}: nngcat --push0 --count 3 → weft Pull0 listening`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const pull = c.socket(new Pull0());
      const url = await c.url(scheme);
      await pull.listen(url);
      const cat = c.cat(["--push0", "--dial", url, "--data", "job", "--count", "3"]);
      for (let i = 0; i < 3; i++) assert.equal(text(await within(pull.recv())), "job");
      assert.equal((await within(cat.exited)).code, 0, cat.stderr);
    });

    test(`${scheme}: weft Push0 → nngcat --pull0 listening`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      const cat = await c.listeningCat(url, ["--pull0", "--quoted", "--count", "4"]);
      const push = c.socket(new Push0(RECONNECT));
      await within(push.dial(url));
      const sent = ["j1", "j2", 'q"uote', "tab\there"];
      for (const m of sent) await push.send(m);
      assert.deepEqual(await lines(cat, 4), ['"j1"', '"j2"', '"q\\"uote"', '"tab\\there"']);
      assert.equal((await within(cat.exited)).code, 0, cat.stderr);
    });

    // ---- PAIR0 / PAIR1 ------------------------------------------------------------------------

    for (const v of [0, 1] as const) {
      const Pair = v === 0 ? Pair0 : Pair1;
      test(`${scheme}: nngcat --pair${v} → weft Pair${v} listening`, async (t) => {
        if (!requirePeer(t, "nngcat")) return;
        await using c = new Case();
        const pair = c.socket(new Pair());
        const url = await c.url(scheme);
        await pair.listen(url);
        const cat = c.cat([`--pair${v}`, "--dial", url, "--data", "hello", "--quoted"]);
        assert.equal(text(await within(pair.recv())), "hello");
        await pair.send("w1");
        await pair.send("w2");
        assert.deepEqual(await lines(cat, 2), ['"w1"', '"w2"']);
      });

      test(`${scheme}: weft Pair${v} → nngcat --pair${v} listening`, async (t) => {
        if (!requirePeer(t, "nngcat")) return;
        await using c = new Case();
        const url = await c.url(scheme);
        // nngcat's send waits for a peer, then it prints what arrives.
        const cat = await c.listeningCat(url, [`--pair${v}`, "--data", "hello", "--quoted"]);
        const pair = c.socket(new Pair(RECONNECT));
        await within(pair.dial(url));
        assert.equal(text(await within(pair.recv())), "hello");
        await pair.send("w1");
        await pair.send("w2");
        assert.deepEqual(await lines(cat, 2), ['"w1"', '"w2"']);
      });
    }

    // ---- SURVEYOR/RESPONDENT ------------------------------------------------------------------

    test(`${scheme}: weft Surveyor0 listening, two nngcat --respondent0 answer`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const surveyor = c.socket(new Surveyor0({ surveyTime: 2000 }));
      const peers = handshakes(surveyor);
      const url = await c.url(scheme);
      await surveyor.listen(url);
      const r1 = c.cat(["--respondent0", "--dial", url, "--data", "r1", "--quoted"]);
      const r2 = c.cat(["--respondent0", "--dial", url, "--data", "r2", "--quoted"]);
      await until(() => peers() === 2);
      await surveyor.send("who?");
      const answers = [text(await within(surveyor.recv())), text(await within(surveyor.recv()))];
      assert.deepEqual(answers.sort(), ["r1", "r2"]);
      assert.equal(await r1.nextLine(), '"who?"');
      assert.equal(await r2.nextLine(), '"who?"');
    });

    test(`${scheme}: nngcat --surveyor0 listening, weft + nngcat respondents`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      // A survey a second (each lasts nng's 1 s survey time), printing the answers.
      const surveyor = await c.listeningCat(url, [
        "--surveyor0",
        "--data",
        "census",
        "--interval",
        "1",
        "--count",
        "10",
        "--quoted",
      ]);
      const other = c.cat(["--respondent0", "--dial", url, "--data", "cat-here", "--quoted"]);
      const respondent = c.socket(new Respondent0(RECONNECT));
      await within(respondent.dial(url));
      const answering = (async () => {
        for (;;) {
          assert.equal(text(await respondent.recv()), "census");
          await respondent.send("weft-here");
        }
      })();
      answering.catch(() => {}); // ends with ECLOSED at cleanup
      // Both answers to one survey, in either order (the first survey may predate a dial).
      const seen = new Set<string>();
      while (!(seen.has('"weft-here"') && seen.has('"cat-here"'))) {
        seen.add(await surveyor.nextLine(5000));
      }
      assert.deepEqual([...seen].sort(), ['"cat-here"', '"weft-here"']);
      assert.equal(await other.nextLine(), '"census"');
    });

    // ---- BUS ----------------------------------------------------------------------------------

    test(`${scheme}: bus of three, nngcat dialing two weft Bus0 listeners`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const a = c.socket(new Bus0(RECONNECT));
      const b = c.socket(new Bus0(RECONNECT));
      const aPeers = handshakes(a);
      const [ua, ub] = [await c.url(scheme), await c.url(scheme)];
      await a.listen(ua);
      await b.listen(ub);
      await within(b.dial(ua));
      const cat = c.cat(["--bus0", "--dial", ua, "--dial", ub, "--data", "from-cat", "--quoted"]);
      assert.equal(text(await within(a.recv())), "from-cat");
      assert.equal(text(await within(b.recv())), "from-cat");
      await until(() => aPeers() === 2); // b and nngcat
      await a.send("from-a");
      assert.equal(text(await within(b.recv())), "from-a");
      assert.equal(await cat.nextLine(), '"from-a"');
      await b.send("from-b");
      assert.equal(text(await within(a.recv())), "from-b");
      assert.equal(await cat.nextLine(), '"from-b"');
    });

    test(`${scheme}: bus of three, two weft Bus0 dialing nngcat listening`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      const cat = await c.listeningCat(url, ["--bus0", "--quoted"]);
      const a = c.socket(new Bus0(RECONNECT));
      const b = c.socket(new Bus0(RECONNECT));
      const ub = await c.url(scheme);
      await b.listen(ub);
      await within(a.dial(url));
      await within(b.dial(url));
      await within(a.dial(ub));
      await a.send("from-a");
      assert.equal(text(await within(b.recv())), "from-a");
      assert.equal(await cat.nextLine(), '"from-a"');
      await b.send("from-b");
      assert.equal(text(await within(a.recv())), "from-b");
      assert.equal(await cat.nextLine(), '"from-b"');
    });

    // ---- REQ resend ---------------------------------------------------------------------------

    test(`${scheme}: weft Req0 resends when nngcat --rep0 is killed and restarted`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using c = new Case();
      const url = await c.url(scheme);
      // The first REP only prints: the request stays unanswered until it dies.
      const mute = await c.listeningCat(url, ["--rep0", "--quoted"]);
      const req = c.socket(new Req0(RECONNECT));
      await within(req.dial(url));
      await req.send("again?");
      const reply = req.recv();
      assert.equal(await mute.nextLine(), '"again?"');
      await mute.close(); // SIGTERM: the connection drops with the request pending
      const cat = await c.listeningCat(url, ["--rep0", "--data", "yes", "--quoted"]);
      assert.equal(text(await within(reply)), "yes");
      assert.equal(await cat.nextLine(), '"again?"');
    });
  }

  test("tcp: weft Req0 with resendTime 300 resends to an nngcat --rep0 that never answers", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    await using c = new Case();
    const url = await c.url("tcp");
    const mute = await c.listeningCat(url, ["--rep0", "--quoted"]);
    const req = c.socket(new Req0({ ...RECONNECT, resendTime: 300 }));
    await within(req.dial(url));
    const started = Date.now();
    await req.send("r1");
    assert.deepEqual(await lines(mute, 3), ['"r1"', '"r1"', '"r1"']);
    assert.ok(Date.now() - started >= 500, "three copies take at least two resend periods");
  });
});
