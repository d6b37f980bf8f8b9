// Misuse of a ZeroMQ socket's options and calls, as plain JavaScript (or an untyped caller)
// would make it: every case must fail at once with a typed WeftError whose message names the
// mistake and the fix, never pass silently (issue 11). `as never` stands for "no type check".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { refuses } from "../_helpers.ts";
import { Dealer, Pub, Pull, Push, Req, Router, Sub, WeftError, XPub, XSub } from "../../src/zmq.ts";
import type { Socket } from "../../src/zmq.ts";

describe("ZeroMQ options refuse typos at run time", () => {
  test("nng's recvTimeout on a Pull: EINVAL naming receiveTimeout", async () => {
    assert.throws(() => new Pull({ recvTimeout: 100 } as never), WeftError);
    await refuses(
      () => new Pull({ recvTimeout: 100 } as never),
      "EINVAL",
      /^`recvTimeout` is not a ZeroMQ option; did you mean `receiveTimeout`\? \(`recvTimeout` is nng's name for it\)$/,
    );
  });

  test("each nng spelling points at its ZeroMQ name", async () => {
    const pairs = {
      recvBuffer: "receiveHighWaterMark",
      sendBuffer: "sendHighWaterMark",
      reconnectTime: "reconnectInterval",
      reconnectMaxTime: "reconnectMaxInterval",
      recvMaxSize: "maxMessageSize",
    };
    for (const [nng, zmq] of Object.entries(pairs)) {
      await refuses(() => new Push({ [nng]: 1 } as never), "EINVAL", new RegExp(`\`${zmq}\``));
    }
  });

  test("a misspelt name: the closest valid one", async () => {
    await refuses(() => new Pull({ recieveTimeout: 100 } as never), "EINVAL", /`receiveTimeout`/);
    await refuses(() => new Pull({ lingr: 0 } as never), "EINVAL", /did you mean `linger`\?/);
    await refuses(() => new Pull({ timeout: 100 } as never), "EINVAL", /`receiveTimeout`/);
  });

  test("a name nowhere near: the list of valid ones", async () => {
    await refuses(
      () => new Pull({ colour: "red" } as never),
      "EINVAL",
      /expected one of .*`linger`/,
    );
  });

  test("type-specific options only on their type", async () => {
    await refuses(() => new Dealer({ routerMandatory: true } as never), "EINVAL", /ZeroMQ option/);
    await using router = new Router({ routerMandatory: true, routerHandover: true, linger: 0 });
    await using req = new Req({ correlate: true, relaxed: true, linger: 0 });
    await using xpub = new XPub({ xpubVerbose: true, linger: 0 });
    assert.ok(router.routerMandatory && req.relaxed && xpub.xpubVerbose);
  });

  test("a value of the wrong type names what was expected and what came", async () => {
    await refuses(
      () => new Pull({ receiveTimeout: "100" } as never),
      "EINVAL",
      /^option receiveTimeout: expected a whole number of ms ≥ -1, got '100' \(a string\)$/,
    );
    await refuses(() => new Push({ sendHighWaterMark: -1 }), "EINVAL", /messages ≥ 0, got -1/);
    await refuses(() => new Router({ routerMandatory: 1 } as never), "EINVAL", /true or false/);
    await refuses(() => new Push({ immediate: "yes" } as never), "EINVAL", /true or false/);
  });

  test("property setters check values the same way", async () => {
    await using pull = new Pull({ linger: 0 });
    await refuses(() => (pull.receiveTimeout = "100" as never), "EINVAL", /'100' \(a string\)/);
    assert.equal(pull.receiveTimeout, -1);
  });
});

describe("ZeroMQ calls refuse options they do not take", () => {
  test("receive({ timeout }) rejects with EINVAL naming receiveTimeout", async () => {
    await using pull = new Pull({ linger: 0 });
    await refuses(
      () => pull.receive({ timeout: 100 } as never),
      "EINVAL",
      /^receive\(\) takes no options \(got \{ timeout \}\); did you mean the socket's `receiveTimeout`/,
    );
  });

  test("send(message, options) rejects with EINVAL naming sendTimeout", async () => {
    await using push = new Push({ linger: 0 });
    await refuses(() => push.send("x", { timeout: 100 } as never), "EINVAL", /`sendTimeout`/);
  });

  test("receiveBatch({ max }) rejects with EINVAL", async () => {
    await using pull = new Pull({ linger: 0 });
    await refuses(() => pull.receiveBatch({ max: 10 } as never), "EINVAL", /takes no options/);
  });
});

describe("ZeroMQ APIs a socket type lacks: ENOTSUP naming the type", () => {
  const untyped = (s: Socket) => s as unknown as Record<string, (...a: unknown[]) => unknown>;

  test("subscribe / unsubscribe on a Push", async () => {
    await using push = new Push({ linger: 0 });
    await refuses(
      () => untyped(push).subscribe!("x"),
      "ENOTSUP",
      /^PUSH sockets have no subscribe\(\)/,
    );
    await refuses(
      () => untyped(push).unsubscribe!("x"),
      "ENOTSUP",
      /^PUSH sockets have no unsubscribe/,
    );
  });

  test("subscribe on an XSub says how an XSUB subscribes", async () => {
    await using xsub = new XSub({ linger: 0 });
    await refuses(() => untyped(xsub).subscribe!("x"), "ENOTSUP", /XSUB.*0x01/);
  });

  test("send on a Pull or a Sub, receive on a Push or a Pub", async () => {
    await using pull = new Pull({ linger: 0 });
    await using sub = new Sub({ linger: 0 });
    await using push = new Push({ linger: 0 });
    await using pub = new Pub({ linger: 0 });
    await refuses(() => untyped(pull).send!("x"), "ENOTSUP", /PULL/);
    await refuses(() => untyped(sub).send!("x"), "ENOTSUP", /SUB/);
    await refuses(() => untyped(push).receive!(), "ENOTSUP", /PUSH/);
    await refuses(() => untyped(pub).receive!(), "ENOTSUP", /PUB/);
  });
});

describe("ZeroMQ timeouts give libzmq's EAGAIN", () => {
  test("receiveTimeout expires with EAGAIN", async () => {
    await using pull = new Pull({ receiveTimeout: 20, linger: 0 });
    await pull.bind("inproc://zmq-options-misuse-timeout");
    await refuses(() => pull.receive(), "EAGAIN", /./);
  });
});
