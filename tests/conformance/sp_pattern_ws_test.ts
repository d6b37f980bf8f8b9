import { runSpSuite } from "./sp_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";

let n = 0;
runSpSuite({
  name: "ws",
  endpoint: () => `ws://127.0.0.1:0/sp${n++}`,
  transports: runtimeTransports,
});
