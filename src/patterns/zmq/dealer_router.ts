/**
 * DEALER and ROUTER: the asynchronous request-reply pair. DEALER round-robins sends and
 * fair-queues receives; ROUTER prefixes every received message with the sender's routing id
 * and routes every sent message by its first frame.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { FairQueue, LoadBalancer } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { Socket } from "./socket.ts";
import type { SocketOptions } from "./options.ts";
import { topicKey } from "./subscriptions.ts";

/**
 * Round-robin sends, fair-queued receives, no envelope.
 *
 * The machinery of `Dealer` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Dealer` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Dealer, type DealerSocket, Router } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const submitAll = (dealer: DealerSocket, jobs: string[]) =>
 *   Promise.all(jobs.map((job) => dealer.send(job))); // no reply awaited in between
 * await using router = new Router();
 * await router.bind("inproc://dealer-socket-doc");
 * await using dealer = new Dealer();
 * dealer.connect("inproc://dealer-socket-doc");
 * await submitAll(dealer, ["a", "b"]);
 * const [, first] = await router.receive();
 * assert.equal(new TextDecoder().decode(first), "a");
 * ```
 */
export class DealerSocket extends Socket {
  #lb = new LoadBalancer();
  #fq = new FairQueue();

  /** Creates a DEALER socket (see {@link SocketOptions}). */
  constructor(options: SocketOptions) {
    super("DEALER", options);
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#lb.add(pipe);
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe);
    this.#fq.remove(pipe);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    return this.#lb.send(message) !== undefined;
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    return this.#fq.readMessage();
  }
}

/** Options of ROUTER sockets. */
export interface RouterOptions extends SocketOptions {
  /** Reject unroutable messages with EHOSTUNREACH and wait at the HWM instead of dropping. */
  routerMandatory?: boolean;
  /** A peer reusing a connected routing id takes it over (the old connection is closed). */
  routerHandover?: boolean;
}

/**
 * Routes by routing id: the first frame of every message names the peer.
 *
 * The machinery of `Router` from `weft/zmq`, which fills in the runtime's transports:
 * construct `Router` there; this class needs `transports` in its options.
 *
 * @example
 * ```ts
 * import { Dealer, Router, type RouterSocket } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const echoOnce = async (router: RouterSocket) => {
 *   const [id, body] = await router.receive(); // the sender's routing id comes first
 *   await router.send([id!, body!]); // and routes the answer back
 * };
 * await using router = new Router();
 * await router.bind("inproc://router-socket-doc");
 * await using dealer = new Dealer({ routingId: "w1" });
 * dealer.connect("inproc://router-socket-doc");
 * await dealer.send("hello");
 * await echoOnce(router);
 * assert.equal(new TextDecoder().decode((await dealer.receive())[0]), "hello");
 * ```
 */
export class RouterSocket extends Socket {
  #fq = new FairQueue();
  #byId = new Map<string, Pipe>();
  #nextId = (Math.random() * 0xffffffff) >>> 0;
  #mandatory: boolean;
  #handover: boolean;

  /** Creates a ROUTER socket (see {@link RouterOptions}). */
  constructor(options: RouterOptions) {
    super("ROUTER", options);
    this.#mandatory = options.routerMandatory ?? false;
    this.#handover = options.routerHandover ?? false;
  }

  /** Reject unroutable messages with EHOSTUNREACH (instead of dropping them). */
  get routerMandatory(): boolean {
    return this.#mandatory;
  }
  set routerMandatory(value: boolean) {
    this.#mandatory = value;
  }

  /** Let a reconnecting peer take over its routing id. */
  get routerHandover(): boolean {
    return this.#handover;
  }
  set routerHandover(value: boolean) {
    this.#handover = value;
  }

  /**
   * A ROUTER needs the peer's identity before routing to it.
   */
  protected override attachBeforeHandshake(): boolean {
    return false;
  }

  /** Checks a peer after its handshake; a reason refuses it. */
  protected override xaccept(pipe: Pipe): string | undefined {
    if (pipe.attached) return undefined; // a reconnect of a known pipe keeps its id
    const identity = pipe.peer?.identity ?? new Uint8Array(0);
    if (identity.length === 0) {
      const id = new Uint8Array(5); // libzmq: 0x00 + u32 counter from a random start
      new DataView(id.buffer).setUint32(1, this.#nextId);
      this.#nextId = (this.#nextId + 1) >>> 0;
      pipe.routingId = id;
      return undefined;
    }
    const existing = this.#byId.get(topicKey(identity));
    if (existing && existing !== pipe) {
      if (!this.#handover) return "duplicate routing id (set routerHandover to let it take over)";
      existing.close(0);
      this.#byId.delete(topicKey(identity));
    }
    pipe.routingId = identity;
    return undefined;
  }

  /** A peer joins: it enters this pattern's routing. */
  protected xattach(pipe: Pipe): void {
    this.#byId.set(topicKey(pipe.routingId), pipe);
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this pattern's routing. */
  protected xdetach(pipe: Pipe): void {
    const key = topicKey(pipe.routingId);
    if (this.#byId.get(key) === pipe) this.#byId.delete(key);
    this.#fq.remove(pipe);
  }

  /** This pattern's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    if (message.length < 2) {
      throw new WeftError(
        "EINVAL",
        "ROUTER send: expected [routingId, ...frames] (at least two frames)",
      );
    }
    const pipe = this.#byId.get(topicKey(message[0]!));
    if (!pipe) {
      if (this.#mandatory) {
        throw new WeftError("EHOSTUNREACH", "ROUTER send: no connected peer has that routing id");
      }
      return true; // dropped silently, as libzmq does
    }
    const body = message.slice(1);
    if (pipe.send(body)) return true;
    return !this.#mandatory; // full: drop, or wait when mandatory
  }

  /** This pattern's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    const next = this.#fq.read();
    if (!next) return undefined;
    // The frames array came fresh from the session and is ours: prefix it, no copy.
    next.message.unshift(next.pipe.routingId);
    return next.message;
  }
}
