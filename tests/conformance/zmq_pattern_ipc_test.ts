import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";
import { tmpdir } from "node:os";

let n = 0;
const base = `${tmpdir()}/weft-zmq-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
runZmqSuite({
  name: "ipc",
  endpoint: () => `ipc://${base}-${n++}.sock`,
  transports: runtimeTransports,
});
