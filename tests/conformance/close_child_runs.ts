// The close tests `tools/close_repeat.mjs` runs again and again (no `_test` suffix: the normal
// suite runs them once, through the pattern suites): the child-process tests over tcp, ipc and
// ws, and the in-process ones over inproc (slow reader, fired and awaited, 16 B and 1 KiB, a
// dialer whose listener appears later, linger 0 and 50), for both families.
import { describe } from "node:test";
import { tmpdir } from "node:os";
import process from "node:process";
import { runtimeTransports } from "../../src/zmq.ts";
import { childCloseTests, closeTests } from "./close_suite.ts";

let n = 0;
const base = `${tmpdir()}/weft-close-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const endpoints = {
  tcp: () => "tcp://127.0.0.1:0",
  ipc: () => `ipc://${base}-${n++}.sock`,
  ws: () => `ws://127.0.0.1:0/close${n++}`,
};
for (const family of ["zmq", "sp"] as const) {
  for (const [name, endpoint] of Object.entries(endpoints)) {
    describe(`${family} close in a child process over ${name} (weft peer)`, () => {
      childCloseTests(family, { name, endpoint, transports: runtimeTransports });
    });
  }
  describe(`${family} close in-process over inproc (weft peer)`, () => {
    closeTests(family, {
      name: "inproc",
      endpoint: () => `inproc://close-runs-${n++}`,
      transports: runtimeTransports,
    });
  });
}
