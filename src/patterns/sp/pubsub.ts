/**
 * PUB0 and SUB0. PUB sends every message to every peer and never blocks: a peer whose queue
 * is full (`sendBuffer`, 16 by default as nng) misses it. SUB filters locally by prefix —
 * subscriptions never go on the wire — and receives nothing until it subscribes.
 * @module
 */

import { FairQueue } from "../../core/distribution.ts";
import type { Message, Pipe } from "../../core/pipe.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";
import { EMPTY, fromPipe, SpCore } from "./core.ts";
import type { SpCoreOptions } from "./core.ts";

/** PUB0's core. */
export class Pub0Core extends SpCore {
  #pipes = new Set<Pipe>();

  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.pub0, options);
  }

  protected xattach(pipe: Pipe): void {
    this.#pipes.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#pipes.delete(pipe);
  }

  protected override xsend(message: Message): boolean {
    const out = [EMPTY, message[1]!];
    for (const pipe of this.#pipes) pipe.send(out); // a full pipe drops: PUB never blocks
    return true;
  }
}

/** SUB0's core: local prefix filtering. */
export class Sub0Core extends SpCore {
  #fq = new FairQueue();
  #topics: Uint8Array[] = [];

  /** Creates the core (options with transports). */
  constructor(options: SpCoreOptions) {
    super(SpProtocols.sub0, options);
  }

  /** Adds a prefix (the empty prefix matches everything); adding one twice is a no-op. */
  subscribe(topic: Uint8Array): void {
    if (this.#topics.some((t) => same(t, topic))) return;
    this.#topics.push(topic.slice());
  }

  /** Removes a prefix; returns whether it was subscribed. */
  unsubscribe(topic: Uint8Array): boolean {
    const i = this.#topics.findIndex((t) => same(t, topic));
    if (i < 0) return false;
    this.#topics.splice(i, 1);
    return true;
  }

  protected xattach(pipe: Pipe): void {
    this.#fq.add(pipe);
  }

  protected xdetach(pipe: Pipe): void {
    this.#fq.remove(pipe);
  }

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
