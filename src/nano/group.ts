/**
 * Groups of sessions (nano's `Group`): membership, and broadcast that serializes and encodes a
 * message once and writes the same bytes to every member. Members leave on their own when
 * their session closes.
 * @module
 */

import { SharedMessage } from "../transport/shared_message.ts";
import type { Session, Uid } from "./session.ts";

/** What a group needs from its app (internal). */
export interface GroupHost {
  /** The PUSH packet bytes, or undefined when outbound middleware must see each member. */
  encodePush(route: string, data: unknown): Uint8Array | undefined;
  /** The group closed (for the app's registry). */
  dropGroup(group: Group): void;
  /**
   * Clustered: pushes to members held by other gates, one message per gate (their session
   * ids by gate node id). Absent single-process.
   */
  fanout?(route: string, data: unknown, byGate: ReadonlyMap<string, number[]>): void;
  /** Clustered: this node's id (members whose gate is another node go through `fanout`). */
  readonly nodeId?: string | undefined;
}

/**
 * A named set of sessions. Made by `App.group(name)`.
 *
 * Broadcasts encode once: the payload is serialized and framed one time and the same bytes
 * are queued on every member (when the app has outbound middleware, each member's push runs
 * through it instead, since it may differ per session).
 *
 * @example
 * ```ts
 * import { Group, Session, type SessionLink } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const written: unknown[] = [];
 * const link = (): SessionLink => ({
 *   remoteAddress: "test", transport: "test", handshake: undefined,
 *   closed: new Promise(() => {}), isClosed: () => false,
 *   push: () => true, respond: () => false, write: (b) => (written.push(b), true),
 *   kick() {}, close() {}, bound() {}, onClosed: () => () => {},
 * });
 * const group = new Group("room", {
 *   encodePush: () => new Uint8Array([4, 0, 0, 0]),
 *   dropGroup() {},
 * });
 * const a = new Session(1, link());
 * const b = new Session(2, link());
 * assert.equal(group.add(a), true);
 * assert.equal(group.add(a), false); // already a member
 * group.add(b);
 * assert.equal(group.broadcast("onChat", { text: "hi" }), 2);
 * assert.equal(written[0], written[1]); // the very same packet (and ws frame)
 * group.leave(a);
 * assert.deepEqual(group.members().map((s) => s.id), [2]);
 * ```
 */
export class Group {
  /** The group's name. */
  readonly name: string;
  #host: GroupHost;
  // By session object: clustered, ids repeat across gates (a backend's remote sessions).
  #members = new Map<Session, { session: Session; off: () => void }>();
  #closed = false;

  /** Made by `App.group`; `host` is the app. */
  constructor(name: string, host: GroupHost) {
    this.name = name;
    this.#host = host;
  }

  /** Adds a session; false when it is already a member, closed, or the group is closed. */
  add(session: Session): boolean {
    if (this.#closed || session.isClosed || this.#members.has(session)) return false;
    const off = session.onClosed(() => this.#members.delete(session));
    this.#members.set(session, { session, off });
    return true;
  }

  /** Removes a session; false when it was not a member. */
  leave(session: Session): boolean {
    const m = this.#members.get(session);
    if (!m) return false;
    m.off();
    this.#members.delete(session);
    return true;
  }

  /** Removes every member. */
  leaveAll(): void {
    for (const m of this.#members.values()) m.off();
    this.#members.clear();
  }

  /** The member sessions, in the order they joined. */
  members(): Session[] {
    return [...this.#members.values()].map((m) => m.session);
  }

  /** The bound uids of the members (members without a uid are skipped). */
  uids(): Uid[] {
    const out: Uid[] = [];
    for (const m of this.#members.values()) {
      if (m.session.uid !== undefined) out.push(m.session.uid);
    }
    return out;
  }

  /** The member with this uid, if any. */
  member(uid: Uid): Session | undefined {
    for (const m of this.#members.values()) if (m.session.uid === uid) return m.session;
    return undefined;
  }

  /** Whether a session (or a session bound to this uid) is a member. */
  contains(member: Session | Uid): boolean {
    if (typeof member === "object") return this.#members.has(member);
    return this.member(member) !== undefined;
  }

  /** The number of members. */
  count(): number {
    return this.#members.size;
  }

  /** Pushes to every member; returns how many accepted it. */
  broadcast(route: string, data: unknown): number {
    return this.#deliver(route, data, undefined);
  }

  /** Pushes to the members for which `filter` is true; returns how many accepted it. */
  multicast(route: string, data: unknown, filter: (session: Session) => boolean): number {
    return this.#deliver(route, data, filter);
  }

  /**
   * The loop of a broadcast (no filter) or a multicast: runs once per member, so what does not
   * change per member (is the app clustered, this node's id) is looked up once, before it.
   */
  #deliver(
    route: string,
    data: unknown,
    filter: ((session: Session) => boolean) | undefined,
  ): number {
    if (this.#closed || this.#members.size === 0) return 0;
    const host = this.#host;
    const clustered = host.fanout !== undefined;
    const nodeId = host.nodeId;
    let shared: SharedMessage | null | undefined = null; // encoded on first local member
    let byGate: Map<string, number[]> | undefined;
    let sent = 0;
    // A copy: a write that kicks a slow member removes it from the map mid-loop. Filled by a
    // plain loop (on Bun a spread of the iterator goes through JSC's generic performIteration).
    const members = new Array<Session>(this.#members.size);
    let n = 0;
    for (const session of this.#members.keys()) members[n++] = session;
    for (const session of members) {
      if (filter !== undefined && !filter(session)) continue;
      if (clustered) {
        const gate = session.gate;
        if (gate !== undefined && gate !== nodeId) {
          // Held by another gate: collected, then one message per gate, encoded there once.
          if (session.isClosed) continue;
          byGate ??= new Map();
          let ids = byGate.get(gate);
          if (!ids) byGate.set(gate, ids = []);
          ids.push(session.id);
          sent++;
          continue;
        }
      }
      if (shared === null) {
        const bytes = host.encodePush(route, data);
        // One packet, and for WebSocket members one frame, shared by every member.
        shared = bytes ? new SharedMessage(bytes) : undefined;
      }
      if (shared ? session.write(shared) : session.push(route, data)) sent++;
    }
    if (byGate) host.fanout!(route, data, byGate);
    return sent;
  }

  /** Whether the group was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Removes every member and closes the group (later adds fail). */
  close(): void {
    if (this.#closed) return;
    this.leaveAll();
    this.#closed = true;
    this.#host.dropGroup(this);
  }
}
