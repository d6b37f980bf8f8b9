/**
 * The SP socket types with nng 1.5.2 semantics, over a transport registry passed in the
 * options (`weft/sp` fills in the runtime's). See each protocol's module for its rules.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { Context, coreOptions, SpSocket } from "./socket.ts";
import type { SpData, SpOptions } from "./socket.ts";
import type { CoreContext } from "./context.ts";
import { Pair0Core, Pair1Core } from "./pair.ts";
import { Pub0Core, Sub0Core } from "./pubsub.ts";
import { Rep0Core, Req0Core } from "./reqrep.ts";
import { Pull0Core, Push0Core } from "./pipeline.ts";
import { Respondent0Core, Surveyor0Core } from "./survey.ts";
import { Bus0Core } from "./bus.ts";

const encoder = new TextEncoder();

function needTransports(options: SpOptions): SpOptions {
  if (!options.transports) {
    throw new WeftError("EINVAL", "SP socket: expected options.transports (a TransportRegistry)");
  }
  return options;
}

/**
 * PAIR0: one peer, both directions, no header.
 *
 * The machinery of `Pair0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Pair0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pair0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Pair0Socket({ transports });
 * assert.equal(socket.protocol, "pair");
 * socket.close();
 * ```
 */
export class Pair0Socket extends SpSocket {
  /** Creates a PAIR0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Pair0Core(coreOptions(needTransports(options))));
  }
}

/**
 * PAIR1 (monogamous): one peer, hop-counted.
 *
 * The machinery of `Pair1` from `weft/sp`, which fills in the runtime's transports: construct
 * `Pair1` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pair1Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Pair1Socket({ transports });
 * assert.equal(socket.protocol, "pair1");
 * socket.close();
 * ```
 */
export class Pair1Socket extends SpSocket {
  /** Creates a PAIR1 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Pair1Core(coreOptions(needTransports(options))));
  }
}

/**
 * PUB0: broadcasts; never blocks (a full peer misses messages).
 *
 * The machinery of `Pub0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Pub0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pub0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Pub0Socket({ transports });
 * assert.equal(socket.protocol, "pub");
 * socket.close();
 * ```
 */
export class Pub0Socket extends SpSocket {
  /** Creates a PUB0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Pub0Core(coreOptions(needTransports(options), 16)));
  }
}

/**
 * SUB0: receives what matches a subscribed prefix (nothing until `subscribe`).
 *
 * The machinery of `Sub0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Sub0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Sub0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Sub0Socket({ transports });
 * assert.equal(socket.protocol, "sub");
 * socket.close();
 * ```
 */
export class Sub0Socket extends SpSocket {
  /** @ignore */
  declare protected readonly core: Sub0Core;

  /** Creates a SUB0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Sub0Core(coreOptions(needTransports(options))));
  }

  /** Subscribes to a prefix (`""` matches everything). Local only: nothing goes on the wire. */
  subscribe(prefix: SpData = ""): void {
    this.core.subscribe(typeof prefix === "string" ? encoder.encode(prefix) : prefix);
  }

  /** Removes a prefix; throws EINVAL (nng: NNG_ENOENT) when it was not subscribed. */
  unsubscribe(prefix: SpData = ""): void {
    const topic = typeof prefix === "string" ? encoder.encode(prefix) : prefix;
    if (!this.core.unsubscribe(topic)) {
      throw new WeftError(
        "EINVAL",
        "unsubscribe: expected a subscribed prefix, got an unknown one",
      );
    }
  }
}

/** A REQ context: one request in flight, with its own resend time. */
export class ReqContext extends Context {
  /** Resend interval, ms (≤ 0: never); defaults to the socket's. */
  get resendTime(): number | undefined {
    return (this.inner as CoreContext & { resendTime: number | undefined }).resendTime;
  }
  set resendTime(value: number | undefined) {
    (this.inner as CoreContext & { resendTime: number | undefined }).resendTime = value;
  }
}

/** Options of REQ0 sockets. */
export interface Req0Options extends SpOptions {
  /** Resend an unanswered request after this many ms (≤ 0: never). Default 60000. */
  resendTime?: number;
}

/**
 * REQ0: sends a request, receives its reply; contexts for many in flight.
 *
 * The machinery of `Req0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Req0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Req0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Req0Socket({ transports });
 * assert.equal(socket.protocol, "req");
 * socket.close();
 * ```
 */
export class Req0Socket extends SpSocket {
  /** @ignore */
  declare protected readonly core: Req0Core;

  /** Creates a REQ0 socket (`transports` required). */
  constructor(options: Req0Options) {
    super(
      new Req0Core({
        ...coreOptions(needTransports(options)),
        ...(options.resendTime !== undefined ? { resendTime: options.resendTime } : {}),
      }),
    );
  }

  /** A new independent request context. */
  openContext(): ReqContext {
    if (this.raw) throw new WeftError("ENOTSUP", "openContext: raw sockets have no contexts");
    return new ReqContext(this.core.openContext());
  }

  /** Resend interval of the socket (and of contexts without their own), ms. */
  get resendTime(): number {
    return this.core.resendTime;
  }
  set resendTime(value: number) {
    this.core.resendTime = value;
  }
}

/**
 * REP0: receives a request, sends its reply; contexts to serve many at once.
 *
 * The machinery of `Rep0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Rep0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Rep0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Rep0Socket({ transports });
 * assert.equal(socket.protocol, "rep");
 * socket.close();
 * ```
 */
export class Rep0Socket extends SpSocket {
  /** @ignore */
  declare protected readonly core: Rep0Core;

  /** Creates a REP0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Rep0Core(coreOptions(needTransports(options))));
  }

  /** A new independent reply context. */
  openContext(): Context {
    if (this.raw) throw new WeftError("ENOTSUP", "openContext: raw sockets have no contexts");
    return new Context(this.core.openContext());
  }
}

/**
 * PUSH0: round-robin to PULL peers, waiting while all are full.
 *
 * The machinery of `Push0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Push0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Push0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Push0Socket({ transports });
 * assert.equal(socket.protocol, "push");
 * socket.close();
 * ```
 */
export class Push0Socket extends SpSocket {
  /** Creates a PUSH0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Push0Core(coreOptions(needTransports(options))));
  }
}

/**
 * PULL0: fair-queued from PUSH peers.
 *
 * The machinery of `Pull0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Pull0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pull0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Pull0Socket({ transports });
 * assert.equal(socket.protocol, "pull");
 * socket.close();
 * ```
 */
export class Pull0Socket extends SpSocket {
  /** Creates a PULL0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Pull0Core(coreOptions(needTransports(options))));
  }
}

/** A SURVEYOR context: one survey at a time, with its own survey time. */
export class SurveyorContext extends Context {
  /** How long responses are accepted, ms; defaults to the socket's. */
  get surveyTime(): number | undefined {
    return (this.inner as CoreContext & { surveyTime: number | undefined }).surveyTime;
  }
  set surveyTime(value: number | undefined) {
    (this.inner as CoreContext & { surveyTime: number | undefined }).surveyTime = value;
  }
}

/** Options of SURVEYOR0 sockets. */
export interface Surveyor0Options extends SpOptions {
  /** How long responses are accepted, ms (-1: until the next survey). Default 1000. */
  surveyTime?: number;
}

/**
 * SURVEYOR0: asks every respondent, collects answers until the survey time ends.
 *
 * The machinery of `Surveyor0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Surveyor0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Surveyor0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Surveyor0Socket({ transports });
 * assert.equal(socket.protocol, "surveyor");
 * socket.close();
 * ```
 */
export class Surveyor0Socket extends SpSocket {
  /** @ignore */
  declare protected readonly core: Surveyor0Core;

  /** Creates a SURVEYOR0 socket (`transports` required). */
  constructor(options: Surveyor0Options) {
    super(
      new Surveyor0Core({
        ...coreOptions(needTransports(options)),
        ...(options.surveyTime !== undefined ? { surveyTime: options.surveyTime } : {}),
      }),
    );
  }

  /** A new independent survey context. */
  openContext(): SurveyorContext {
    if (this.raw) throw new WeftError("ENOTSUP", "openContext: raw sockets have no contexts");
    return new SurveyorContext(this.core.openContext());
  }

  /** Survey duration of the socket (and of contexts without their own), ms. */
  get surveyTime(): number {
    return this.core.surveyTime;
  }
  set surveyTime(value: number) {
    this.core.surveyTime = value;
  }
}

/**
 * RESPONDENT0: receives a survey, sends its answer; contexts to answer many at once.
 *
 * The machinery of `Respondent0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Respondent0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Respondent0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Respondent0Socket({ transports });
 * assert.equal(socket.protocol, "respondent");
 * socket.close();
 * ```
 */
export class Respondent0Socket extends SpSocket {
  /** @ignore */
  declare protected readonly core: Respondent0Core;

  /** Creates a RESPONDENT0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Respondent0Core(coreOptions(needTransports(options))));
  }

  /** A new independent response context. */
  openContext(): Context {
    if (this.raw) throw new WeftError("ENOTSUP", "openContext: raw sockets have no contexts");
    return new Context(this.core.openContext());
  }
}

/**
 * BUS0: every message to every direct peer, best effort.
 *
 * The machinery of `Bus0` from `weft/sp`, which fills in the runtime's transports: construct
 * `Bus0` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Bus0Socket } from "./sockets.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const socket = new Bus0Socket({ transports });
 * assert.equal(socket.protocol, "bus");
 * socket.close();
 * ```
 */
export class Bus0Socket extends SpSocket {
  /** Creates a BUS0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(new Bus0Core(coreOptions(needTransports(options))));
  }
}
