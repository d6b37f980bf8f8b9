/**
 * `close(); await closed; exit` in a child process against real peers, over tcp, ipc and ws:
 * a weft PUSH → libzmq PULL (pyzmq; weft connecting and binding, 16 B and 1 KiB, sends fired
 * at once or awaited one by one, libzmq reading slowly, and a PUSH whose listener appears only
 * after `close()`) and a weft Push0 → `nngcat --pull0` (16 B and 1 KiB, fired and awaited,
 * nngcat's output read slowly) — 10,000 messages each, every one arrives, in order. (The issue
 * measured 7,912–8,000 of 10,000 on Deno before `closed` waited for the linger flush; over ipc
 * 7,365 of 10,000 × 16 B arrived on Deno and 9,100 on Bun before a lingering unix stream
 * half-closed and waited for the peer's end: libzmq drops what it had not read when the
 * sender's close raises a hang-up.) `node tools/close_repeat.mjs` runs these 20 times.
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import process from "node:process";
import type { Readable } from "node:stream";
import { freePort, requirePeer, startZmqPeer, waitForListener } from "./_peers.ts";
import { within } from "../_helpers.ts";
import { startSender } from "../conformance/_close.ts";

/** Ten times libzmq's and weft's default high-water mark. */
const N = 10_000;
type Scheme = "tcp" | "ipc" | "ws";
type Mode = "fired" | "awaited";

let ipcN = 0;
const ipcBase = `${tmpdir()}/weft-close-linger-${process.pid}`;
/** A fresh endpoint of `scheme` on a port known before anyone binds it. */
async function fixedEndpoint(scheme: Scheme): Promise<string> {
  if (scheme === "ipc") return `ipc://${ipcBase}-${ipcN++}.sock`;
  const port = await freePort();
  return scheme === "tcp" ? `tcp://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/close`;
}
/** A fresh endpoint of `scheme` for a peer to bind (port 0 where it can choose). */
function anyEndpoint(scheme: Scheme): Promise<string> {
  if (scheme === "tcp") return Promise.resolve("tcp://127.0.0.1:0");
  if (scheme === "ws") return Promise.resolve(`ws://127.0.0.1:0/close${ipcN++}`);
  return fixedEndpoint("ipc");
}

/** The libzmq runs: where weft stands, message size, how it sends, whether the listener is late. */
const zmqRuns: { place: "connects" | "binds" | "connects late"; size: number; mode: Mode }[] = [
  { place: "connects", size: 16, mode: "fired" },
  { place: "connects", size: 1024, mode: "fired" },
  { place: "connects", size: 16, mode: "awaited" },
  { place: "connects", size: 1024, mode: "awaited" },
  { place: "binds", size: 16, mode: "fired" },
  { place: "binds", size: 1024, mode: "fired" },
  { place: "connects late", size: 16, mode: "fired" },
];

for (const scheme of ["tcp", "ipc", "ws"] as const) {
  for (const { place, size, mode } of zmqRuns) {
    const where = place === "connects late"
      ? "connects to a listener that appears after close()"
      : place;
    test(`close linger: weft PUSH in a child process ${where} over ${scheme} → libzmq PULL (slow): all 10,000 × ${size} B (${mode}) arrive`, async (t) => {
      if (!requirePeer(t, "python3-zmq")) return;
      const peer = await startZmqPeer();
      try {
        await peer.ok({ op: "socket", type: "PULL", options: { LINGER: 0 } });
        const bind = place === "binds";
        const late = place === "connects late";
        const url = bind || late
          ? await fixedEndpoint(scheme)
          : String((await peer.ok({ op: "bind", endpoint: await anyEndpoint(scheme) })).endpoint);
        const child = startSender({
          family: "zmq",
          url,
          n: N,
          size,
          mode,
          bind,
          // Nobody listens yet: with no high-water mark every send resolves before close().
          ...(late ? { sendHighWaterMark: 0 } : {}),
        });
        try {
          if (bind) await peer.ok({ op: "connect", endpoint: await child.bound() });
          if (late) {
            await child.line("closing");
            await peer.ok({ op: "bind", endpoint: url });
          }
          const reading = peer.ok({
            op: "recvnumbered",
            count: N,
            timeout: 5000,
            pauseEvery: 500,
            pauseMs: 2,
          });
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

/**
 * Reads `nngcat --raw`'s output (the bodies back to back) as `size`-byte blocks numbered 0, 1,
 * 2…, pausing the pipe now and then so nngcat — and through it the sender — is held back.
 */
function countBlocks(stdout: Readable, size: number) {
  let bytes = 0;
  let next = 0;
  let order = "";
  let pending = new Uint8Array(0);
  let chunks = 0;
  const all = Promise.withResolvers<void>();
  stdout.on("data", (chunk: Uint8Array) => {
    const buf = new Uint8Array(pending.length + chunk.length);
    buf.set(pending);
    buf.set(chunk, pending.length);
    let at = 0;
    for (; at + size <= buf.length; at += size) {
      const n = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0);
      if (n !== next && !order) order = `got #${n} in place of #${next}`;
      next++;
    }
    pending = buf.slice(at);
    bytes += chunk.length;
    if (bytes >= N * size) all.resolve();
    if (++chunks % 20 === 0) {
      stdout.pause();
      setTimeout(() => stdout.resume(), 5);
    }
  });
  return {
    all: all.promise,
    bytes: () => bytes,
    order: () => order,
    count: () => next,
  };
}

/**
 * `nngcat --pull0 --raw` listening on a fresh endpoint of `scheme`. Its ws listener does not
 * reuse addresses: a port the kernel still holds in TIME-WAIT fails with "Address in use", so
 * it tries another port (up to 10 times).
 */
async function listeningNngcat(scheme: Scheme) {
  for (let attempt = 1;; attempt++) {
    const url = await fixedEndpoint(scheme);
    const cat = spawn("nngcat", ["--pull0", "--listen", url, "--raw"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    cat.stderr!.on("data", (c: Uint8Array) => (stderr += String(c)));
    let gone = false;
    const exited = new Promise<void>((resolve) =>
      cat.on("exit", () => {
        gone = true;
        resolve();
      })
    );
    const listened = url.replace(/^ws:(\/\/[^/]+)\/.*$/, "tcp:$1");
    for (let waited = 0; !gone && waited < 10_000; waited += 50) {
      try {
        await waitForListener(listened, { timeoutMs: 50 });
        return { url, cat, exited };
      } catch {
        // not yet, or never: look again unless it exited
      }
    }
    if (!gone) cat.kill("SIGKILL");
    await exited;
    if (attempt === 10 || !/in use/i.test(stderr)) {
      throw new Error(`nngcat could not listen on ${url}: ${stderr}`);
    }
  }
}

for (const scheme of ["tcp", "ipc", "ws"] as const) {
  for (const size of [16, 1024]) {
    for (const mode of ["fired", "awaited"] as const) {
      test(`close linger: weft Push0 in a child process over ${scheme} → nngcat --pull0 (slow): all 10,000 × ${size} B (${mode}) arrive`, async (t) => {
        if (!requirePeer(t, "nngcat")) return;
        const { url, cat, exited } = await listeningNngcat(scheme);
        const blocks = countBlocks(cat.stdout!, size);
        try {
          const child = startSender({ family: "sp", url, n: N, size, mode });
          try {
            assert.equal(await within(child.exited, "the child to exit"), 0, child.stderr());
            await within(blocks.all, `all ${N * size} bytes at nngcat (${blocks.bytes()} so far)`);
            assert.equal(blocks.order(), "");
            assert.equal(blocks.count(), N);
          } finally {
            child.kill();
          }
        } finally {
          cat.kill("SIGTERM");
          await exited;
        }
      });
    }
  }
}
