// The session's handling of a mechanism's `pending` step (CURVE's asynchronous X25519): input
// arriving meanwhile is held and fed in order afterwards, a close while pending is clean (the
// mechanism's continuation never runs), a rejection closes with a named EPROTO.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Mechanism, type MechanismStep, NullMechanism } from "./mechanism.ts";
import { concat } from "../../../tests/_helpers.ts";
import { frame, peerGreeting, readyFrame, session } from "../../../tests/fixtures/zmtp/_helpers.ts";

/** NULL, but its READY goes out only once `release` is called (as a slow X25519 would). */
class SlowStart implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  readonly #inner = new NullMechanism();
  release: () => void = () => {};
  fail: (error: Error) => void = () => {};
  continued = 0;

  start(host: Parameters<Mechanism["start"]>[0]): MechanismStep {
    const next = new Promise<() => MechanismStep>((resolve, reject) => {
      this.release = () =>
        resolve(() => {
          this.continued++;
          this.#inner.start(host);
          return { kind: "continue" };
        });
      this.fail = reject;
    });
    return { kind: "pending", next };
  }

  handshakeCommand(...args: Parameters<Mechanism["handshakeCommand"]>): MechanismStep {
    return this.#inner.handshakeCommand(...args);
  }
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("session: a mechanism's pending step", () => {
  test("the peer's READY and a message arriving while pending are held, then fed in order", async () => {
    const m = new SlowStart();
    const { s, r } = session({ socketType: "DEALER", asServer: false, mechanism: m });
    s.start(0);
    s.feed(
      concat(
        peerGreeting(1),
        readyFrame([["Socket-Type", "ROUTER"]]),
        frame(0, new TextEncoder().encode("early")),
      ),
      1,
    );
    assert.equal(r.written.length, 1, "only our greeting: READY waits for the step");
    assert.equal(s.isReady, false);
    m.release();
    await turn();
    assert.equal(m.continued, 1);
    assert.equal(r.written.length, 2, "our READY once the step resolved");
    assert.equal(s.isReady, true);
    assert.deepEqual(r.messages.map((f) => new TextDecoder().decode(f[0])), ["early"]);
    assert.deepEqual(r.errors, []);
  });

  test("a close while pending is clean: the continuation never runs, nothing after the error", async () => {
    const m = new SlowStart();
    const { s, r } = session({
      socketType: "DEALER",
      asServer: false,
      mechanism: m,
      handshakeIntervalMs: 100,
    });
    s.start(0);
    s.feed(peerGreeting(1), 1);
    s.tick(1000); // the handshake limit runs out while the step is pending
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.code, "ETIMEDOUT");
    const events = r.events.length;
    m.release();
    await turn();
    assert.equal(m.continued, 0);
    assert.equal(r.events.length, events);
    assert.equal(s.isClosed, true);
  });

  test("a peer flooding while our step is pending is closed, the held input bounded", () => {
    const m = new SlowStart();
    const { s, r } = session({ socketType: "DEALER", asServer: false, mechanism: m });
    s.start(0);
    s.feed(peerGreeting(1), 1);
    for (let i = 0; i < 40 && !s.isClosed; i++) s.feed(frame(0, new Uint8Array(4000)), 1);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.code, "EPROTO");
    assert.match(r.errors[0]!.reason, /65536 octets while our handshake step was pending/);
  });

  test("a rejected step closes with EPROTO naming the mechanism and the cause", async () => {
    const m = new SlowStart();
    const { s, r } = session({ socketType: "DEALER", asServer: false, mechanism: m });
    s.start(0);
    s.feed(peerGreeting(1), 1);
    m.fail(new Error("X25519 unavailable"));
    await turn();
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.code, "EPROTO");
    assert.match(r.errors[0]!.reason, /NULL: a handshake step failed: X25519 unavailable/);
  });

  test("a ZWS session honours a pending step returned by start", async () => {
    const m = new SlowStart();
    const { s, r } = session({
      socketType: "DEALER",
      asServer: false,
      mechanism: m,
      zws: { mode: "mechanism" },
    });
    s.start(0);
    assert.equal(r.written.length, 0, "no greeting over ZWS, and READY waits for the step");
    m.release();
    await turn();
    assert.equal(m.continued, 1);
    assert.equal(r.written.length, 1, "our READY, one WebSocket message");
    assert.deepEqual(r.errors, []);
  });
});
