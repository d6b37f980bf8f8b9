/**
 * `weft/sp`: nanomsg/nng Scalability Protocol sockets (pair0/1, pub0/sub0, req0/rep0,
 * push0/pull0, surveyor0/respondent0, bus0), wire-compatible with nng 1.5.2, over tcp, ipc,
 * inproc (and ws where the runtime registry offers it), on Deno and Bun.
 *
 * Sockets use the same runtime registry as `weft/zmq` (`runtimeTransports()`: the runtime's
 * tcp and ipc plus one inproc namespace per program) unless `{ transports }` is passed.
 *
 * @example
 * ```ts
 * import { Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using rep = new Rep0();
 * await rep.listen("inproc://sp-doc-example");
 * await using req = new Req0();
 * await req.dial("inproc://sp-doc-example");
 * await req.send("what is the answer?");
 * assert.equal(new TextDecoder().decode(await rep.recv()), "what is the answer?");
 * await rep.send("42");
 * assert.equal(new TextDecoder().decode(await req.recv()), "42");
 * ```
 * @module
 */

import { runtimeTransports } from "./runtime.ts";
export * from "./runtime.ts";
import type { SpOptions } from "./patterns/sp/options.ts";
import {
  Bus0Socket,
  Pair0Socket,
  Pair1Socket,
  Pub0Socket,
  Pull0Socket,
  Push0Socket,
  Rep0Socket,
  Req0Socket,
  Respondent0Socket,
  Sub0Socket,
  Surveyor0Socket,
} from "./patterns/sp/mod.ts";
import type { Req0Options, Surveyor0Options } from "./patterns/sp/mod.ts";

export {
  Context,
  device,
  type DialFlags,
  ReqContext,
  type SpData,
  type SpMessage,
  type SpOptions,
  SpSocket,
  SurveyorContext,
} from "./patterns/sp/mod.ts";
export type { Req0Options, Surveyor0Options } from "./patterns/sp/mod.ts";
export type {
  Bus0Socket,
  Pair0Socket,
  Pair1Socket,
  Pub0Socket,
  Pull0Socket,
  Push0Socket,
  Rep0Socket,
  Req0Socket,
  Respondent0Socket,
  Sub0Socket,
  Surveyor0Socket,
} from "./patterns/sp/mod.ts";
export { type SpProtocol, SpProtocols, type SpProtocolTable } from "./protocol/sp/ids.ts";
export { ErrorCode, WeftError } from "./core/errors.ts";

// The socket core's extension contract: the types the socket classes above are built on.
export type * from "./core/contract.ts";
export type { Message } from "./core/pipe.ts";
export type { CoreContext } from "./patterns/sp/context.ts";
export type {
  ContextHost,
  ContextKind,
  ContextSocket,
  HostedContext,
  Responder,
  SpPairSocket,
} from "./patterns/sp/mod.ts";

function withTransports<T extends SpOptions>(options: T | undefined): T {
  const given = options ?? ({} as T);
  return given.transports ? given : { ...given, transports: runtimeTransports() };
}

/**
 * PAIR0: one peer, both directions (nanomsg's pair; `nngcat --pair0`).
 *
 * @example
 * ```ts
 * import { Pair0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using a = new Pair0();
 * await a.listen("inproc://sp-doc-pair0");
 * await using b = new Pair0({ recvTimeout: 1000 }); // recv() fails with ETIMEDOUT after 1 s
 * await b.dial("inproc://sp-doc-pair0");
 * await b.send("ping");
 * assert.equal(new TextDecoder().decode(await a.recv()), "ping");
 * await a.send("pong");
 * assert.equal(new TextDecoder().decode(await b.recv()), "pong");
 * ```
 */
export class Pair0 extends Pair0Socket {
  /** Creates a PAIR0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * PAIR1 (monogamous): one peer, with a hop count (`nngcat --pair`).
 *
 * @example
 * ```ts
 * import { Pair1 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using a = new Pair1({ maxTtl: 4 }); // drop messages that crossed more than 4 devices
 * await a.listen("inproc://sp-doc-pair1");
 * await using b = new Pair1();
 * await b.dial("inproc://sp-doc-pair1");
 * await b.send("hello");
 * assert.equal(new TextDecoder().decode(await a.recv()), "hello");
 * ```
 */
export class Pair1 extends Pair1Socket {
  /** Creates a PAIR1 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * PUB0: broadcasts to every subscriber; never blocks, drops for a full peer.
 *
 * @example
 * ```ts
 * import { Pub0, Sub0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using sub = new Sub0();
 * sub.subscribe("news.");
 * await sub.listen("inproc://sp-doc-pub0");
 * await using pub = new Pub0({ sendBuffer: 1024 });
 * await pub.dial("inproc://sp-doc-pub0");
 * await pub.send("sport.tennis"); // filtered out by the subscriber
 * await pub.send("news.today");
 * assert.equal(new TextDecoder().decode(await sub.recv()), "news.today");
 * ```
 */
export class Pub0 extends Pub0Socket {
  /** Creates a PUB0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * SUB0: receives messages matching a subscribed prefix (filtering is local).
 *
 * @example
 * ```ts
 * import { Pub0, Sub0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using sub = new Sub0();
 * sub.subscribe(""); // the empty prefix matches everything
 * await sub.listen("inproc://sp-doc-sub0");
 * await using pub = new Pub0();
 * await pub.dial("inproc://sp-doc-sub0");
 * await pub.send("anything");
 * assert.equal(new TextDecoder().decode(await sub.recv()), "anything");
 * ```
 */
export class Sub0 extends Sub0Socket {
  /** Creates a SUB0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * REQ0: request/reply client; resends after `resendTime`; contexts for concurrency.
 *
 * @example
 * ```ts
 * import { Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using rep = new Rep0();
 * await rep.listen("inproc://sp-doc-req0");
 * await using req = new Req0({ resendTime: 5000 }); // ask again if no reply within 5 s
 * await req.dial("inproc://sp-doc-req0");
 * const asking = Promise.all(["a", "b"].map(async (q) => {
 *   const ctx = req.openContext(); // one request in flight per context
 *   await ctx.send(q);
 *   return new TextDecoder().decode(await ctx.recv());
 * }));
 * for (let i = 0; i < 2; i++) await rep.send(`re:${new TextDecoder().decode(await rep.recv())}`);
 * assert.deepEqual(await asking, ["re:a", "re:b"]);
 * ```
 */
export class Req0 extends Req0Socket {
  /** Creates a REQ0 socket. */
  constructor(options?: Req0Options) {
    super(withTransports(options));
  }
}

/**
 * REP0: request/reply server; contexts to serve many requests at once.
 *
 * @example
 * ```ts
 * import { Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using rep = new Rep0();
 * await rep.listen("inproc://sp-doc-rep0");
 * await using req = new Req0();
 * await req.dial("inproc://sp-doc-rep0");
 * await req.send("21");
 * const n = Number(new TextDecoder().decode(await rep.recv()));
 * await rep.send(String(2 * n)); // goes back along the request's path
 * assert.equal(new TextDecoder().decode(await req.recv()), "42");
 * ```
 */
export class Rep0 extends Rep0Socket {
  /** Creates a REP0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * PUSH0: round-robin to PULL peers, waiting while all are full.
 *
 * @example
 * ```ts
 * import { Pull0, Push0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using pull = new Pull0();
 * await pull.listen("inproc://sp-doc-push0");
 * await using push = new Push0({ sendTimeout: 1000 }); // send() fails after 1 s with no room
 * await push.dial("inproc://sp-doc-push0");
 * await push.send("job 42");
 * assert.equal(new TextDecoder().decode(await pull.recv()), "job 42");
 * ```
 */
export class Push0 extends Push0Socket {
  /** Creates a PUSH0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * PULL0: fair-queued from PUSH peers.
 *
 * @example
 * ```ts
 * import { Pull0, Push0 } from "@weft/weft/sp";
 * await using pull = new Pull0({ recvMaxSize: 4096 }); // larger messages drop the connection
 * await pull.listen("inproc://sp-doc-pull0");
 * await using push = new Push0();
 * await push.dial("inproc://sp-doc-pull0");
 * await push.send(new Uint8Array(100));
 * console.log((await pull.recv()).length); // 100
 * ```
 */
export class Pull0 extends Pull0Socket {
  /** Creates a PULL0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * SURVEYOR0: asks every respondent, collects answers for `surveyTime` ms.
 *
 * @example
 * ```ts
 * import { Surveyor0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using surveyor = new Surveyor0({ surveyTime: 20 });
 * await surveyor.send("who is there?"); // nobody: the survey times out
 * await assert.rejects(surveyor.recv(), { code: "ETIMEDOUT" });
 * await assert.rejects(surveyor.recv(), { code: "ESTATE" });
 * ```
 */
export class Surveyor0 extends Surveyor0Socket {
  /** Creates a SURVEYOR0 socket. */
  constructor(options?: Surveyor0Options) {
    super(withTransports(options));
  }
}

/**
 * RESPONDENT0: answers surveys; contexts to answer many at once.
 *
 * @example
 * ```ts
 * import { Respondent0, Surveyor0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using respondent = new Respondent0();
 * await respondent.listen("inproc://sp-doc-respondent0");
 * await using surveyor = new Surveyor0({ surveyTime: 1000 });
 * await surveyor.dial("inproc://sp-doc-respondent0");
 * await surveyor.send("status?");
 * assert.equal(new TextDecoder().decode(await respondent.recv()), "status?");
 * await respondent.send("up"); // the answer goes to the surveyor that asked
 * assert.equal(new TextDecoder().decode(await surveyor.recv()), "up");
 * ```
 */
export class Respondent0 extends Respondent0Socket {
  /** Creates a RESPONDENT0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}

/**
 * BUS0: every message to every directly connected peer.
 *
 * @example
 * ```ts
 * import { Bus0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using a = new Bus0();
 * await a.listen("inproc://sp-doc-bus0");
 * await using b = new Bus0();
 * await b.dial("inproc://sp-doc-bus0");
 * await b.send("hello, bus"); // to every directly connected peer
 * assert.equal(new TextDecoder().decode(await a.recv()), "hello, bus");
 * ```
 */
export class Bus0 extends Bus0Socket {
  /** Creates a BUS0 socket. */
  constructor(options?: SpOptions) {
    super(withTransports(options));
  }
}
