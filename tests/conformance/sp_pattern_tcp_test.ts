import { runSpSuite } from "./sp_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";

runSpSuite({
  name: "tcp",
  endpoint: () => "tcp://127.0.0.1:0",
  transports: runtimeTransports,
});
