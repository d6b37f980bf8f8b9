/**
 * `for await` over a REP socket: the iterator's batch read must stop at the reply REP owes,
 * not throw ESTATE after the first request (found by bench/zmq/scenarios.ts); REP takes one
 * request per batch (its batch path no longer tries, and fails, a second receive).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Rep, Req } from "../../src/zmq.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import { InprocNamespace, InprocTransport } from "../../src/transport/inproc/inproc.ts";
import { within } from "../_helpers.ts";

describe("REP iteration", () => {
  test("for await serves several requests in turn", async () => {
    const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
    await using rep = new Rep({ transports });
    await rep.bind("inproc://rep-iterate");
    const served = (async () => {
      let n = 0;
      for await (const [body] of rep) {
        await rep.send(body!);
        if (++n === 3) return n;
      }
      return n;
    })();
    await using req = new Req({ transports });
    req.connect("inproc://rep-iterate");
    const got: string[] = [];
    for (const word of ["a", "b", "c"]) {
      await req.send(word);
      const [reply] = await within(req.receive(), "reply", 10_000);
      got.push(new TextDecoder().decode(reply));
    }
    assert.deepEqual(got, ["a", "b", "c"]);
    assert.equal(await within(served, "REP loop", 10_000), 3);
  });

  test("receiveBatch takes one request at a time, even with two queued from two peers", async () => {
    await using rep = new Rep();
    await rep.bind("tcp://127.0.0.1:0");
    await using a = new Req();
    await using b = new Req();
    a.connect(rep.lastEndpoint!);
    b.connect(rep.lastEndpoint!);
    await a.send("from a");
    await b.send("from b");
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const batch = await within(rep.receiveBatch(), "a request", 10_000);
      assert.equal(batch.length, 1, "REP owes a reply before its next request");
      const body = new TextDecoder().decode(batch[0]![0]);
      seen.push(body);
      await rep.send(`re: ${body}`);
    }
    assert.deepEqual(seen.sort(), ["from a", "from b"]);
    const [ra] = await within(a.receive(), "a's reply", 10_000);
    const [rb] = await within(b.receive(), "b's reply", 10_000);
    assert.equal(new TextDecoder().decode(ra), "re: from a");
    assert.equal(new TextDecoder().decode(rb), "re: from b");
  });
});
