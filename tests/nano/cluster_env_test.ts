/**
 * clusterEnv(): the environment contract `weft nano cluster` sets, read into the App's
 * `cluster`, `reusePort` and `port` options, with typed errors naming the bad variable.
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { clusterEnv } from "../../src/nano/cluster/env.ts";

const NODE = {
  WEFT_NATS_URL: "nats://127.0.0.1:4222",
  WEFT_SERVER_TYPE: "chat",
  WEFT_NODE_ID: "backend-1-0a1b",
};

describe("clusterEnv", () => {
  test("one process: no NATS URL, no cluster", () => {
    assert.deepEqual(clusterEnv({}), { reusePort: false });
    assert.deepEqual(clusterEnv({ PORT: "3250", WEFT_REUSE_PORT: "true" }), {
      reusePort: true,
      port: 3250,
    });
  });

  test("a backend as the launcher starts it", () => {
    assert.deepEqual(clusterEnv({ ...NODE, WEFT_FRONTEND: "0", WEFT_REUSE_PORT: "0" }), {
      cluster: {
        nats: "nats://127.0.0.1:4222",
        serverType: "chat",
        nodeId: "backend-1-0a1b",
        frontend: false,
      },
      reusePort: false,
    });
  });

  test("WEFT_FRONTEND defaults to 1; several NATS URLs are kept as given", () => {
    const env = clusterEnv({ ...NODE, WEFT_NATS_URL: "nats://a:4222,nats://b:4222" });
    assert.equal(env.cluster?.frontend, true);
    assert.equal(env.cluster?.nats, "nats://a:4222,nats://b:4222");
    assert.equal(
      clusterEnv({ ...NODE, WEFT_NATS_URL: "ws://127.0.0.1:8080" }).cluster?.nats,
      "ws://127.0.0.1:8080",
    );
  });

  test("reads process.env by default", () => {
    assert.equal(typeof clusterEnv().reusePort, "boolean");
  });

  test("bad values: EINVAL naming the variable and what it expects", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...NODE, WEFT_NATS_URL: "127.0.0.1:4222" }, /WEFT_NATS_URL: expected nats:\/\/host:port/],
      [{ ...NODE, WEFT_NATS_URL: "http://127.0.0.1:4222" }, /WEFT_NATS_URL/],
      [{ ...NODE, WEFT_SERVER_TYPE: "" }, /WEFT_SERVER_TYPE: expected a name .* got nothing/],
      [{ ...NODE, WEFT_SERVER_TYPE: "chat.room" }, /WEFT_SERVER_TYPE: expected a name/],
      [{ ...NODE, WEFT_NODE_ID: "a b" }, /WEFT_NODE_ID/],
      [{ WEFT_NATS_URL: NODE.WEFT_NATS_URL, WEFT_SERVER_TYPE: "chat" }, /WEFT_NODE_ID/],
      [{ ...NODE, WEFT_FRONTEND: "yes" }, /WEFT_FRONTEND: expected 1 or 0/],
      [{ WEFT_REUSE_PORT: "on" }, /WEFT_REUSE_PORT: expected 1 or 0/],
      [{ PORT: "65536" }, /PORT: expected a port number/],
      [{ PORT: "-1" }, /PORT/],
      [{ WEFT_NODE_ID: "gate-1" }, /WEFT_NODE_ID set without WEFT_NATS_URL/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => clusterEnv(env), { name: "WeftError", code: "EINVAL", message });
    }
  });
});
