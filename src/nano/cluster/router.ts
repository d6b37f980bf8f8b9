/**
 * Which node serves a route: the server type a route names (`chat.room.join`, or `room.join`
 * with `routes: { room: "chat" }`), then one node of that type — the session's sticky node,
 * the user's route function, or round-robin.
 * @module
 */

import type { Session } from "../session.ts";
import type { ClusterSettings, NodeInfo } from "./options.ts";
import type { Registry } from "./registry.ts";

/** Where a route goes: a server type and the route as that type's nodes register it. */
export interface RemoteRoute {
  readonly serverType: string;
  readonly route: string;
}

/** Picks nodes (internal). */
export class Router {
  #settings: ClusterSettings;
  #registry: Registry;
  #turn = new Map<string, number>();
  #sticky = new WeakMap<Session, Map<string, string>>();

  constructor(settings: ClusterSettings, registry: Registry) {
    this.#settings = settings;
    this.#registry = registry;
  }

  /**
   * The server type and backend route of a route this node does not serve, or undefined when
   * no other type claims it: `<type>.<component>.<method>` names a type, and `routes` maps a
   * component (`room` of `room.join`) to one.
   */
  resolve(route: string): RemoteRoute | undefined {
    const parts = route.split(".");
    if (parts.length === 3) return { serverType: parts[0]!, route: `${parts[1]}.${parts[2]}` };
    if (parts.length === 2) {
      const serverType = this.#settings.routes.get(parts[0]!);
      if (serverType !== undefined) return { serverType, route };
    }
    return undefined;
  }

  /** A node of `serverType` for this message, or undefined when there is none. */
  pick(serverType: string, route: string, session: Session | undefined): NodeInfo | undefined {
    const nodes = this.#registry.ofType(serverType);
    if (nodes.length === 0) return undefined;
    const sticky = session && this.#settings.sticky(serverType);
    if (sticky) {
      const id = this.#sticky.get(session)?.get(serverType);
      const kept = id === undefined ? undefined : this.#registry.get(id);
      if (kept) return kept; // a sticky node that left is replaced below
    }
    let node: NodeInfo | undefined;
    const fn = this.#settings.route;
    if (fn) {
      const id = fn({ serverType, route, session, nodes });
      if (id !== undefined) node = nodes.find((n) => n.id === id);
    }
    if (!node) {
      const turn = this.#turn.get(serverType) ?? 0;
      this.#turn.set(serverType, turn + 1);
      node = nodes[turn % nodes.length]!;
    }
    if (sticky) {
      let m = this.#sticky.get(session);
      if (!m) this.#sticky.set(session, m = new Map());
      m.set(serverType, node.id);
    }
    return node;
  }

  /** The node of `serverType` this session sticks to, if any. */
  stickyNode(session: Session, serverType: string): string | undefined {
    return this.#sticky.get(session)?.get(serverType);
  }
}
