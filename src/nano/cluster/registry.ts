/**
 * Discovery without a master: every node publishes its announcement on `<name>.nodes` every
 * `heartbeat` ms and keeps the table of the others from theirs. A node not heard for
 * `nodeTimeout` ms leaves the table at the next sweep (one per heartbeat), so a killed node
 * is gone from every table within `nodeTimeout + heartbeat` ms. A joining node asks on
 * `<name>.hello` and everyone announces at once; a node that closes says `<name>.bye`.
 * Core NATS only: no JetStream, no KV bucket to create or clean up.
 *
 * While this node's NATS connection is down it hears nobody, which says nothing about the
 * others: it does not sweep then, and on reconnect every node gets a fresh `nodeTimeout` to
 * be heard again (a nats-server restart does not empty the tables, nor close the sessions of
 * gates that are still there).
 * @module
 */

import type { Bus } from "./nats.ts";
import { type AnnounceHeader, pack, unpack } from "./envelope.ts";
import type { NodeInfo } from "./options.ts";
import type { Subjects } from "./subjects.ts";

/** Discovery has settled when no new node was heard for this long after our hello's round trip. */
const SETTLE_QUIET_MS = 30;
/** ...but `start()` never waits longer than this (or one heartbeat). */
const SETTLE_MAX_MS = 1000;

interface Entry {
  readonly info: NodeInfo;
  seen: number;
}

/** The routing table of live nodes (internal). */
export class Registry {
  #bus: Bus;
  #subjects: Subjects;
  #self: { id: string; serverType: string; frontend: boolean };
  #heartbeat: number;
  #nodeTimeout: number;
  #nodes = new Map<string, Entry>();
  #byType = new Map<string, NodeInfo[]>(); // sorted by id, rebuilt on change
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => void)[] = [];
  #left: ((node: NodeInfo) => void)[] = [];
  #offline = false;

  constructor(
    bus: Bus,
    subjects: Subjects,
    self: { id: string; serverType: string; frontend: boolean },
    timing: { heartbeat: number; nodeTimeout: number },
  ) {
    this.#bus = bus;
    this.#subjects = subjects;
    this.#self = self;
    this.#heartbeat = timing.heartbeat;
    this.#nodeTimeout = timing.nodeTimeout;
    this.#add(self); // a node routes to itself too
  }

  /**
   * Starts listening and announcing. Resolves once discovery has settled: the server has our
   * hello, and no new node has been heard for {@link SETTLE_QUIET_MS} (at most one heartbeat),
   * so a gate's first requests find the backends that were already up.
   */
  async start(): Promise<void> {
    const s = this.#subjects;
    this.#unsubscribe.push(
      this.#bus.subscribe(s.nodes, (data) => this.#heard(data)),
      this.#bus.subscribe(s.hello, () => this.announce()),
      this.#bus.subscribe(s.bye, (data) => {
        const id = this.#decode(data)?.id;
        if (id !== undefined && id !== this.#self.id) this.drop(id);
      }),
    );
    this.#bus.publish(s.hello, new Uint8Array(0));
    this.#bus.flush(); // discovery goes out now, not after the turn (nodes say ready next)
    this.announce();
    this.#timer = setInterval(() => {
      this.announce();
      this.#sweep();
    }, this.#heartbeat);
    await this.#settle();
  }

  async #settle(): Promise<void> {
    const until = Date.now() + Math.min(this.#heartbeat, SETTLE_MAX_MS);
    try {
      await this.#bus.roundTrip();
    } catch {
      return; // not connected: the heartbeats will fill the table when it is back
    }
    let known = -1;
    while (known !== this.#nodes.size && Date.now() < until && this.#timer !== undefined) {
      known = this.#nodes.size;
      await new Promise((r) => setTimeout(r, SETTLE_QUIET_MS));
    }
  }

  /** Publishes this node's announcement. */
  announce(): void {
    const a: AnnounceHeader = {
      id: this.#self.id,
      type: this.#self.serverType,
      fe: this.#self.frontend,
    };
    this.#bus.publish(this.#subjects.nodes, pack(a));
    this.#bus.flush(); // discovery goes out now, not after the turn (nodes say ready next)
  }

  /** The NATS connection is lost: hearing nobody is no evidence, so no sweeping. */
  offline(): void {
    this.#offline = true;
  }

  /** The NATS connection is back: announce, and give every node a fresh `nodeTimeout`. */
  online(): void {
    this.#offline = false;
    const now = Date.now();
    for (const e of this.#nodes.values()) e.seen = now;
    this.announce();
  }

  /** This node now holds client connections (it listens). */
  setFrontend(): void {
    if (this.#self.frontend) return;
    this.#self = { ...this.#self, frontend: true };
    this.#add(this.#self);
    this.announce();
  }

  /** The live nodes of a server type, sorted by id. */
  ofType(serverType: string): readonly NodeInfo[] {
    return this.#byType.get(serverType) ?? [];
  }

  /** The live node with this id. */
  get(id: string): NodeInfo | undefined {
    return this.#nodes.get(id)?.info;
  }

  /** Every live node, sorted by id. */
  all(): NodeInfo[] {
    return [...this.#nodes.values()].map((e) => e.info).sort((a, b) => a.id < b.id ? -1 : 1);
  }

  /** Calls `fn` for every node that leaves the table. */
  onLeft(fn: (node: NodeInfo) => void): void {
    this.#left.push(fn);
  }

  /** Removes a node at once (it said bye, or NATS says nobody listens on its subject). */
  drop(id: string): void {
    const e = this.#nodes.get(id);
    if (!e || id === this.#self.id) return;
    this.#nodes.delete(id);
    this.#rebuild(e.info.serverType);
    for (const fn of this.#left) fn(e.info);
  }

  /** Stops announcing, says bye. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#bus.publish(this.#subjects.bye, pack({ id: this.#self.id }));
    this.#bus.flush(); // discovery goes out now, not after the turn (nodes say ready next)
  }

  #decode(data: Uint8Array): AnnounceHeader | undefined {
    try {
      const h = unpack<AnnounceHeader>(data).header;
      return typeof h.id === "string" ? h : undefined;
    } catch {
      return undefined;
    }
  }

  #heard(data: Uint8Array): void {
    const a = this.#decode(data);
    if (!a || typeof a.type !== "string" || a.id === this.#self.id) return;
    const e = this.#nodes.get(a.id);
    if (e && e.info.serverType === a.type && e.info.frontend === a.fe) {
      e.seen = Date.now();
      return;
    }
    if (e) this.#nodes.delete(a.id);
    this.#add({ id: a.id, serverType: a.type, frontend: a.fe === true });
    if (e && e.info.serverType !== a.type) this.#rebuild(e.info.serverType);
  }

  #add(info: NodeInfo): void {
    this.#nodes.set(info.id, { info, seen: Date.now() });
    this.#rebuild(info.serverType);
  }

  #sweep(): void {
    if (this.#offline) return;
    const now = Date.now();
    for (const [id, e] of [...this.#nodes]) {
      if (id !== this.#self.id && now - e.seen > this.#nodeTimeout) this.drop(id);
    }
  }

  #rebuild(serverType: string): void {
    const list = [...this.#nodes.values()].map((e) => e.info)
      .filter((n) => n.serverType === serverType)
      .sort((a, b) => a.id < b.id ? -1 : 1);
    if (list.length) this.#byType.set(serverType, list);
    else this.#byType.delete(serverType);
  }
}
