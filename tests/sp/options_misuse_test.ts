// Misuse of an SP socket's options and calls, as plain JavaScript would make it: each case
// fails at once with a typed WeftError naming the mistake and the fix (issue 11). `as never`
// stands for "no type check".
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { refuses } from "../_helpers.ts";
import {
  Pub0,
  Pull0,
  Push0,
  Rep0,
  Req0,
  Respondent0,
  Sub0,
  Surveyor0,
  WeftError,
} from "../../src/sp.ts";

describe("SP options refuse typos at run time", () => {
  test("ZeroMQ's receiveTimeout on a Pull0: EINVAL naming recvTimeout", async () => {
    assert.throws(() => new Pull0({ receiveTimeout: 100 } as never), WeftError);
    await refuses(
      () => new Pull0({ receiveTimeout: 100 } as never),
      "EINVAL",
      /^`receiveTimeout` is not an SP option; did you mean `recvTimeout`\? \(`receiveTimeout` is ZeroMQ's name for it\)$/,
    );
  });

  test("each ZeroMQ spelling points at nng's name", async () => {
    const pairs = {
      receiveHighWaterMark: "recvBuffer",
      sendHighWaterMark: "sendBuffer",
      reconnectInterval: "reconnectTime",
      reconnectMaxInterval: "reconnectMaxTime",
      maxMessageSize: "recvMaxSize",
    };
    for (const [zmq, nng] of Object.entries(pairs)) {
      await refuses(() => new Push0({ [zmq]: 1 } as never), "EINVAL", new RegExp(`\`${nng}\``));
    }
  });

  test("a misspelt name, and protocol-specific options only on their protocol", async () => {
    await refuses(() => new Pull0({ recvTimout: 1 } as never), "EINVAL", /`recvTimeout`/);
    await refuses(() => new Rep0({ resendTime: 10 } as never), "EINVAL", /not an SP option/);
    await refuses(() => new Req0({ surveyTime: 10 } as never), "EINVAL", /not an SP option/);
    await using req = new Req0({ resendTime: 10 });
    await using surveyor = new Surveyor0({ surveyTime: 10 });
    assert.equal(req.resendTime + surveyor.surveyTime, 20);
  });

  test("a value of the wrong type names what was expected and what came", async () => {
    await refuses(
      () => new Pull0({ recvTimeout: "100" } as never),
      "EINVAL",
      /^option recvTimeout: expected a whole number of ms ≥ -1, got '100' \(a string\)$/,
    );
    await refuses(
      () => new Pull0({ raw: "yes" } as never),
      "EINVAL",
      /option raw: .*true or false/,
    );
    await refuses(() => new Pull0({ maxTtl: 16 }), "EINVAL", /option maxTtl: .*1\.\.15, got 16/);
    await refuses(() => new Pull0({ recvMaxSize: -1 }), "EINVAL", /option recvMaxSize/);
    await refuses(() => new Req0({ resendTime: "1s" } as never), "EINVAL", /resendTime/);
  });

  test("property setters check values by nng's names", async () => {
    await using pull = new Pull0();
    await refuses(() => (pull.recvTimeout = "100" as never), "EINVAL", /option recvTimeout/);
    await refuses(() => (pull.recvBuffer = "8" as never), "EINVAL", /option recvBuffer/);
    assert.equal(pull.recvTimeout, -1);
  });
});

describe("SP calls refuse options they do not take", () => {
  test("recv({ timeout }) rejects with EINVAL naming recvTimeout", async () => {
    await using pull = new Pull0();
    await refuses(
      () => pull.recv({ timeout: 100 } as never),
      "EINVAL",
      /^recv\(\) takes no options \(got \{ timeout \}\); did you mean the socket's `recvTimeout`/,
    );
  });

  test("send(data, flags) rejects with EINVAL naming sendTimeout", async () => {
    await using push = new Push0();
    await refuses(() => push.send("x", { nonBlocking: true } as never), "EINVAL", /`sendTimeout`/);
  });
});

describe("SP APIs a protocol lacks: ENOTSUP naming it", () => {
  const untyped = (s: object) => s as unknown as Record<string, (...a: unknown[]) => unknown>;

  test("subscribe / unsubscribe on a Push0 or a Pub0", async () => {
    await using push = new Push0();
    await using pub = new Pub0();
    await refuses(
      () => untyped(push).subscribe!("x"),
      "ENOTSUP",
      /^push sockets have no subscribe/,
    );
    await refuses(() => untyped(pub).unsubscribe!("x"), "ENOTSUP", /^pub sockets have no unsub/);
  });

  test("send on a Pull0 or a Sub0, recv on a Push0", async () => {
    await using pull = new Pull0();
    await using sub = new Sub0();
    await using push = new Push0();
    await refuses(() => untyped(pull).send!("x"), "ENOTSUP", /pull/);
    await refuses(() => untyped(sub).send!("x"), "ENOTSUP", /sub/);
    await refuses(() => untyped(push).recv!(), "ENOTSUP", /push/);
  });

  test("openContext on a raw context socket, and on a closed one", async () => {
    const kinds = [Req0, Rep0, Surveyor0, Respondent0];
    for (const Kind of kinds) {
      await using raw = new Kind({ raw: true });
      await refuses(
        () => raw.openContext(),
        "ENOTSUP",
        /^openContext: raw sockets have no contexts$/,
      );
      const closed = new Kind();
      closed.close();
      await refuses(
        () => closed.openContext(),
        "ECLOSED",
        /^openContext: the \w+( socket)? is closed$/,
      );
    }
  });
});

describe("SP timeouts give nng's ETIMEDOUT", () => {
  test("recvTimeout expires with ETIMEDOUT", async () => {
    await using pull = new Pull0({ recvTimeout: 20 });
    await pull.listen("inproc://sp-options-misuse-timeout");
    await refuses(() => pull.recv(), "ETIMEDOUT", /./);
  });
});
