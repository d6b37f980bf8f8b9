import { runSpSuite } from "./sp_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";
import { tmpdir } from "node:os";
import process from "node:process";

let n = 0;
const base = `${tmpdir()}/weft-sp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
runSpSuite({
  name: "ipc",
  endpoint: () => `ipc://${base}-${n++}.sock`,
  transports: runtimeTransports,
});
