/**
 * The context machinery REQ0, SURVEYOR0 and the REP0/RESPONDENT0 responder share: contexts
 * that forward to their socket, a socket that opens them (its own `main` first), refuses work
 * on closed ones, closes them with itself and routes cooked send/recv through `main`, and the
 * table of live request/survey ids. Each protocol keeps its own send/recv semantics.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { ID_BIT } from "../../protocol/sp/backtrace.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import type { CoreContext } from "./context.ts";
import { nngError } from "./errors.ts";
import type { SpMessage } from "./message.ts";
import type { SpOptions } from "./options.ts";
import { SpSocket } from "./socket.ts";

/**
 * A random request/survey id start in [0x80000000, 0xFFFFFFFF].
 *
 * @example
 * ```ts
 * import { randomId } from "./context_socket.ts";
 * import assert from "node:assert/strict";
 * assert.ok(randomId() >= 0x80000000);
 * ```
 */
export function randomId(): number {
  return (ID_BIT | (Math.random() * 0x80000000)) >>> 0;
}

/**
 * The next id after `id`, staying in [0x80000000, 0xFFFFFFFF].
 *
 * @example
 * ```ts
 * import { nextId } from "./context_socket.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nextId(0xffffffff), 0x80000000);
 * ```
 */
export function nextId(id: number): number {
  return ((id + 1) | ID_BIT) >>> 0;
}

/** Live request/survey ids: each new one follows the last, skipping ids still in use. */
export class LiveIds<C> {
  #next = randomId();
  readonly #byId = new Map<number, C>();

  /** Registers `ctx` under a fresh id and returns the id. */
  add(ctx: C): number {
    do this.#next = nextId(this.#next); while (this.#byId.has(this.#next));
    this.#byId.set(this.#next, ctx);
    return this.#next;
  }

  /** The context waiting under `id`. */
  get(id: number): C | undefined {
    return this.#byId.get(id);
  }

  /** Forgets `id`. */
  delete(id: number): void {
    this.#byId.delete(id);
  }

  /** The live contexts. */
  values(): IterableIterator<C> {
    return this.#byId.values();
  }
}

/** What a context forwards its calls to (its socket, through a private object). */
export interface ContextHost<C> {
  /** The protocol's send for `ctx`. */
  send(ctx: HostedContext, body: Uint8Array): Promise<void>;
  /** The protocol's recv for `ctx`. */
  recv(ctx: HostedContext): Promise<SpMessage>;
  /** Closes `ctx`. */
  close(ctx: HostedContext): void;
}

/** A context whose calls its socket answers; protocols add their state. */
export class HostedContext implements CoreContext {
  /** send() timeout, ms (-1 = none); undefined = the socket's. */
  sendTimeout: number | undefined;
  /** recv() timeout, ms (-1 = none); undefined = the socket's. */
  recvTimeout: number | undefined;
  /** Whether it is closed. */
  closed = false;
  readonly #host: ContextHost<HostedContext>;

  /** A context of `host` (a {@link ContextSocket} makes them). */
  constructor(host: ContextHost<HostedContext>) {
    this.#host = host;
  }

  /** Forwards to the socket. */
  send(body: Uint8Array): Promise<void> {
    return this.#host.send(this, body);
  }

  /** Forwards to the socket. */
  recv(): Promise<SpMessage> {
    return this.#host.recv(this);
  }

  /** Forwards to the socket. */
  close(): void {
    this.#host.close(this);
  }
}

/** How a {@link ContextSocket} makes and names its contexts. */
export interface ContextKind {
  /** Makes a context of `host` (runs during construction, for `main`: touch no fields). */
  create(host: ContextHost<HostedContext>): HostedContext;
  /** The socket in error messages ("req socket"). */
  socket: string;
  /** A context in error messages ("req context"). */
  context: string;
}

const bodyOf = (message: SpMessage): Uint8Array => message.body;
const bodyList = (message: SpMessage): Uint8Array[] => [message.body];

/**
 * An SP socket whose cooked sends and receives run on contexts: its own `main` one and those
 * `openContext()` opens. REQ0, REP0, SURVEYOR0 and RESPONDENT0 extend it with their
 * protocol's send and receive per context.
 *
 * @example
 * ```ts
 * import { type ContextSocket, Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * // REQ0, REP0, SURVEYOR0, RESPONDENT0: send() and recv() run on the socket's main context.
 * const roundTrip = async (asker: ContextSocket, server: ContextSocket) => {
 *   await asker.send("ping");
 *   await server.send(await server.recv()); // echo
 *   return new TextDecoder().decode(await asker.recv());
 * };
 * await using rep = new Rep0();
 * await rep.listen("inproc://context-socket-doc");
 * await using req = new Req0();
 * await req.dial("inproc://context-socket-doc");
 * assert.equal(await roundTrip(req, rep), "ping");
 * ```
 */
export abstract class ContextSocket extends SpSocket {
  readonly #main: CoreContext;
  readonly #kind: ContextKind;
  readonly #contexts = new Set<HostedContext>();
  readonly #host: ContextHost<HostedContext> = {
    send: (ctx, body) => this.contextSend(ctx, body),
    recv: (ctx) => this.contextRecv(ctx),
    close: (ctx) => this.#closeContext(ctx),
  };

  /** Subclasses pass their protocol, the user's options and their kind of context. */
  protected constructor(protocol: SpProtocol, options: SpOptions, kind: ContextKind) {
    super(protocol, options);
    this.#kind = kind;
    this.#main = this.#openContext();
  }

  /** A new independent context (the public `openContext()` wraps it); raw sockets have none. */
  protected openCoreContext(): HostedContext {
    if (this.raw) throw new WeftError("ENOTSUP", "openContext: raw sockets have no contexts");
    return this.#openContext();
  }

  #openContext(): HostedContext {
    if (this.isClosed) {
      throw new WeftError("ECLOSED", `openContext: the ${this.#kind.socket} is closed`);
    }
    const ctx = this.#kind.create(this.#host);
    this.#contexts.add(ctx);
    return ctx;
  }

  /** The protocol's send on `ctx` (a request, a reply, a survey or a response). */
  protected abstract contextSend(ctx: HostedContext, body: Uint8Array): Promise<void>;

  /** The protocol's receive on `ctx`. */
  protected abstract contextRecv(ctx: HostedContext): Promise<SpMessage>;

  #closeContext(ctx: HostedContext): void {
    if (ctx.closed) return;
    this.abandonContext(ctx);
    ctx.closed = true;
    this.#contexts.delete(ctx);
  }

  /** Ends what `ctx` has pending as it closes (waiters fail with ECLOSED). */
  protected abstract abandonContext(ctx: HostedContext): void;

  /** The ECLOSED rejection of `op` on `ctx` when it or the socket is closed. */
  protected refuseClosed(ctx: HostedContext, op: "send" | "recv"): Promise<never> | undefined {
    if (!ctx.closed && !this.isClosed) return undefined;
    return Promise.reject(new WeftError("ECLOSED", `${op}: the ${this.#kind.context} is closed`));
  }

  /** Cooked: the socket's own context sends the body. */
  protected override sendParts(header: Uint8Array, body: Uint8Array): Promise<void> {
    if (this.raw) return super.sendParts(header, body);
    return this.#main.send(body);
  }

  /** Cooked: the socket's own context receives. */
  protected override receiveMessage(): Promise<SpMessage> {
    if (this.raw) return super.receiveMessage();
    return this.#main.recv();
  }

  /** Cooked: the socket's own context receives, one message at a time. */
  protected override receiveBody(): Promise<Uint8Array> {
    if (this.raw) return super.receiveBody();
    return this.#main.recv().then(bodyOf, nngError);
  }

  /** Cooked: the socket's own context receives, one message per batch. */
  protected override receiveBodies(): Promise<Uint8Array[]> {
    if (this.raw) return super.receiveBodies();
    return this.#main.recv().then(bodyList);
  }

  /** Closes the socket and every context: their pending operations fail with ECLOSED. */
  override close(): void {
    if (this.isClosed) return;
    super.close();
    for (const ctx of [...this.#contexts]) ctx.close();
  }
}
