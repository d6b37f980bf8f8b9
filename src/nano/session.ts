/**
 * The session: one client connection as handlers see it (nano's `session.Session`): identity,
 * key/value state, push, response, kick, close and the close hook.
 * @module
 */

import { WeftError } from "../core/errors.ts";
import type { ClientHandshake } from "../protocol/pomelo/handshake.ts";
import type { SharedMessage } from "../transport/shared_message.ts";

/**
 * A user id bound to a session.
 *
 * @example
 * ```ts
 * import { App, type Uid } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("user.login", (session, name: Uid) => session.bind(name));
 * const { port } = await app.listen();
 * const client = await connect(`ws://127.0.0.1:${port}/`);
 * await client.request("user.login", "ann");
 * assert.ok(app.sessionByUid("ann")); // find a user's session by uid
 * client.close();
 * ```
 */
export type Uid = string | number;

/**
 * What a {@link Session} asks of the connection behind it (implemented by the app; a fake
 * one is enough to unit-test code that takes sessions).
 *
 * @example
 * ```ts
 * import type { SessionLink } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const pushed: string[] = [];
 * const link: SessionLink = {
 *   remoteAddress: "tcp://127.0.0.1:1", transport: "tcp", handshake: undefined,
 *   closed: Promise.resolve(), isClosed: () => false,
 *   push: (route) => (pushed.push(route), true), respond: () => true, write: () => true,
 *   kick() {}, close() {}, bound() {}, onClosed: () => () => {},
 * };
 * assert.equal(link.push("onChat", {}), true);
 * ```
 */
export interface SessionLink {
  /** e.g. `tcp://127.0.0.1:40112`. */
  readonly remoteAddress: string;
  /** `tcp` for raw pomelo over TCP, `ws` for WebSocket, or the custom stream's scheme. */
  readonly transport: string;
  /** Clustered: the node id of the gate holding the connection (undefined single-process). */
  readonly gate?: string | undefined;
  /** The client's handshake. */
  readonly handshake: ClientHandshake | undefined;
  /** Settles when the connection is gone. */
  readonly closed: Promise<void>;
  /** Whether the connection is gone (or going). */
  isClosed(): boolean;
  /** Serializes and sends a PUSH; false when closed or dropped. */
  push(route: string, data: unknown): boolean;
  /** Answers the request being handled; false when there is none. */
  respond(data: unknown): boolean;
  /** Sends already framed packet bytes; false when closed or the queue overflowed. */
  write(bytes: Uint8Array | SharedMessage): boolean;
  /** KICK with a reason, then close. */
  kick(reason: string): void;
  /** Close without a word. */
  close(): void;
  /** The uid changed (for the app's uid index). */
  bound(uid: Uid | undefined, previous: Uid | undefined): void;
  /** Adds a close hook; returns its remover. */
  onClosed(fn: (reason: string) => void): () => void;
}

/**
 * One client connection. Handlers of one session run one at a time in arrival order; different
 * sessions run concurrently.
 *
 * @example
 * ```ts
 * import { Session, type SessionLink } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const link = {
 *   remoteAddress: "tcp://127.0.0.1:1", transport: "tcp", handshake: undefined,
 *   closed: Promise.resolve(), isClosed: () => false,
 *   push: () => true, respond: () => true, write: () => true,
 *   kick() {}, close() {}, bound() {}, onClosed: () => () => {},
 * } satisfies SessionLink;
 * const s = new Session(7, link);
 * s.bind("ann");
 * s.set("room", "lobby");
 * assert.equal(s.uid, "ann");
 * assert.equal(s.get<string>("room"), "lobby");
 * const saved = s.state();
 * s.clear();
 * assert.equal(s.has("room"), false);
 * s.restore(saved);
 * assert.equal(s.get("room"), "lobby");
 * ```
 */
export class Session {
  /**
   * Unique within the app (1, 2, 3…). Clustered, the pair ({@link Session.gate}, `id`) is
   * unique in the cluster: each gate numbers its own sessions.
   */
  readonly id: number;
  #link: SessionLink;
  #uid: Uid | undefined;
  #values: Map<string, unknown> | undefined; // made on first set: idle sessions hold none

  /** Made by the app for each connection; `link` is the connection. */
  constructor(id: number, link: SessionLink) {
    this.id = id;
    this.#link = link;
  }

  /** The bound user id, or undefined. */
  get uid(): Uid | undefined {
    return this.#uid;
  }

  /**
   * Binds a user id (for `App.sessionsByUid` and groups' `uids()`); rebinding replaces it.
   * Throws `WeftError("EINVAL")` for an empty string or a non-finite number.
   */
  bind(uid: Uid): void {
    if (uid === "" || (typeof uid === "number" && !Number.isFinite(uid))) {
      throw new WeftError("EINVAL", `uid: expected a non-empty string or a number, got ${uid}`);
    }
    const previous = this.#uid;
    this.#uid = uid;
    this.#link.bound(uid, previous);
  }

  /** Drops the bound user id. */
  unbind(): void {
    const previous = this.#uid;
    this.#uid = undefined;
    this.#link.bound(undefined, previous);
  }

  /**
   * Clustered: the node id of the gate holding the client connection — this node for its own
   * clients, another for a session a gate forwarded a message of. Undefined single-process.
   */
  get gate(): string | undefined {
    return this.#link.gate;
  }

  /** The client address, e.g. `tcp://127.0.0.1:40112`. */
  get remoteAddress(): string {
    return this.#link.remoteAddress;
  }

  /** `tcp` (raw pomelo over TCP), `ws` (WebSocket) or a custom stream's scheme. */
  get transport(): string {
    return this.#link.transport;
  }

  /** The client's handshake (`sys` and `user`). */
  get handshake(): ClientHandshake | undefined {
    return this.#link.handshake;
  }

  /** Whether the connection is gone (or going). */
  get isClosed(): boolean {
    return this.#link.isClosed();
  }

  /** Settles when the connection is gone and the close hooks have run. */
  get closed(): Promise<void> {
    return this.#link.closed;
  }

  /** Sets a state value. */
  set(key: string, value: unknown): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** A state value (undefined when unset). */
  get<T = unknown>(key: string): T | undefined {
    return this.#values?.get(key) as T | undefined;
  }

  /** Whether a state value is set. */
  has(key: string): boolean {
    return this.#values?.has(key) ?? false;
  }

  /** Removes a state value. */
  remove(key: string): void {
    this.#values?.delete(key);
  }

  /** Removes every state value. */
  clear(): void {
    this.#values?.clear();
  }

  /** A copy of the state as a plain object. */
  state(): Record<string, unknown> {
    return Object.fromEntries(this.#values ?? []);
  }

  /** Replaces the state with a copy of `state`. */
  restore(state: Readonly<Record<string, unknown>>): void {
    this.#values = new Map(Object.entries(state));
  }

  /**
   * Pushes `data` on `route` (serialized by the app's serializer). Returns false when the
   * session is closed or the message was dropped (outbound middleware, queue overflow).
   */
  push(route: string, data: unknown): boolean {
    return this.#link.push(route, data);
  }

  /**
   * Answers the request being handled now (nano's `Session.Response`); the handler's return
   * value is then ignored. Returns false when no request is being handled. Prefer returning
   * the response from the handler: a handler that already timed out would answer the next
   * request.
   */
  response(data: unknown): boolean {
    return this.#link.respond(data);
  }

  /**
   * Sends already framed pomelo packets (low level). A {@link SharedMessage} (one packet; a
   * `PreparedMessage` is one) is what groups use to share encoded bytes: WebSocket sessions
   * then share its frame too.
   */
  write(bytes: Uint8Array | SharedMessage): boolean {
    return this.#link.write(bytes);
  }

  /** Sends KICK `{"reason": reason}` (stock clients emit `onKick`), then closes. */
  kick(reason: string): void {
    this.#link.kick(reason);
  }

  /** Closes the connection without a word to the client (nano's `Session.Close`). */
  close(): void {
    this.#link.close();
  }

  /** Calls `fn(reason)` once the session closes (at once if it already has); returns a remover. */
  onClosed(fn: (reason: string) => void): () => void {
    return this.#link.onClosed(fn);
  }
}
