/**
 * `weft/zmq/browser`: ZeroMQ sockets for web pages. They speak ZMTP over WebSocket (ZWS 2.0,
 * RFC 45, as libzmq 4.3 does) through the page's own `WebSocket` — no Deno, Bun or Node API in
 * this entry's imports — to any ZWS server: a weft socket bound on `ws://` or `wss://`, or
 * libzmq with its `ws://` transport. A page cannot listen, so these sockets only `connect`
 * (`bind` rejects with `ENOTSUP`); every socket type is here, the mechanism comes from the same
 * options as on the server side. `node tools/build_zmq_browser.mjs` bundles this entry into one
 * ES module (`dist/weft-zmq-browser.js`); see docs/zws.md.
 *
 * @example
 * ```ts
 * import { Req } from "@weft/weft/zmq/browser";
 * import { Rep } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep(); // a server (here weft on Deno; libzmq's ws:// works as well)
 * await rep.bind("ws://127.0.0.1:0/api");
 * await using req = new Req(); // what a page runs
 * req.connect(rep.lastEndpoint!);
 * await req.send("hello");
 * await rep.send(await rep.receive());
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "hello");
 * ```
 * @module
 */

import type { SocketOptions } from "./patterns/zmq/options.ts";
import { PullSocket, PushSocket } from "./patterns/zmq/push_pull.ts";
import { PairSocket } from "./patterns/zmq/pair.ts";
import { PubSocket, SubSocket, XPubSocket, XSubSocket } from "./patterns/zmq/pubsub.ts";
import type { XPubOptions } from "./patterns/zmq/pubsub.ts";
import { RepSocket, ReqSocket } from "./patterns/zmq/req_rep.ts";
import type { ReqOptions } from "./patterns/zmq/req_rep.ts";
import { DealerSocket, RouterSocket } from "./patterns/zmq/dealer_router.ts";
import type { RouterOptions } from "./patterns/zmq/dealer_router.ts";
import { BrowserWebSocketTransport } from "./transport/browser/websocket.ts";
import { createRegistry } from "./transport/registry.ts";
import { zwsTokenAlias } from "./protocol/zmtp/zws.ts";
import type { TransportRegistry } from "./transport/types.ts";

export type { SocketOptions } from "./patterns/zmq/options.ts";
export type { XPubOptions } from "./patterns/zmq/pubsub.ts";
export type { ReqOptions } from "./patterns/zmq/req_rep.ts";
export type { RouterOptions } from "./patterns/zmq/dealer_router.ts";
export type { Message } from "./core/pipe.ts";
export { type MessageLike, Socket } from "./patterns/zmq/socket.ts";
export type { PullSocket, PushSocket } from "./patterns/zmq/push_pull.ts";
export type { PairSocket } from "./patterns/zmq/pair.ts";
export type { PubSocket, SubSocket, XPubSocket, XSubSocket } from "./patterns/zmq/pubsub.ts";
export type { RepSocket, ReqSocket } from "./patterns/zmq/req_rep.ts";
export type { DealerSocket, RouterSocket } from "./patterns/zmq/dealer_router.ts";
export type { SocketEvent, SocketEventType } from "./core/events.ts";
export { ErrorCode, WeftError } from "./core/errors.ts";
export type * from "./core/contract.ts";
export type { ResolvedOptions } from "./patterns/zmq/options.ts";
export type { PublisherBase, SubscriberBase } from "./patterns/zmq/pubsub.ts";
export type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamHandler,
  StreamListener,
  TextMessages,
  TlsOptions,
  Transport,
  TransportRegistry,
} from "./transport/types.ts";
export type { DirectEnd } from "./transport/types.ts";
export type { SharedMessage } from "./transport/shared_message.ts";
export type { Endpoint } from "./core/endpoint.ts";
export type { EventStream } from "./core/events.ts";
export type { Authenticator, SecurityOptions, SecurityValues } from "./patterns/zmq/security.ts";
export type { ZapReply, ZapRequest } from "./protocol/zmtp/zap.ts";
export { curveKeyPair, curvePublicKey } from "./protocol/zmtp/curve/keys.ts";
export type { CurveKey, CurveKeyPair } from "./protocol/zmtp/curve/keys.ts";
export { z85Decode, z85Encode } from "./protocol/zmtp/curve/z85.ts";
export { messageProperty } from "./patterns/zmq/message_properties.ts";

let browser: TransportRegistry | undefined;

/**
 * The registry these sockets use when given none: `ws://` and `wss://` over the global
 * `WebSocket`, dial only.
 *
 * @example
 * ```ts
 * import { browserTransports } from "@weft/weft/zmq/browser";
 * import assert from "node:assert/strict";
 * assert.deepEqual(browserTransports().schemes().sort(), ["ws", "wss"]);
 * ```
 */
export function browserTransports(): TransportRegistry {
  return browser ??= createRegistry([
    new BrowserWebSocketTransport("ws", zwsTokenAlias),
    new BrowserWebSocketTransport("wss", zwsTokenAlias),
  ]);
}

function inBrowser(options: SocketOptions = {}): SocketOptions {
  return options.transports ? options : { ...options, transports: browserTransports() };
}

/**
 * DEALER: round-robin sends, fair-queued receives (a page's usual client socket).
 *
 * @example
 * ```ts
 * import { Dealer } from "@weft/weft/zmq/browser";
 * import { Router } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using router = new Router(); // the server side (Deno, Bun or libzmq)
 * await router.bind("ws://127.0.0.1:0/jobs");
 * await using dealer = new Dealer({ routingId: "page-1" });
 * dealer.connect(router.lastEndpoint!); // ZWS 2.0 over the page's WebSocket
 * await dealer.send(["", "hello"]);
 * const [id, , body] = await router.receive();
 * assert.equal(new TextDecoder().decode(id), "page-1");
 * assert.equal(new TextDecoder().decode(body), "hello");
 * ```
 */
export class Dealer extends DealerSocket {
  /** Creates a DEALER socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * REQ: strict request then reply, to REP or ROUTER servers.
 *
 * @example
 * ```ts
 * import { Req } from "@weft/weft/zmq/browser";
 * import { Rep } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep();
 * await rep.bind("ws://127.0.0.1:0/echo");
 * await using req = new Req();
 * req.connect(rep.lastEndpoint!);
 * await req.send("ping");
 * await rep.send((await rep.receive())[0]!);
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "ping");
 * ```
 */
export class Req extends ReqSocket {
  /** Creates a REQ socket over the global `WebSocket`. */
  constructor(options?: ReqOptions) {
    super(inBrowser(options) as ReqOptions);
  }
}

/**
 * SUB: receives what PUB servers publish on the prefixes it subscribes to.
 *
 * @example
 * ```ts
 * import { Sub } from "@weft/weft/zmq/browser";
 * import { Pub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pub = new Pub();
 * await pub.bind("ws://127.0.0.1:0/news");
 * await using sub = new Sub();
 * sub.subscribe("news.");
 * sub.connect(pub.lastEndpoint!);
 * const got = sub.receive();
 * const timer = setInterval(() => pub.send(["news.eu", "hello"]), 20); // until the SUB joined
 * const [topic] = await got;
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(topic), "news.eu");
 * ```
 */
export class Sub extends SubSocket {
  /** Creates a SUB socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * PUSH: sends messages round-robin to PULL servers.
 *
 * @example
 * ```ts
 * import { Push } from "@weft/weft/zmq/browser";
 * import { Pull } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("ws://127.0.0.1:0/work");
 * await using push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await push.send(["job", "42"]);
 * assert.equal(new TextDecoder().decode((await pull.receive())[1]), "42");
 * ```
 */
export class Push extends PushSocket {
  /** Creates a PUSH socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * PULL: receives, fair-queued, what PUSH servers send.
 *
 * @example
 * ```ts
 * import { Pull } from "@weft/weft/zmq/browser";
 * import { Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using push = new Push();
 * await push.bind("ws://127.0.0.1:0/results");
 * await using pull = new Pull();
 * pull.connect(push.lastEndpoint!);
 * await push.send("result");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "result");
 * ```
 */
export class Pull extends PullSocket {
  /** Creates a PULL socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * PUB: publishes to SUB servers that subscribed (a page connecting out).
 *
 * @example
 * ```ts
 * import { Pub } from "@weft/weft/zmq/browser";
 * import { XSub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using xsub = new XSub();
 * await xsub.bind("ws://127.0.0.1:0/events");
 * await xsub.send(Uint8Array.of(1)); // subscribe to everything, once a peer is there
 * await using pub = new Pub();
 * pub.connect(xsub.lastEndpoint!);
 * const got = xsub.receive();
 * const timer = setInterval(() => pub.send("clicked"), 20); // until the subscription arrived
 * const [event] = await got;
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(event), "clicked");
 * ```
 */
export class Pub extends PubSocket {
  /** Creates a PUB socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * XSUB: SUB whose subscriptions are messages (`0x01|topic`, `0x00|topic`).
 *
 * @example
 * ```ts
 * import { XSub } from "@weft/weft/zmq/browser";
 * import { XPub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using xpub = new XPub();
 * await xpub.bind("ws://127.0.0.1:0/feed");
 * await using xsub = new XSub();
 * xsub.connect(xpub.lastEndpoint!);
 * await xsub.send(Uint8Array.of(1, ...new TextEncoder().encode("t.")));
 * const [subscription] = await xpub.receive(); // the XPUB sees it
 * assert.deepEqual([...subscription!], [1, 116, 46]);
 * ```
 */
export class XSub extends XSubSocket {
  /** Creates a XSUB socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * XPUB: PUB that receives its subscribers' subscriptions as messages.
 *
 * @example
 * ```ts
 * import { XPub } from "@weft/weft/zmq/browser";
 * import { Sub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using sub = new Sub();
 * await sub.bind("ws://127.0.0.1:0/wants");
 * sub.subscribe("q.");
 * await using xpub = new XPub();
 * xpub.connect(sub.lastEndpoint!);
 * const [subscription] = await xpub.receive();
 * assert.deepEqual([...subscription!], [1, 113, 46]);
 * ```
 */
export class XPub extends XPubSocket {
  /** Creates a XPUB socket over the global `WebSocket`. */
  constructor(options?: XPubOptions) {
    super(inBrowser(options) as XPubOptions);
  }
}

/**
 * REP: answers requests from REQ or DEALER servers it connects to.
 *
 * @example
 * ```ts
 * import { Rep } from "@weft/weft/zmq/browser";
 * import { Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using req = new Req();
 * await req.bind("ws://127.0.0.1:0/ask-the-page");
 * await using rep = new Rep();
 * rep.connect(req.lastEndpoint!);
 * await req.send("2+2");
 * await rep.receive();
 * await rep.send("4");
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "4");
 * ```
 */
export class Rep extends RepSocket {
  /** Creates a REP socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}

/**
 * ROUTER: addresses each peer by its routing id.
 *
 * @example
 * ```ts
 * import { Router } from "@weft/weft/zmq/browser";
 * import { Dealer } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using dealer = new Dealer({ routingId: "server" });
 * await dealer.bind("ws://127.0.0.1:0/route");
 * await using router = new Router();
 * router.connect(dealer.lastEndpoint!);
 * await dealer.send("hi");
 * const [id, body] = await router.receive();
 * assert.equal(new TextDecoder().decode(id), "server");
 * assert.equal(new TextDecoder().decode(body), "hi");
 * ```
 */
export class Router extends RouterSocket {
  /** Creates a ROUTER socket over the global `WebSocket`. */
  constructor(options?: RouterOptions) {
    super(inBrowser(options) as RouterOptions);
  }
}

/**
 * PAIR: one exclusive peer, both ways.
 *
 * @example
 * ```ts
 * import { Pair } from "@weft/weft/zmq/browser";
 * import { Pair as ServerPair } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using server = new ServerPair();
 * await server.bind("ws://127.0.0.1:0/pair");
 * await using pair = new Pair();
 * pair.connect(server.lastEndpoint!);
 * await pair.send("hello");
 * assert.equal(new TextDecoder().decode((await server.receive())[0]), "hello");
 * ```
 */
export class Pair extends PairSocket {
  /** Creates a PAIR socket over the global `WebSocket`. */
  constructor(options?: SocketOptions) {
    super(inBrowser(options) as SocketOptions);
  }
}
