import { runZmqSuite } from "./zmq_pattern_suite.ts";
import { runtimeTransports } from "../../src/zmq.ts";

runZmqSuite({
  name: "tcp",
  endpoint: () => "tcp://127.0.0.1:0",
  transports: runtimeTransports,
});
