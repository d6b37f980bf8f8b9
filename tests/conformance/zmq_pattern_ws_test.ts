import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";

let n = 0;
runZmqSuite({
  name: "ws",
  endpoint: () => `ws://127.0.0.1:0/zmq${n++}`,
  transports: runtimeTransports,
});
