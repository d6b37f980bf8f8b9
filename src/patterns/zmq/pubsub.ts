/**
 * PUB, SUB, XPUB and XSUB. Filtering happens on the publisher side (each peer's subscriptions
 * are kept per pipe), and SUB filters again locally, as libzmq does (an XPUB upstream may
 * forward everything). PUB and XPUB never block: a peer at its high-water mark misses the
 * message.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { FairQueue } from "../../core/distribution.ts";
import { Fifo } from "../../core/fifo.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "./options.ts";
import { Subscriptions } from "./subscriptions.ts";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

function toTopic(prefix: string | Uint8Array): Uint8Array {
  return typeof prefix === "string" ? encoder.encode(prefix) : prefix;
}

function pipeSubscriptions(pipe: Pipe): Subscriptions {
  return (pipe.state ??= new Subscriptions()) as Subscriptions;
}

/** Options of XPUB sockets. */
export interface XPubOptions extends SocketOptions {
  /** Pass every subscription up, not only new topics (ZMQ_XPUB_VERBOSE). */
  xpubVerbose?: boolean;
  /** Also pass every unsubscription up (ZMQ_XPUB_VERBOSER). */
  xpubVerboser?: boolean;
}

/**
 * The publisher side PUB and XPUB share: each peer's subscriptions, and sends that go to every
 * peer subscribed to the first frame (a full peer misses the message). Their own API is on
 * {@link PubSocket} and {@link XPubSocket}.
 *
 * @example
 * ```ts
 * import { Pub, type PublisherBase, Sub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // Code that only publishes can take a PUB or an XPUB.
 * const publish = (out: PublisherBase, temp: string) => out.send(["weather.paris", temp]);
 * await using pub = new Pub();
 * await pub.bind("inproc://publisher-base-doc");
 * await using sub = new Sub();
 * sub.subscribe("weather.");
 * sub.connect("inproc://publisher-base-doc");
 * const timer = setInterval(() => publish(pub, "21C"), 5); // until the subscription arrives
 * const [, temp] = await sub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(temp), "21C");
 * ```
 */
export abstract class PublisherBase extends Socket {
  #pipes = new Set<Pipe>();

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const first = message[0]!;
    for (const pipe of this.#pipes) {
      const subs = pipe.state as Subscriptions | undefined;
      if (subs && subs.matches(first)) pipe.send(message); // full pipes drop: PUB never blocks
    }
    return true;
  }
}

/**
 * Publishes messages to subscribers whose topic prefixes match the first frame.
 *
 * The machinery of `Pub` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Pub` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pub, type PubSocket, Sub } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const publish = (pub: PubSocket, temp: string) => pub.send(["weather.paris", temp]);
 * await using pub = new Pub();
 * await pub.bind("inproc://pub-socket-doc");
 * await using sub = new Sub();
 * sub.subscribe("weather.");
 * sub.connect("inproc://pub-socket-doc");
 * const timer = setInterval(() => publish(pub, "21C"), 5); // until the subscription arrives
 * const [, temp] = await sub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(temp), "21C");
 * ```
 */
export class PubSocket extends PublisherBase {
  /** Creates a PUB socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("PUB", options);
  }

  /** A peer (un)subscribed: its filter changes. */
  protected override xsubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    const subs = pipeSubscriptions(pipe);
    if (subscribe) subs.add(topic);
    else subs.remove(topic);
  }
}

/**
 * Like PUB, but subscriptions reach the application as messages `[0x01|topic]` (subscribe)
 * and `[0x00|topic]` (unsubscribe): new topics only, unless `xpubVerbose`/`xpubVerboser`.
 *
 * The machinery of `XPub` from `weft/zmq`, which fills in the runtime's transports:
 * construct `XPub` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Sub, XPub, type XPubSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const nextTopic = async (xpub: XPubSocket) => {
 *   const [event] = await xpub.receive(); // [1|topic] subscribe, [0|topic] unsubscribe
 *   return `${event![0] === 1 ? "+" : "-"}${new TextDecoder().decode(event!.subarray(1))}`;
 * };
 * await using xpub = new XPub();
 * await xpub.bind("inproc://xpub-socket-doc");
 * await using sub = new Sub();
 * sub.subscribe("news.");
 * sub.connect("inproc://xpub-socket-doc");
 * assert.equal(await nextTopic(xpub), "+news.");
 * ```
 */
export class XPubSocket extends PublisherBase {
  #verbose: boolean;
  #verboser: boolean;
  #all = new Subscriptions(); // union over pipes, to report only first/last references
  #pending = new Fifo<Message>();

  /** Creates an XPUB socket (see {@link XPubOptions}). */
  constructor(options: XPubOptions) {
    super("XPUB", options);
    this.#verbose = options.xpubVerbose ?? false;
    this.#verboser = options.xpubVerboser ?? false;
  }

  /** Pass every subscription up, not only new topics. */
  get xpubVerbose(): boolean {
    return this.#verbose;
  }
  set xpubVerbose(value: boolean) {
    this.#verbose = value;
  }

  /** Also pass every unsubscription up. */
  get xpubVerboser(): boolean {
    return this.#verboser;
  }
  set xpubVerboser(value: boolean) {
    this.#verboser = value;
  }

  /** A peer (un)subscribed: its filter changes. */
  protected override xsubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    const subs = pipeSubscriptions(pipe);
    if (subscribe) {
      subs.add(topic);
      const first = this.#all.add(topic);
      if (first || this.#verbose || this.#verboser) this.#report(topic, true);
    } else {
      if (!subs.remove(topic) && !this.#verboser) {
        // Still referenced by this peer: libzmq passes it up only when verboser.
        return;
      }
      const last = this.#all.remove(topic);
      if (last || this.#verboser) this.#report(topic, false);
    }
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected override xdetach(pipe: Pipe): void {
    super.xdetach(pipe);
    const subs = pipe.state as Subscriptions | undefined;
    if (!subs) return;
    for (const [topic, count] of subs.entries()) {
      for (let i = 0; i < count; i++) {
        if (this.#all.remove(topic)) this.#report(topic, false);
      }
    }
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    return this.#pending.shift();
  }

  #report(topic: Uint8Array, subscribe: boolean): void {
    const frame = new Uint8Array(topic.length + 1);
    frame[0] = subscribe ? 1 : 0;
    frame.set(topic, 1);
    this.#pending.push([frame]);
    this.wakeReceivers();
  }
}

/**
 * The subscriber side SUB and XSUB share: counted subscriptions, told to every publisher as it
 * (re)connects, and fair-queued input. Their own API is on {@link SubSocket} and
 * {@link XSubSocket}.
 *
 * @example
 * ```ts
 * import { Pub, Sub, type SubscriberBase } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // Code that only reads can take a SUB or an XSUB.
 * const nextText = async (input: SubscriberBase) => new TextDecoder().decode((await input.receive())[0]);
 * await using pub = new Pub();
 * await pub.bind("inproc://subscriber-base-doc");
 * await using sub = new Sub();
 * sub.subscribe("");
 * sub.connect("inproc://subscriber-base-doc");
 * const timer = setInterval(() => pub.send("tick"), 5); // until the subscription arrives
 * assert.equal(await nextText(sub), "tick");
 * clearInterval(timer);
 * ```
 */
export abstract class SubscriberBase extends Socket {
  /**
   * Fair-queued input from every publisher.
   * @ignore
   */
  protected readonly fq: FairQueue = new FairQueue();
  /**
   * Our subscriptions, counted (a topic stays while any holder does).
   * @ignore
   */
  protected readonly subscriptions: Subscriptions = new Subscriptions();
  #pipes = new Set<Pipe>();

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
    this.fq.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.fq.remove(pipe);
  }

  /**
   * Every (re)connected publisher learns all our subscriptions.
   */
  protected override xconnected(pipe: Pipe): void {
    for (const [topic, count] of this.subscriptions.entries()) {
      for (let i = 0; i < count; i++) pipe.sendSubscription(topic, true);
    }
  }

  /**
   * Records a subscription change and tells every publisher.
   */
  protected changeSubscription(topic: Uint8Array, subscribe: boolean): void {
    if (subscribe) this.subscriptions.add(topic);
    else if (!this.subscriptions.remove(topic)) return; // others still hold it
    for (const pipe of this.#pipes) {
      if (pipe.connected) pipe.sendSubscription(topic, subscribe);
    }
  }

  /**
   * Sends a non-subscription message to every publisher (XSUB).
   */
  protected sendToAll(message: Message): void {
    for (const pipe of this.#pipes) pipe.send(message);
  }
}

/**
 * Receives messages from publishers for the topics it subscribes to (none at first).
 *
 * The machinery of `Sub` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Sub` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pub, Sub, type SubSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const follow = (sub: SubSocket, city: string) => sub.subscribe(`weather.${city}`);
 * await using pub = new Pub();
 * await pub.bind("inproc://sub-socket-doc");
 * await using sub = new Sub();
 * follow(sub, "paris");
 * sub.connect("inproc://sub-socket-doc");
 * const timer = setInterval(() => pub.send(["weather.paris", "21C"]), 5);
 * const [topic] = await sub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(topic), "weather.paris");
 * ```
 */
export class SubSocket extends SubscriberBase {
  /** Creates a SUB socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("SUB", options);
  }

  /** Subscribes to each prefix (`""` or no argument: everything). Counted. */
  override subscribe(...prefixes: (string | Uint8Array)[]): void {
    if (this.isClosed) throw new WeftError("ECLOSED", "subscribe: the SUB socket is closed");
    for (const p of prefixes.length ? prefixes : [EMPTY]) this.changeSubscription(toTopic(p), true);
  }

  /** Removes one reference to each prefix (`""` or no argument: the catch-all). */
  override unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    if (this.isClosed) throw new WeftError("ECLOSED", "unsubscribe: the SUB socket is closed");
    for (const p of prefixes.length ? prefixes : [EMPTY]) {
      this.changeSubscription(toTopic(p), false);
    }
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    for (let next = this.fq.read(); next; next = this.fq.read()) {
      if (this.subscriptions.matches(next.message[0]!)) return next.message;
    }
    return undefined;
  }
}

/**
 * Like SUB, but subscriptions are sent as messages `[0x01|topic]` / `[0x00|topic]`, and every
 * received message is passed up unfiltered (for proxies and forwarders).
 *
 * The machinery of `XSub` from `weft/zmq`, which fills in the runtime's transports:
 * construct `XSub` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Pub, XSub, type XSubSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const subscribe = (xsub: XSubSocket, topic: string) =>
 *   xsub.send(new Uint8Array([1, ...new TextEncoder().encode(topic)]));
 * await using pub = new Pub();
 * await pub.bind("inproc://xsub-socket-doc");
 * await using xsub = new XSub();
 * xsub.connect("inproc://xsub-socket-doc");
 * await subscribe(xsub, "news.");
 * const timer = setInterval(() => pub.send("news.today"), 5); // until the subscription arrives
 * const [msg] = await xsub.receive();
 * clearInterval(timer);
 * assert.equal(new TextDecoder().decode(msg), "news.today");
 * ```
 */
export class XSubSocket extends SubscriberBase {
  /** Creates an XSUB socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("XSUB", options);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const first = message[0]!;
    if (message.length === 1 && first.length > 0 && (first[0] === 0 || first[0] === 1)) {
      this.changeSubscription(first.subarray(1), first[0] === 1);
    } else {
      this.sendToAll(message);
    }
    return true;
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    return this.fq.readMessage();
  }
}
