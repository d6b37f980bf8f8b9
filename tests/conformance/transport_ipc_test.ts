// ipc (unix sockets) with the runtime's transport, plus stale-socket-file handling.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, linkSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import type { ByteStream } from "../../src/transport/types.ts";
import { runTransportSuite } from "./transport_suite.ts";

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
const ipc = defaultTransports(new InprocNamespace()).get("ipc");
if (!ipc) throw new Error("no ipc transport on this runtime");
const dir = mkdtempSync(join(tmpdir(), "weft-ipc-"));
let n = 0;
const path = () => join(dir, `s${n++}.sock`);

runTransportSuite({ name: `ipc (${runtime})`, transport: ipc, endpoint: () => `ipc://${path()}` });

describe(`ipc socket files (${runtime})`, () => {
  test("the listener removes its socket file when it closes", async () => {
    const file = path();
    const listener = await ipc.listen(parseEndpoint(`ipc://${file}`), (s) => s.close());
    assert.ok(lstatSync(file).isSocket());
    listener.close();
    await listener.closed;
    assert.equal(existsSync(file), false);
  });

  test("a stale socket file (nobody listening) is replaced", async () => {
    const file = path();
    const stale = path();
    const first = await ipc.listen(parseEndpoint(`ipc://${file}`), (s) => s.close());
    linkSync(file, stale); // a second name for the socket: it outlives the listener
    first.close();
    await first.closed;
    assert.ok(lstatSync(stale).isSocket());
    let accepted!: (s: ByteStream) => void;
    const got = new Promise<ByteStream>((r) => (accepted = r));
    const listener = await ipc.listen(parseEndpoint(`ipc://${stale}`), (s) => accepted(s));
    const client = await ipc.dial(parseEndpoint(`ipc://${stale}`));
    const server = await got;
    client.close(0);
    server.close(0);
    listener.close();
    await Promise.all([client.closed, server.closed, listener.closed]);
  });

  test("a path that is not a socket is not removed: EADDRINUSE", async () => {
    const file = path();
    writeFileSync(file, "keep me");
    await assert.rejects(ipc.listen(parseEndpoint(`ipc://${file}`), (s) => s.close()), {
      code: "EADDRINUSE",
    });
    assert.ok(lstatSync(file).isFile());
  });

  test("cleanup", () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
