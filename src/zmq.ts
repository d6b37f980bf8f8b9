/**
 * `weft/zmq`: ZeroMQ sockets speaking ZMTP 3.1 over tcp, ipc and inproc, on Deno and Bun.
 *
 * This entry wires the runtime's transports into the sockets: `new Push()` uses the runtime's
 * tcp and ipc transports plus an in-process `inproc://` namespace shared by every socket made
 * from this module (like libzmq's default context). Pass `{ transports }` to use your own
 * registry instead (e.g. an isolated inproc namespace in tests).
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("inproc://zmq-doc-example");
 * await using push = new Push();
 * push.connect("inproc://zmq-doc-example");
 * await push.send(["job", "42"]);
 * const [kind, id] = await pull.receive();
 * assert.equal(new TextDecoder().decode(kind), "job");
 * assert.equal(new TextDecoder().decode(id), "42");
 * ```
 * @module
 */

import { runtimeTransports } from "./runtime.ts";
import type { SocketOptions } from "./patterns/zmq/options.ts";
import { PullSocket, PushSocket } from "./patterns/zmq/push_pull.ts";
import { PairSocket } from "./patterns/zmq/pair.ts";
import { PubSocket, SubSocket, XPubSocket, XSubSocket } from "./patterns/zmq/pubsub.ts";
import type { XPubOptions } from "./patterns/zmq/pubsub.ts";
import { RepSocket, ReqSocket } from "./patterns/zmq/req_rep.ts";
import type { ReqOptions } from "./patterns/zmq/req_rep.ts";
import { DealerSocket, RouterSocket } from "./patterns/zmq/dealer_router.ts";
import type { RouterOptions } from "./patterns/zmq/dealer_router.ts";
import type { Authenticator } from "./patterns/zmq/security.ts";
import { ZapHandler } from "./patterns/zmq/zap_serve.ts";
import type { TransportRegistry } from "./transport/types.ts";
import { WsRelay, type WsRelayOptions } from "./transport/ws/relay.ts";
import { zwsLibzmqName } from "./protocol/zmtp/zws.ts";

export type { SocketOptions } from "./patterns/zmq/options.ts";
export type { XPubOptions } from "./patterns/zmq/pubsub.ts";
export type { ReqOptions } from "./patterns/zmq/req_rep.ts";
export type { RouterOptions } from "./patterns/zmq/dealer_router.ts";
export type { Authenticator, SecurityOptions, SecurityValues } from "./patterns/zmq/security.ts";
export type { ZapReply, ZapRequest } from "./protocol/zmtp/zap.ts";
export { allowList, type AllowListOptions } from "./patterns/zmq/zap_allow.ts";
export { ZAP_ENDPOINT } from "./patterns/zmq/zap_handler.ts";
export { ZapHandler } from "./patterns/zmq/zap_serve.ts";
export { messageProperty, messagePropertyBytes } from "./patterns/zmq/message_properties.ts";
export type { Message } from "./core/pipe.ts";
export { type MessageLike, Socket } from "./patterns/zmq/socket.ts";
export type { SocketBase } from "./patterns/zmq/socket.ts";
export type { PullSocket, PushSocket } from "./patterns/zmq/push_pull.ts";
export type { PairSocket } from "./patterns/zmq/pair.ts";
export type { PubSocket, SubSocket, XPubSocket, XSubSocket } from "./patterns/zmq/pubsub.ts";
export type { RepSocket, ReqSocket } from "./patterns/zmq/req_rep.ts";
export type { DealerSocket, RouterSocket } from "./patterns/zmq/dealer_router.ts";
export type { SocketEvent, SocketEventType } from "./core/events.ts";
export { ErrorCode, WeftError } from "./core/errors.ts";
export {
  type CurveKey,
  type CurveKeyPair,
  curveKeyPair,
  curvePublicKey,
} from "./protocol/zmtp/curve/keys.ts";
export { z85Decode, z85Encode } from "./protocol/zmtp/curve/z85.ts";
export {
  Proxy,
  proxy,
  ProxyCommand,
  type ProxyOptions,
  type ProxySideStatistics,
  type ProxyState,
  type ProxyStatistics,
  statisticsFrames,
} from "./patterns/zmq/proxy.ts";

export * from "./runtime.ts";

// The socket core's extension contract: the types the socket classes above are built on.
export type * from "./core/contract.ts";
export type { ResolvedOptions } from "./patterns/zmq/options.ts";
export type { PublisherBase, SubscriberBase } from "./patterns/zmq/pubsub.ts";

function withTransports(options: SocketOptions = {}): SocketOptions {
  return options.transports ? options : { ...options, transports: runtimeTransports() };
}

/**
 * PUSH: sends messages round-robin to PULL peers; waits when all are at their HWM.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("inproc://zmq-doc-push");
 * await using push = new Push({ sendHighWaterMark: 100 }); // at most 100 queued per peer
 * push.connect("inproc://zmq-doc-push");
 * await push.send(["job", "42"]);
 * const [, id] = await pull.receive();
 * assert.equal(new TextDecoder().decode(id), "42");
 * ```
 */
export class Push extends PushSocket {
  /** Creates a PUSH socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options));
  }
}

/**
 * PULL: receives messages fair-queued from PUSH peers.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("inproc://zmq-doc-pull");
 * await using a = new Push();
 * await using b = new Push();
 * a.connect("inproc://zmq-doc-pull");
 * b.connect("inproc://zmq-doc-pull");
 * await a.send("from a");
 * await b.send("from b");
 * const got = [await pull.receive(), await pull.receive()].map(([f]) => new TextDecoder().decode(f));
 * assert.deepEqual(got.sort(), ["from a", "from b"]);
 * ```
 */
export class Pull extends PullSocket {
  /** Creates a PULL socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options));
  }
}

/**
 * PAIR: an exclusive two-way connection to one other PAIR socket.
 *
 * @example
 * ```ts
 * import { Pair } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using a = new Pair();
 * await a.bind("inproc://zmq-doc-pair");
 * await using b = new Pair();
 * b.connect("inproc://zmq-doc-pair");
 * await b.send("ping");
 * assert.equal(new TextDecoder().decode((await a.receive())[0]), "ping");
 * await a.send("pong");
 * assert.equal(new TextDecoder().decode((await b.receive())[0]), "pong");
 * ```
 */
export class Pair extends PairSocket {
  /** Creates a PAIR socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options));
  }
}

/**
 * PUB: publishes to every subscriber whose prefix matches the first frame; never blocks (a full subscriber misses messages).
 *
 * @example
 * ```ts
 * import { Pub } from "@weft/weft/zmq";
 * await using pub = new Pub();
 * await pub.bind("inproc://zmq-doc-pub");
 * // No subscriber yet: PUB never waits, the message is simply not delivered.
 * await pub.send(["weather.paris", "21C"]);
 * ```
 */
export class Pub extends PubSocket {
  /** Creates a Pub socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options) as SocketOptions);
  }
}

/**
 * SUB: receives what publishers send for its subscriptions (none at first: call `subscribe`).
 *
 * @example
 * ```ts
 * import { Pub, Sub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pub = new Pub();
 * await pub.bind("inproc://zmq-doc-sub");
 * await using sub = new Sub();
 * sub.subscribe("weather.");
 * sub.connect("inproc://zmq-doc-sub");
 * // Subscriptions travel to the publisher: keep publishing until one arrives.
 * const timer = setInterval(() => pub.send(["weather.paris", "21C"]), 5);
 * const [topic] = await sub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(topic), "weather.paris");
 * ```
 */
export class Sub extends SubSocket {
  /** Creates a Sub socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options) as SocketOptions);
  }
}

/**
 * XPUB: a PUB that hands subscriptions to the application as `[0x01|topic]` / `[0x00|topic]` messages.
 *
 * @example
 * ```ts
 * import { Sub, XPub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using xpub = new XPub({ xpubVerbose: true }); // pass on repeated subscriptions too
 * await xpub.bind("inproc://zmq-doc-xpub");
 * await using sub = new Sub();
 * sub.subscribe("news.");
 * sub.connect("inproc://zmq-doc-xpub");
 * const [event] = await xpub.receive();
 * assert.equal(event![0], 1); // 1 = subscribe (0 = unsubscribe), then the topic
 * assert.equal(new TextDecoder().decode(event!.subarray(1)), "news.");
 * ```
 */
export class XPub extends XPubSocket {
  /** Creates a XPub socket. */
  constructor(options?: XPubOptions) {
    super(withTransports(options) as XPubOptions);
  }
}

/**
 * XSUB: a SUB that subscribes by sending `[0x01|topic]` messages and passes everything up unfiltered.
 *
 * @example
 * ```ts
 * import { Pub, XSub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pub = new Pub();
 * await pub.bind("inproc://zmq-doc-xsub");
 * await using xsub = new XSub();
 * xsub.connect("inproc://zmq-doc-xsub");
 * await xsub.send(new Uint8Array([1])); // subscribe to everything
 * const timer = setInterval(() => pub.send("tick"), 5); // until the subscription arrives
 * const [msg] = await xsub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(msg), "tick");
 * ```
 */
export class XSub extends XSubSocket {
  /** Creates a XSub socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options) as SocketOptions);
  }
}

/**
 * REQ: sends a request, then receives its reply, alternately.
 *
 * @example
 * ```ts
 * import { Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep();
 * await rep.bind("inproc://zmq-doc-req");
 * await using req = new Req();
 * req.connect("inproc://zmq-doc-req");
 * await req.send("ping");
 * const [ask] = await rep.receive();
 * await rep.send([ask!, "pong"]);
 * const reply = await req.receive();
 * assert.deepEqual(reply.map((f) => new TextDecoder().decode(f)), ["ping", "pong"]);
 * ```
 */
export class Req extends ReqSocket {
  /** Creates a Req socket. */
  constructor(options?: ReqOptions) {
    super(withTransports(options) as ReqOptions);
  }
}

/**
 * REP: receives a request, then sends its reply, alternately.
 *
 * @example
 * ```ts
 * import { Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep();
 * await rep.bind("inproc://zmq-doc-rep");
 * await using req = new Req();
 * req.connect("inproc://zmq-doc-rep");
 * await req.send("21");
 * const [n] = await rep.receive();
 * await rep.send(String(2 * Number(new TextDecoder().decode(n)))); // goes back to the asker
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "42");
 * ```
 */
export class Rep extends RepSocket {
  /** Creates a Rep socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options) as SocketOptions);
  }
}

/**
 * DEALER: asynchronous requests; round-robin sends, fair-queued receives.
 *
 * @example
 * ```ts
 * import { Dealer, Router } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using router = new Router();
 * await router.bind("inproc://zmq-doc-dealer");
 * await using dealer = new Dealer({ routingId: "worker-1" });
 * dealer.connect("inproc://zmq-doc-dealer");
 * await dealer.send("job 1");
 * await dealer.send("job 2"); // no reply needed in between
 * const [id, job] = await router.receive();
 * assert.equal(new TextDecoder().decode(id), "worker-1");
 * assert.equal(new TextDecoder().decode(job), "job 1");
 * ```
 */
export class Dealer extends DealerSocket {
  /** Creates a Dealer socket. */
  constructor(options?: SocketOptions) {
    super(withTransports(options) as SocketOptions);
  }
}

/**
 * ROUTER: every received message starts with the sender's routing id; every sent message is routed by its first frame.
 *
 * @example
 * ```ts
 * import { Dealer, Router } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using router = new Router();
 * await router.bind("inproc://zmq-doc-router");
 * await using dealer = new Dealer({ routingId: "w1" });
 * dealer.connect("inproc://zmq-doc-router");
 * await dealer.send("hello");
 * const [id, body] = await router.receive();
 * assert.equal(new TextDecoder().decode(id), "w1");
 * await router.send([id!, "welcome"]);
 * const [reply] = await dealer.receive();
 * assert.equal(new TextDecoder().decode(reply), "welcome");
 * ```
 */
export class Router extends RouterSocket {
  /** Creates a Router socket. */
  constructor(options?: RouterOptions) {
    super(withTransports(options) as RouterOptions);
  }
}

/** Alias of {@link Pub}, the zeromq.js name (same class). */
export const Publisher = Pub;
/** Alias of {@link Sub}, the zeromq.js name (same class). */
export const Subscriber = Sub;
/** Alias of {@link XPub}, the zeromq.js name (same class). */
export const XPublisher = XPub;
/** Alias of {@link XSub}, the zeromq.js name (same class). */
export const XSubscriber = XSub;
/** Alias of {@link Req}, the zeromq.js name (same class). */
export const Request = Req;
/** Alias of {@link Rep}, the zeromq.js name (same class). */
export const Reply = Rep;

/** Options of {@link serveZap}. */
export interface ServeZapOptions {
  /** Whose inproc namespace to bind in (default: the one every socket of this module shares). */
  readonly transports?: TransportRegistry;
}

/**
 * Starts an RFC 27 ZAP handler at `inproc://zeromq.zap.01` answering with `authenticate`: the
 * libzmq way to check logins (pyzmq's `ThreadAuthenticator`). Server sockets in the same
 * inproc namespace that have no `authenticate` option of their own ask it. Prefer the
 * `authenticate` option for new code; this is for code (and habits) coming from libzmq.
 *
 * @example
 * ```ts
 * import { allowList, Pull, Push, serveZap } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using zap = await serveZap(allowList({ plain: { ann: "s3cret" } }));
 * await using pull = new Pull({ plainServer: true }); // no authenticate: asks the handler
 * await pull.bind("tcp://127.0.0.1:0");
 * await using push = new Push({ plainUsername: "ann", plainPassword: "s3cret" });
 * push.connect(pull.lastEndpoint!);
 * await push.send("job");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "job");
 * assert.equal(zap.endpoint, "inproc://zeromq.zap.01");
 * ```
 */
export function serveZap(
  authenticate: Authenticator,
  options: ServeZapOptions = {},
): Promise<ZapHandler> {
  return ZapHandler.start(authenticate, { transports: options.transports ?? runtimeTransports() });
}

export { WsRelay, type WsRelayEvent, type WsRelayOptions } from "./transport/ws/relay.ts";
export { zwsLibzmqName } from "./protocol/zmtp/zws.ts";

/** Options of {@link zwsRelay}: {@link WsRelayOptions} with the runtime's transports by default. */
export type ZwsRelayOptions =
  & Omit<WsRelayOptions, "transports" | "targetProtocol">
  & { readonly transports?: TransportRegistry };

/**
 * Starts a ZWS relay in front of libzmq's `ws://` transport, for web pages with PLAIN or CURVE:
 * a page (`weft/zmq/browser`) offers `ZWS2.0-CURVE` because a browser cannot send libzmq's
 * `ZWS2.0/CURVE` (`/` is not an HTTP token), and libzmq accepts no other spelling. The relay
 * offers libzmq its own name, answers the page with the page's, and forwards every message
 * unchanged: it holds no keys, so CURVE stays between the page and libzmq. See docs/zws.md.
 *
 * @example
 * ```ts
 * import { curveKeyPair, Rep, zwsRelay } from "@weft/weft/zmq";
 * import { Req } from "@weft/weft/zmq/browser";
 * import assert from "node:assert/strict";
 * const server = curveKeyPair();
 * // The service: libzmq in real use (bind("ws://…") with ZMQ_CURVE_SERVER); weft here.
 * await using rep = new Rep({ curveServer: true, curveSecretKey: server.secretKey });
 * await rep.bind("ws://127.0.0.1:0/api");
 * await using relay = await zwsRelay({ listen: "ws://127.0.0.1:0/api", target: rep.lastEndpoint! });
 * // A page's socket (the global WebSocket, offering ZWS2.0-CURVE) goes through the relay.
 * await using req = new Req({ curveServerKey: server.publicKey, curveSecretKey: curveKeyPair().secretKey });
 * req.connect(relay.endpoint);
 * await req.send("hello");
 * await rep.send(await rep.receive());
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "hello");
 * ```
 */
export function zwsRelay(options: ZwsRelayOptions): Promise<WsRelay> {
  return WsRelay.start({
    ...options,
    transports: options?.transports ?? runtimeTransports(),
    targetProtocol: zwsLibzmqName,
  });
}
