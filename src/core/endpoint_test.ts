import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatEndpoint, parseEndpoint } from "./endpoint.ts";
import { WeftError } from "./errors.ts";

describe("core/endpoint", () => {
  test("parses tcp v4, v6 and wildcard ports", () => {
    assert.deepEqual(parseEndpoint("tcp://127.0.0.1:5555"), {
      url: "tcp://127.0.0.1:5555",
      scheme: "tcp",
      host: "127.0.0.1",
      port: 5555,
      path: "/",
    });
    assert.equal(parseEndpoint("tcp://[::1]:0").host, "::1");
    assert.equal(parseEndpoint("tcp://*:*").port, 0);
    assert.equal(parseEndpoint("TCP://h:1").scheme, "tcp");
  });

  test("parses ipc, inproc and ws", () => {
    assert.equal(parseEndpoint("ipc:///tmp/x.sock").path, "/tmp/x.sock");
    assert.equal(parseEndpoint("inproc://a-b").path, "a-b");
    const ws = parseEndpoint("ws://127.0.0.1:8080/chat");
    assert.equal(ws.port, 8080);
    assert.equal(ws.path, "/chat");
    assert.equal(parseEndpoint("ws://example").port, 80);
  });

  test("rejects malformed endpoints with EINVAL", () => {
    for (
      const bad of [
        "",
        "tcp:/x",
        "tcp://host",
        "tcp://:5",
        "tcp://h:70000",
        "tcp://h:x",
        "inproc://",
      ]
    ) {
      assert.throws(
        () => parseEndpoint(bad),
        (e) => e instanceof WeftError && e.code === "EINVAL",
        bad,
      );
    }
  });

  test("formats endpoints", () => {
    assert.equal(formatEndpoint("tcp", "::1", 5), "tcp://[::1]:5");
    assert.equal(formatEndpoint("tcp", "127.0.0.1", 5), "tcp://127.0.0.1:5");
  });
});
