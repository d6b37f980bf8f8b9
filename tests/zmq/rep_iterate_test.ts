/**
 * `for await` over a REP socket: the iterator's batch read must stop at the reply REP owes,
 * not throw ESTATE after the first request (found by bench/zmq/scenarios.ts).
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
});
