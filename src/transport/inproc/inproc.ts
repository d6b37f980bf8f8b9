/**
 * `inproc://name`: in-memory byte streams between sockets of one program, no runtime needed.
 * Names live in an {@link InprocNamespace} owned by the registry that created the transport,
 * so two registries never see each other's names (like libzmq contexts).
 *
 * Each write is handed to the peer on a microtask, in order; writes made in one turn reach the
 * peer together. Ownership of written buffers passes to the peer (nothing is copied).
 * @module
 */

import type { Endpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type { ByteStream, StreamHandler, StreamListener, Transport } from "../types.ts";

/** Bytes one side may have queued unread before `write` reports back-pressure. */
const HIGH_WATER_BYTES = 1 << 20;

class InprocStream implements ByteStream {
  readonly localAddress: string;
  readonly remoteAddress: string;
  peer: InprocStream | undefined;
  #handler: StreamHandler | undefined;
  #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #scheduled = false;
  #paused = false;
  #ended = false;
  #peerEnded = false;
  #wantDrain = false;
  #resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((r) => (this.#resolveClosed = r));

  constructor(local: string, remote: string) {
    this.localAddress = local;
    this.remoteAddress = remote;
  }

  start(handler: StreamHandler): void {
    this.#handler = handler;
    this.#schedule();
  }

  write(bytes: Uint8Array): boolean {
    const peer = this.peer;
    if (this.#ended || !peer || peer.#ended) return true;
    peer.#inbox.push(bytes);
    peer.#inboxBytes += bytes.length;
    peer.#schedule();
    if (peer.#inboxBytes > HIGH_WATER_BYTES) {
      this.#wantDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#schedule();
  }

  close(_lingerMs?: number): void {
    if (this.#ended) return;
    // In-memory writes are already with the peer: nothing to flush.
    this.#finish(undefined);
    const peer = this.peer;
    if (peer) {
      peer.#peerEnded = true;
      peer.#schedule();
    }
  }

  #schedule(): void {
    if (this.#scheduled || !this.#handler) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#deliver());
  }

  #deliver(): void {
    this.#scheduled = false;
    const handler = this.#handler;
    if (!handler || this.#ended) return;
    // Take the queue whole and walk it by index: Array#shift on a long array is a memmove on
    // V8 (quadratic over tens of thousands of small writes). Writes made by `data` land in a
    // fresh queue and are picked up by the next pass.
    while (!this.#paused && this.#inbox.length > 0 && !this.#ended) {
      const chunks = this.#inbox;
      this.#inbox = [];
      let i = 0;
      while (i < chunks.length && !this.#paused && !this.#ended) {
        const chunk = chunks[i++]!;
        this.#inboxBytes -= chunk.length;
        handler.data(chunk);
      }
      if (i < chunks.length && !this.#ended) {
        this.#inbox = chunks.slice(i).concat(this.#inbox); // paused: the rest goes first
      }
    }
    const peer = this.peer;
    if (peer && peer.#wantDrain && this.#inboxBytes <= HIGH_WATER_BYTES / 2) {
      peer.#wantDrain = false;
      peer.#handler?.drain();
    }
    if (this.#peerEnded && this.#inbox.length === 0) this.#finish(undefined);
  }

  #finish(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#inbox = [];
    this.#inboxBytes = 0;
    this.#handler?.end(error);
    this.#resolveClosed();
  }
}

/** The names bound in one group of inproc transports. */
export class InprocNamespace {
  #listeners = new Map<string, (stream: ByteStream) => void>();
  #next = 1;

  /** Registers a name; throws `EADDRINUSE` when taken. */
  bind(name: string, accept: (stream: ByteStream) => void): () => void {
    if (this.#listeners.has(name)) {
      throw new WeftError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    this.#listeners.set(name, accept);
    return () => {
      if (this.#listeners.get(name) === accept) this.#listeners.delete(name);
    };
  }

  /** Connects to a bound name; throws `ECONNREFUSED` when nothing is bound there. */
  connect(name: string): ByteStream {
    const accept = this.#listeners.get(name);
    if (!accept) throw new WeftError("ECONNREFUSED", `nothing is bound at inproc://${name}`);
    const id = this.#next++;
    const url = `inproc://${name}`;
    const client = new InprocStream(`${url}#${id}`, url);
    const server = new InprocStream(url, `${url}#${id}`);
    client.peer = server;
    server.peer = client;
    accept(server);
    return client;
  }
}

/**
 * The inproc transport over a namespace.
 *
 * @example
 * ```ts
 * import { createRegistry, InprocNamespace, InprocTransport, Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * // A private namespace: these sockets meet each other, not the program's default inproc://.
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * await using pull = new Pull({ transports });
 * await pull.bind("inproc://jobs");
 * await using push = new Push({ transports });
 * push.connect("inproc://jobs");
 * await push.send("job 1");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "job 1");
 * ```
 */
export class InprocTransport implements Transport {
  readonly scheme = "inproc";
  #names: InprocNamespace;

  /** Serves the names of `names` (share one namespace between sockets that should meet). */
  constructor(names: InprocNamespace) {
    this.#names = names;
  }

  dial(endpoint: Endpoint): Promise<ByteStream> {
    try {
      return Promise.resolve(this.#names.connect(endpoint.path));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  listen(endpoint: Endpoint, accept: (stream: ByteStream) => void): Promise<StreamListener> {
    let unbind: () => void;
    try {
      unbind = this.#names.bind(endpoint.path, accept);
    } catch (e) {
      return Promise.reject(e);
    }
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    return Promise.resolve({
      endpoint: `inproc://${endpoint.path}`,
      closed,
      close() {
        unbind();
        resolveClosed();
      },
    });
  }
}
