/**
 * PUB0 and SUB0. PUB sends every message to every peer and never blocks: a peer whose queue
 * is full (`sendBuffer`, 16 by default as nng) misses it. SUB filters locally by prefix —
 * subscriptions never go on the wire — and receives nothing until it subscribes.
 * @module
 */

import { FairQueue } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { WeftError } from "../../core/errors.ts";
import { EMPTY, fromPipe, toBytes } from "./message.ts";
import type { SpData } from "./message.ts";
import { SpSocket } from "./socket.ts";
import type { SpOptions } from "./options.ts";

/**
 * PUB0: broadcasts; never blocks (a full peer misses messages).
 *
 * @example
 * ```ts
 * import { Pub0, type Pub0Socket, Sub0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const publish = (pub: Pub0Socket, temp: string) => pub.send(`weather.paris ${temp}`);
 * await using sub = new Sub0();
 * sub.subscribe("weather.");
 * await sub.listen("inproc://pub0-socket-doc");
 * await using pub = new Pub0();
 * await pub.dial("inproc://pub0-socket-doc");
 * await publish(pub, "21C");
 * assert.equal(new TextDecoder().decode(await sub.recv()), "weather.paris 21C");
 * ```
 */
export class Pub0Socket extends SpSocket {
  #pipes = new Set<Pipe>();

  /** Creates a PUB0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.pub0, options, 16);
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
  }

  /** This protocol's send: true when queued (or dropped by design), false to wait. */
  protected override xsend(message: Message): boolean {
    const out = [EMPTY, message[1]!];
    for (const pipe of this.#pipes) pipe.send(out); // a full pipe drops: PUB never blocks
    return true;
  }
}

/**
 * SUB0: receives what matches a subscribed prefix (nothing until `subscribe`).
 *
 * @example
 * ```ts
 * import { Pub0, Sub0, type Sub0Socket } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * const follow = (sub: Sub0Socket, city: string) => sub.subscribe(`weather.${city}`);
 * await using sub = new Sub0();
 * follow(sub, "paris");
 * await sub.listen("inproc://sub0-socket-doc");
 * await using pub = new Pub0();
 * await pub.dial("inproc://sub0-socket-doc");
 * await pub.send("weather.oslo -3C"); // filtered out
 * await pub.send("weather.paris 21C");
 * assert.equal(new TextDecoder().decode(await sub.recv()), "weather.paris 21C");
 * ```
 */
export class Sub0Socket extends SpSocket {
  #fq = new FairQueue();
  #topics: Uint8Array[] = [];

  /** Creates a SUB0 socket (`transports` required). */
  constructor(options: SpOptions) {
    super(SpProtocols.sub0, options);
  }

  /** Subscribes to a prefix (`""` matches everything). Local only: nothing goes on the wire. */
  override subscribe(prefix?: SpData): void {
    const topic = toBytes(prefix ?? "");
    if (this.#topics.some((t) => same(t, topic))) return; // adding one twice is a no-op
    this.#topics.push(topic.slice());
  }

  /** Removes a prefix; throws EINVAL (nng: NNG_ENOENT) when it was not subscribed. */
  override unsubscribe(prefix?: SpData): void {
    const topic = toBytes(prefix ?? "");
    const i = this.#topics.findIndex((t) => same(t, topic));
    if (i < 0) {
      throw new WeftError(
        "EINVAL",
        "unsubscribe: expected a subscribed prefix, got an unknown one",
      );
    }
    this.#topics.splice(i, 1);
  }

  /** A peer joins: it enters this protocol's routing. */
  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  /** A peer leaves: it leaves this protocol's routing. */
  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

  /** This protocol's receive: the next message for the user, or undefined. */
  protected override xrecv(): Message | undefined {
    for (let next = this.#fq.read(); next; next = this.#fq.read()) {
      const body = next.message[0]!;
      if (this.raw || this.#matches(body)) return fromPipe(EMPTY, body, next.pipe);
    }
    return undefined;
  }

  #matches(body: Uint8Array): boolean {
    for (const t of this.#topics) if (startsWith(body, t)) return true;
    return false;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

function startsWith(body: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > body.length) return false;
  for (let i = 0; i < prefix.length; i++) if (body[i] !== prefix[i]) return false;
  return true;
}
