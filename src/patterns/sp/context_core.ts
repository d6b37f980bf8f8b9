/**
 * The context machinery REQ0, SURVEYOR0 and the REP0/RESPONDENT0 responder share: contexts
 * that forward to their core, a core that opens them (its own `main` first), refuses work on
 * closed ones, closes them with itself and routes cooked send/recv through `main`, and the
 * table of live request/survey ids. Each protocol keeps its own send/recv semantics.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { ID_BIT } from "../../protocol/sp/backtrace.ts";
import type { SpProtocol } from "../../protocol/sp/ids.ts";
import { bodyList, SpCore } from "./core.ts";
import type { SpCoreOptions, SpMessage } from "./core.ts";
import type { CoreContext } from "./context.ts";

/** A random request/survey id start in [0x80000000, 0xFFFFFFFF]. */
export function randomId(): number {
  return (ID_BIT | (Math.random() * 0x80000000)) >>> 0;
}

/** The next id after `id`, staying in [0x80000000, 0xFFFFFFFF]. */
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

/** What a context forwards its calls to (method syntax: a core's own context type is accepted). */
export interface ContextHost<C> {
  /** The protocol's send for `ctx`. */
  ctxSend(ctx: C, body: Uint8Array): Promise<void>;
  /** The protocol's recv for `ctx`. */
  ctxRecv(ctx: C): Promise<SpMessage>;
  /** Closes `ctx`. */
  ctxClose(ctx: C): void;
}

/** A context whose calls its core answers; protocols add their state. */
export class HostedContext implements CoreContext {
  /** send() timeout, ms (-1 = none); undefined = the socket's. */
  sendTimeout: number | undefined;
  /** recv() timeout, ms (-1 = none); undefined = the socket's. */
  recvTimeout: number | undefined;
  /** Whether it is closed. */
  closed = false;
  readonly #host: ContextHost<HostedContext>;

  /** A context of `host`. */
  constructor(host: ContextHost<HostedContext>) {
    this.#host = host;
  }

  /** Forwards to the core. */
  send(body: Uint8Array): Promise<void> {
    return this.#host.ctxSend(this, body);
  }

  /** Forwards to the core. */
  recv(): Promise<SpMessage> {
    return this.#host.ctxRecv(this);
  }

  /** Forwards to the core. */
  close(): void {
    this.#host.ctxClose(this);
  }
}

/** How a {@link ContextCore} makes and names its contexts. */
export interface ContextKind<C extends HostedContext> {
  /** Makes a context of `host` (runs during construction, for `main`: touch no fields). */
  create(host: ContextHost<C>): C;
  /** The socket in error messages ("req socket"). */
  socket: string;
  /** A context in error messages ("req context"). */
  context: string;
}

/** A core whose cooked sends and receives run on contexts (its own `main` and opened ones). */
export abstract class ContextCore<C extends HostedContext> extends SpCore
  implements ContextHost<C> {
  /** The socket's own context (what `send`/`recv` on the socket use). */
  readonly main: CoreContext;
  readonly #kind: ContextKind<C>;
  readonly #contexts = new Set<C>();

  /** Subclasses pass their protocol, options and kind of context. */
  protected constructor(protocol: SpProtocol, options: SpCoreOptions, kind: ContextKind<C>) {
    super(protocol, options);
    this.#kind = kind;
    this.main = this.openContext();
  }

  /** A new independent context. */
  openContext(): CoreContext {
    if (this.isClosed) {
      throw new WeftError("ECLOSED", `openContext: the ${this.#kind.socket} is closed`);
    }
    const ctx = this.#kind.create(this);
    this.#contexts.add(ctx);
    return ctx;
  }

  /** @internal */
  abstract ctxSend(ctx: C, body: Uint8Array): Promise<void>;

  /** @internal */
  abstract ctxRecv(ctx: C): Promise<SpMessage>;

  /** @internal */
  ctxClose(ctx: C): void {
    if (ctx.closed) return;
    this.abandonContext(ctx);
    ctx.closed = true;
    this.#contexts.delete(ctx);
  }

  /** Ends what `ctx` has pending as it closes (waiters fail with ECLOSED). */
  protected abstract abandonContext(ctx: C): void;

  /** The ECLOSED rejection of `op` on `ctx` when it or the socket is closed. */
  protected refuseClosed(ctx: C, op: "send" | "recv"): Promise<never> | undefined {
    if (!ctx.closed && !this.isClosed) return undefined;
    return Promise.reject(new WeftError("ECLOSED", `${op}: the ${this.#kind.context} is closed`));
  }

  override sendMessage(message: SpMessage): Promise<void> {
    if (this.raw) return super.sendMessage(message);
    return this.main.send(message.body);
  }

  override receiveMessage(): Promise<SpMessage> {
    if (this.raw) return super.receiveMessage();
    return this.main.recv();
  }

  override receiveBodies(): Promise<Uint8Array[]> {
    if (this.raw) return super.receiveBodies();
    return this.main.recv().then(bodyList);
  }

  override close(): void {
    if (this.isClosed) return;
    super.close();
    for (const ctx of [...this.#contexts]) ctx.close();
  }
}
