/**
 * A quick smoke test against real nng 1.5.2 (`nngcat`): REQ/REP both ways over tcp, ipc and
 * ws, and PUB→SUB. The full interop matrix is sp_nngcat_test.ts beside it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pub0, Rep0, Req0 } from "../../src/sp.ts";
import { freePort, requirePeer, startNngcat, tempIpcPath } from "./_peers.ts";
import { text, within } from "../_helpers.ts";

describe("sp smoke against nngcat 1.5.2", () => {
  for (const scheme of ["tcp", "ipc", "ws"] as const) {
    test(`nngcat --req0 → weft Rep0 over ${scheme}`, async (t) => {
      if (!requirePeer(t, "nngcat")) return;
      await using rep = new Rep0();
      const url = scheme === "ipc"
        ? `ipc://${tempIpcPath("sp-smoke")}`
        : `${scheme}://127.0.0.1:${await freePort()}${scheme === "ws" ? "/smoke" : ""}`;
      await rep.listen(url);
      const cat = startNngcat(["--req0", "--dial", url, "--data", "hi", "--quoted"]);
      try {
        assert.equal(text(await within(rep.recv())), "hi");
        await rep.send("42");
        assert.equal(await cat.nextLine(), '"42"');
      } finally {
        await cat.close();
      }
    });
  }

  test("weft Req0 → nngcat --rep0 over tcp", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const cat = startNngcat(["--rep0", "--listen", url, "--data", "pong", "--quoted"]);
    try {
      await using req = new Req0({ reconnectTime: 50 });
      await req.dial(url, { nonBlocking: true });
      await req.send("ping");
      assert.equal(text(await within(req.recv())), "pong");
      assert.equal(await cat.nextLine(), '"ping"');
    } finally {
      await cat.close();
    }
  });

  test("weft Pub0 → nngcat --sub0 over tcp", async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    await using pub = new Pub0();
    const url = `tcp://127.0.0.1:${await freePort()}`;
    await pub.listen(url);
    const cat = startNngcat(["--sub0", "--dial", url, "--subscribe", "a", "--quoted"]);
    const timer = setInterval(() => {
      void pub.send("b-skip");
      void pub.send("a-news");
    }, 20);
    try {
      assert.equal(await cat.nextLine(), '"a-news"');
    } finally {
      clearInterval(timer);
      await cat.close();
    }
  });
});
