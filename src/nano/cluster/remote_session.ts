/**
 * A client session as a backend sees it: a {@link Session} whose link forwards `push`, `kick`,
 * `close`, `bind` and `unbind` to the gate holding the connection. One per (gate, session id)
 * per backend, refreshed from every forwarded message (uid and state travel with it) and
 * closed when its gate reports the session closed or the gate leaves the table — so groups on
 * the backend lose the member as they do locally.
 * @module
 */

import type { ClientHandshake } from "../../protocol/pomelo/handshake.ts";
import type { SharedMessage } from "../../transport/shared_message.ts";
import { Session, type SessionLink, type Uid } from "../session.ts";
import type { GateOpHeader, SessionHeader } from "./envelope.ts";

/** How a remote link reaches its gate (internal). */
export interface GateSender {
  /** Publishes an operation to the gate `gate`. */
  toGate(gate: string, op: GateOpHeader, body?: Uint8Array): void;
  /** Serializes a push body with the app's serializer. */
  encodePush(route: string, data: unknown): Uint8Array;
}

/** The link behind a backend's view of a client session (internal). */
export class RemoteLink implements SessionLink {
  readonly gate: string;
  readonly id: number;
  remoteAddress: string;
  transport: string;
  readonly handshake: ClientHandshake | undefined = undefined;
  /** While true, `bound` does not tell the gate (the change came from the gate). */
  syncing = false;
  /** The answer given with `session.response()` during the request being handled. */
  answer: { value: unknown } | undefined;
  /** Whether a request (not a notify) is being handled. */
  inRequest = false;
  #sender: GateSender;
  #dead = false;
  #reason = "closed";
  #hooks = new Set<(reason: string) => void>();
  #closed = Promise.withResolvers<void>();

  constructor(header: SessionHeader, sender: GateSender) {
    this.gate = header.g;
    this.id = header.i;
    this.remoteAddress = header.a;
    this.transport = header.t;
    this.#sender = sender;
  }

  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  isClosed(): boolean {
    return this.#dead;
  }

  push(route: string, data: unknown): boolean {
    if (this.#dead) return false;
    const body = this.#sender.encodePush(route, data);
    this.#sender.toGate(this.gate, { op: "push", i: this.id, r: route }, body);
    return true;
  }

  respond(data: unknown): boolean {
    if (!this.inRequest || this.answer) return false;
    this.answer = { value: data };
    return true;
  }

  write(bytes: Uint8Array | SharedMessage): boolean {
    if (this.#dead) return false;
    const b = bytes instanceof Uint8Array ? bytes : bytes.bytes;
    this.#sender.toGate(this.gate, { op: "write", i: this.id }, b);
    return true;
  }

  kick(reason: string): void {
    if (!this.#dead) this.#sender.toGate(this.gate, { op: "kick", i: this.id, why: reason });
  }

  close(): void {
    if (!this.#dead) this.#sender.toGate(this.gate, { op: "close", i: this.id });
  }

  bound(uid: Uid | undefined, _previous: Uid | undefined): void {
    if (this.syncing || this.#dead) return;
    const op: GateOpHeader = uid === undefined
      ? { op: "unbind", i: this.id }
      : { op: "bind", i: this.id, u: uid };
    this.#sender.toGate(this.gate, op);
  }

  onClosed(fn: (reason: string) => void): () => void {
    if (this.#dead) {
      queueMicrotask(() => fn(this.#reason));
      return () => {};
    }
    this.#hooks.add(fn);
    return () => this.#hooks.delete(fn);
  }

  /** The gate closed the session (or left): run the close hooks. */
  markClosed(reason: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#reason = reason;
    for (const fn of [...this.#hooks]) {
      try {
        fn(reason);
      } catch { /* a hook's failure is its own */ }
    }
    this.#hooks.clear();
    this.#closed.resolve();
  }
}

/** The backend's remote sessions, by gate and id (internal). */
export class RemoteSessions {
  #sender: GateSender;
  #byKey = new Map<string, { session: Session; link: RemoteLink }>();

  constructor(sender: GateSender) {
    this.#sender = sender;
  }

  /** The session for a forwarded message, made on first sight, refreshed from the header. */
  get(h: SessionHeader): { session: Session; link: RemoteLink } {
    const key = `${h.g}/${h.i}`;
    let entry = this.#byKey.get(key);
    if (!entry) {
      const link = new RemoteLink(h, this.#sender);
      entry = { session: new Session(h.i, link), link };
      this.#byKey.set(key, entry);
    }
    const { session, link } = entry;
    link.syncing = true;
    try {
      if (h.u === undefined) {
        if (session.uid !== undefined) session.unbind();
      } else if (session.uid !== h.u) session.bind(h.u);
    } finally {
      link.syncing = false;
    }
    session.restore(h.s ?? {});
    return entry;
  }

  /** The session closed on its gate: close ours (only that one: ids are compared). */
  closed(gate: string, id: number, reason: string): Session | undefined {
    const key = `${gate}/${id}`;
    const entry = this.#byKey.get(key);
    if (!entry) return undefined;
    this.#byKey.delete(key);
    entry.link.markClosed(reason);
    return entry.session;
  }

  /** A gate left the table: every session it held is gone. */
  gateLeft(gate: string): Session[] {
    const out: Session[] = [];
    for (const [key, entry] of [...this.#byKey]) {
      if (entry.link.gate !== gate) continue;
      this.#byKey.delete(key);
      entry.link.markClosed("gate left the cluster");
      out.push(entry.session);
    }
    return out;
  }

  /** How many remote sessions this node holds. */
  get size(): number {
    return this.#byKey.size;
  }
}
