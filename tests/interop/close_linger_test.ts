/**
 * `close(); await closed; exit` in a child process against real peers: a weft PUSH to a libzmq
 * PULL (pyzmq; weft connecting and binding, 16 B and 1 KiB) and a weft Push0 to `nngcat
 * --pull0`, 10,000 messages fired at once then awaited together, over tcp and ipc — every
 * message arrives, in order. (The issue measured 7,912–8,000 of 10,000 on Deno before `closed`
 * waited for the linger flush; over ipc 7,365 of 10,000 × 16 B arrived on Deno and 9,100 on Bun
 * before a lingering unix stream half-closed and waited for the peer's end: libzmq drops what it
 * had not read when the sender's close raises a hang-up.) `tools/repeat.mjs` runs these 20 times.
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import process from "node:process";
import { freePort, requirePeer, startZmqPeer, waitForListener } from "./_peers.ts";
import { within } from "../_helpers.ts";
import { startSender } from "../conformance/_close.ts";

const N = 10_000;
const SIZE = 1024;

let ipcN = 0;
const ipcBase = `${tmpdir()}/weft-close-linger-${process.pid}`;
/** A fresh endpoint of `scheme` for a peer to bind. */
function endpointOf(scheme: "tcp" | "ipc"): string {
  return scheme === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${ipcBase}-${ipcN++}.sock`;
}

for (const scheme of ["tcp", "ipc"] as const) {
  for (const place of ["connects", "binds"] as const) {
    for (const size of [16, SIZE]) {
      test(`close linger: weft PUSH in a child process ${place} over ${scheme} → libzmq PULL: all 10,000 × ${size} B arrive`, async (t) => {
        if (!requirePeer(t, "python3-zmq")) return;
        const peer = await startZmqPeer();
        try {
          await peer.ok({ op: "socket", type: "PULL", options: { LINGER: 0 } });
          const bind = place === "binds";
          const url = bind
            ? endpointOf(scheme)
            : String((await peer.ok({ op: "bind", endpoint: endpointOf(scheme) })).endpoint);
          const child = startSender({ family: "zmq", url, n: N, size, mode: "fired", bind });
          try {
            if (bind) await peer.ok({ op: "connect", endpoint: await child.bound() });
            const reading = peer.ok({ op: "recvnumbered", count: N, timeout: 5000 });
            assert.equal(await within(child.exited, "the child to exit"), 0, child.stderr());
            const got = await within(reading, "libzmq to count the messages");
            assert.equal(got.count, N, String(got.error));
          } finally {
            child.kill();
          }
        } finally {
          await peer.close();
        }
      });
    }
  }
}

for (const scheme of ["tcp", "ipc"] as const) {
  test(`close linger: weft Push0 in a child process over ${scheme} → nngcat --pull0: all 10,000 × 1 KiB arrive`, async (t) => {
    if (!requirePeer(t, "nngcat")) return;
    const url = scheme === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : endpointOf("ipc");
    const cat = spawn("nngcat", ["--pull0", "--listen", url, "--raw"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let bytes = 0;
    let next = 0;
    let order = "";
    let pending = new Uint8Array(0);
    const all = Promise.withResolvers<void>();
    cat.stdout!.on("data", (chunk: Uint8Array) => {
      // --raw prints the bodies back to back: read them as 1 KiB blocks numbered 0, 1, 2…
      const buf = new Uint8Array(pending.length + chunk.length);
      buf.set(pending);
      buf.set(chunk, pending.length);
      let at = 0;
      for (; at + SIZE <= buf.length; at += SIZE) {
        const n = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0);
        if (n !== next && !order) order = `got #${n} in place of #${next}`;
        next++;
      }
      pending = buf.slice(at);
      bytes += chunk.length;
      if (bytes >= N * SIZE) all.resolve();
    });
    try {
      await waitForListener(url);
      const child = startSender({ family: "sp", url, n: N, size: SIZE, mode: "fired" });
      try {
        assert.equal(await within(child.exited, "the child to exit"), 0, child.stderr());
        await within(all.promise, `all ${N * SIZE} bytes at nngcat (${bytes} so far)`);
        assert.equal(order, "");
        assert.equal(next, N);
      } finally {
        child.kill();
      }
    } finally {
      cat.kill("SIGTERM");
    }
  });
}
