/**
 * `inproc://name`: in-memory streams between sockets of one program, no runtime needed.
 * Names live in an {@link InprocNamespace} owned by the registry that created the transport,
 * so two registries never see each other's names (like libzmq contexts).
 *
 * Each stream is a byte stream (each write is handed to the peer on a microtask, in order;
 * writes made in one turn reach the peer together; ownership of written buffers passes to the
 * peer, nothing is copied) that also offers a rendezvous ({@link ByteStream.direct}): sockets
 * whose messages keep their shape across the wire (ZeroMQ's) run only their handshake over the
 * bytes, then pass messages between their pipes by reference, as libzmq's inproc does. Pass
 * `{ direct: false }` to keep every message on the bytes (to exercise framing).
 * @module
 */

import type { Endpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import type { ByteStream, DirectEnd, StreamHandler, StreamListener, Transport } from "../types.ts";

/** Bytes one side may have queued unread before `write` reports back-pressure. */
const HIGH_WATER_BYTES = 1 << 20;

/** Two rendezvous ends, each the other's peer. */
function directEnds(): [DirectEnd, DirectEnd] {
  const a: { owner: object | undefined; peer: DirectEnd | undefined } = {
    owner: undefined,
    peer: undefined,
  };
  const b: DirectEnd = { owner: undefined, peer: a as DirectEnd };
  a.peer = b;
  return [a as DirectEnd, b];
}

class InprocStream implements ByteStream {
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly direct: DirectEnd | undefined;
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

  constructor(local: string, remote: string, direct: DirectEnd | undefined) {
    this.localAddress = local;
    this.remoteAddress = remote;
    this.direct = direct;
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

/** A bound name: who accepts there, and whether its streams offer the rendezvous. */
interface Bound {
  readonly accept: (stream: ByteStream) => void;
  readonly direct: boolean;
}

/**
 * The names bound in one group of inproc transports.
 *
 * @example
 * ```ts
 * import { InprocNamespace } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const names = new InprocNamespace();
 * const got: string[] = [];
 * const unbind = names.bind("jobs", (server) => {
 *   server.start({ data: (b) => got.push(new TextDecoder().decode(b)), drain() {}, end() {} });
 * });
 * names.connect("jobs").write(new TextEncoder().encode("hello"));
 * await Promise.resolve(); // delivered on a microtask
 * assert.deepEqual(got, ["hello"]);
 * unbind();
 * ```
 */
export class InprocNamespace {
  #listeners = new Map<string, Bound>();
  #next = 1;

  /**
   * Registers a name; throws `EADDRINUSE` when taken. `direct` (default true): its streams
   * offer the rendezvous for passing messages by reference (when the dialer's do too).
   */
  bind(name: string, accept: (stream: ByteStream) => void, direct = true): () => void {
    if (this.#listeners.has(name)) {
      throw new WeftError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    const bound = { accept, direct };
    this.#listeners.set(name, bound);
    return () => {
      if (this.#listeners.get(name) === bound) this.#listeners.delete(name);
    };
  }

  /**
   * Connects to a bound name; throws `ECONNREFUSED` when nothing is bound there. The stream
   * offers the rendezvous when both this call (`direct`, default true) and the binder allow it.
   */
  connect(name: string, direct = true): ByteStream {
    const bound = this.#listeners.get(name);
    if (!bound) throw new WeftError("ECONNREFUSED", `nothing is bound at inproc://${name}`);
    const id = this.#next++;
    const url = `inproc://${name}`;
    const [clientEnd, serverEnd] = direct && bound.direct ? directEnds() : [];
    const client = new InprocStream(`${url}#${id}`, url, clientEnd);
    const server = new InprocStream(url, `${url}#${id}`, serverEnd);
    client.peer = server;
    server.peer = client;
    bound.accept(server);
    return client;
  }
}

/**
 * Options of {@link InprocTransport}.
 *
 * @example
 * ```ts
 * import { createRegistry, type InprocOptions, InprocNamespace, InprocTransport, Pull, Push } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const options: InprocOptions = { direct: false }; // every message through ZMTP framing
 * const transports = createRegistry([new InprocTransport(new InprocNamespace(), options)]);
 * await using pull = new Pull({ transports });
 * await pull.bind("inproc://framed");
 * await using push = new Push({ transports });
 * push.connect("inproc://framed");
 * const frame = new TextEncoder().encode("hi");
 * await push.send(frame);
 * const [got] = await pull.receive();
 * assert.notEqual(got, frame); // decoded from the bytes: a copy
 * assert.equal(new TextDecoder().decode(got), "hi");
 * ```
 */
export interface InprocOptions {
  /**
   * Whether sockets may pass messages by reference over this transport's streams (default
   * true). `false` keeps every message on the in-memory bytes, through the full wire protocol
   * (framing, `maxMessageSize`): for tests of the protocol, or to compare.
   */
  readonly direct?: boolean;
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
  #direct: boolean;

  /**
   * Serves the names of `names` (share one namespace between sockets that should meet); see
   * {@link InprocOptions} for `direct`.
   */
  constructor(names: InprocNamespace, options: InprocOptions = {}) {
    this.#names = names;
    this.#direct = options.direct ?? true;
  }

  dial(endpoint: Endpoint): Promise<ByteStream> {
    try {
      return Promise.resolve(this.#names.connect(endpoint.path, this.#direct));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  listen(endpoint: Endpoint, accept: (stream: ByteStream) => void): Promise<StreamListener> {
    let unbind: () => void;
    try {
      unbind = this.#names.bind(endpoint.path, accept, this.#direct);
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
