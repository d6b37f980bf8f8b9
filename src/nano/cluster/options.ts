/**
 * The `cluster` option of a nano App: what it is called, its checks and its defaults. Loaded by
 * every App (it checks options at construction); it imports no NATS code.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { booleanOption, checkOptions, integerOption } from "../../core/options.ts";
import type { OptionChecks, OptionNames } from "../../core/options.ts";
import type { Session } from "../session.ts";

/**
 * A node of the cluster as the routing table knows it (learnt from its announcements).
 *
 * @example
 * ```ts
 * import type { NodeInfo } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const node: NodeInfo = { id: "chat-1", serverType: "chat", frontend: false };
 * assert.equal(node.serverType, "chat");
 * ```
 */
export interface NodeInfo {
  /** The node id (unique in the cluster). */
  readonly id: string;
  /** Its server type ("gate", "chat", …). */
  readonly serverType: string;
  /** Whether it holds client connections. */
  readonly frontend: boolean;
}

/**
 * What a route function sees: the route a client (or `app.rpc`) asked for, the session when
 * there is one, and the live nodes of the server type the route names.
 *
 * @example
 * ```ts
 * import type { RouteContext } from "@weft/weft/nano";
 * // Pick a room's backend by the room's name, so one room stays on one node.
 * const byRoom = (ctx: RouteContext) => {
 *   const room = String(ctx.session?.get("room") ?? "");
 *   let h = 0;
 *   for (const ch of room) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
 *   return ctx.nodes[h % ctx.nodes.length]!.id;
 * };
 * console.log(typeof byRoom);
 * ```
 */
export interface RouteContext {
  /** The server type the route goes to. */
  readonly serverType: string;
  /** The route as the backend registers it (`room.join`). */
  readonly route: string;
  /** The client's session (undefined for `app.rpc` without one). */
  readonly session: Session | undefined;
  /** The live nodes of that type, sorted by id (never empty). */
  readonly nodes: readonly NodeInfo[];
}

/**
 * The `cluster` option of `App`: with it the app is one node of a cluster that talks through
 * NATS (see docs/cluster.md). Without it nothing of NATS is loaded. `nats`, `serverType`,
 * `nodeId` and `frontend` are the names the launcher passes from environment variables.
 *
 * @example
 * ```ts
 * import { App, type ClusterOptions } from "@weft/weft/nano";
 * const cluster: ClusterOptions = {
 *   nats: "nats://127.0.0.1:4222",
 *   serverType: "gate",
 *   routes: { room: "chat" }, // "room.join" is served by a "chat" node
 *   sticky: ["chat"], // a session keeps its chat node
 * };
 * // Connecting needs a running nats-server: the example only starts one when told where.
 * const url = globalThis.process?.env?.WEFT_NATS_URL;
 * if (url) {
 *   await using app = new App({ port: 0, cluster: { ...cluster, nats: url } });
 *   await app.listen(); // connects to NATS and announces the node
 * }
 * ```
 */
export interface ClusterOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly nats: string | readonly string[];
  /** This node's server type (a NATS subject token: letters, digits, `_`, `-`). */
  readonly serverType: string;
  /** This node's id (default `<serverType>-<random>`; a subject token, unique in the cluster). */
  readonly nodeId?: string;
  /**
   * Whether this node holds client connections (default: true once the app listens). A
   * backend (`frontend: false`) calls `app.start()` and never listens.
   */
  readonly frontend?: boolean;
  /** Subject prefix, so several clusters can share one NATS server (default "weft"). */
  readonly name?: string;
  /** Component → server type: `{ room: "chat" }` sends `room.*` to a "chat" node. */
  readonly routes?: Readonly<Record<string, string>>;
  /**
   * Picks the node for a route (return a node id; undefined = round-robin). Called with the
   * live nodes of the route's server type.
   */
  readonly route?: (ctx: RouteContext) => string | undefined;
  /** Server types whose node a session keeps once picked (true: every type). */
  readonly sticky?: boolean | readonly string[];
  /** Longest wait for a backend's answer in ms (default 5000); then the client gets 504. */
  readonly timeout?: number;
  /** How often the node announces itself in ms (default 1000). */
  readonly heartbeat?: number;
  /** Silence after which a node leaves the routing table in ms (default 3 × heartbeat). */
  readonly nodeTimeout?: number;
  /** Binding a uid kicks that uid's older session on every gate (default false). */
  readonly uniqueSession?: boolean;
}

/** Every {@link ClusterOptions} name, to refuse typos. */
const CLUSTER_OPTIONS: OptionNames = {
  owner: "a nano cluster option",
  known: new Set(Object.keys(
    {
      nats: 1,
      serverType: 1,
      nodeId: 1,
      frontend: 1,
      name: 1,
      routes: 1,
      route: 1,
      sticky: 1,
      timeout: 1,
      heartbeat: 1,
      nodeTimeout: 1,
      uniqueSession: 1,
    } satisfies Record<keyof ClusterOptions, 1>,
  )),
  guesses: { servers: "nats", url: "nats", type: "serverType", id: "nodeId", prefix: "name" },
};

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** A subject token check: NATS subjects split on dots and treat `*`/`>` as wildcards. */
function token(name: string, value: unknown): string {
  if (typeof value !== "string" || !TOKEN.test(value)) {
    throw new WeftError(
      "EINVAL",
      `cluster.${name}: expected letters, digits, "_" or "-" (a NATS subject token), got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

const ms = integerOption(1, "ms");
const CLUSTER_CHECKS: OptionChecks = {
  nats: (name, value) => {
    const list = typeof value === "string" ? [value] : value;
    if (
      !Array.isArray(list) || list.length === 0 ||
      !list.every((u) => typeof u === "string" && u.length > 0)
    ) {
      throw new WeftError(
        "EINVAL",
        `cluster.${name}: expected a NATS URL or a non-empty list of them, got ${
          JSON.stringify(value)
        }`,
      );
    }
    return value;
  },
  serverType: token,
  nodeId: token,
  name: token,
  frontend: booleanOption,
  uniqueSession: booleanOption,
  timeout: ms,
  heartbeat: ms,
  nodeTimeout: ms,
  routes: (name, value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new WeftError("EINVAL", `cluster.${name}: expected { component: serverType }`);
    }
    for (const [k, v] of Object.entries(value)) token(`${name}.${k}`, v);
    return value;
  },
  route: (name, value) => {
    if (typeof value !== "function") {
      throw new WeftError("EINVAL", `cluster.${name}: expected a function, got ${typeof value}`);
    }
    return value;
  },
  sticky: (name, value) => {
    if (typeof value === "boolean") return value;
    if (!Array.isArray(value)) {
      throw new WeftError("EINVAL", `cluster.${name}: expected a boolean or server types`);
    }
    for (const v of value) token(name, v);
    return value;
  },
};

/** The options with defaults filled in (internal). */
export interface ClusterSettings {
  readonly servers: string[];
  readonly serverType: string;
  readonly nodeId: string;
  readonly frontend: boolean | undefined;
  readonly name: string;
  readonly routes: ReadonlyMap<string, string>;
  readonly route: ((ctx: RouteContext) => string | undefined) | undefined;
  readonly sticky: (serverType: string) => boolean;
  readonly timeout: number;
  readonly heartbeat: number;
  readonly nodeTimeout: number;
  readonly uniqueSession: boolean;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks a `cluster` option (throws `WeftError("EINVAL")` naming what was expected) and fills in
 * the defaults.
 */
export function clusterSettings(options: ClusterOptions): ClusterSettings {
  if (typeof options !== "object" || options === null) {
    throw new WeftError("EINVAL", `cluster: expected { nats, serverType, … }, got ${options}`);
  }
  checkOptions(options, CLUSTER_OPTIONS, CLUSTER_CHECKS);
  if (options.nats === undefined) throw new WeftError("EINVAL", "cluster.nats: required");
  if (options.serverType === undefined) {
    throw new WeftError("EINVAL", "cluster.serverType: required");
  }
  const heartbeat = options.heartbeat ?? 1000;
  const sticky = options.sticky;
  const stickyTypes = new Set(Array.isArray(sticky) ? sticky : []);
  return {
    servers: typeof options.nats === "string" ? [options.nats] : [...options.nats],
    serverType: options.serverType,
    nodeId: options.nodeId ?? `${options.serverType}-${randomSuffix()}`,
    frontend: options.frontend,
    name: options.name ?? "weft",
    routes: new Map(Object.entries(options.routes ?? {})),
    route: options.route,
    sticky: sticky === true ? () => true : (type) => stickyTypes.has(type),
    timeout: options.timeout ?? 5000,
    heartbeat,
    nodeTimeout: options.nodeTimeout ?? 3 * heartbeat,
    uniqueSession: options.uniqueSession ?? false,
  };
}

/**
 * A session event from a gate: a uid was bound to a session, or the session closed. A session
 * is known across the cluster by its gate's node id and its id on that gate.
 *
 * @example
 * ```ts
 * import type { SessionEvent } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const seen = new Map<string | number, SessionEvent>(); // uid → its latest session
 * const onBound = (e: SessionEvent) => seen.set(e.uid!, e);
 * const onClosed = (e: SessionEvent) => {
 *   const latest = seen.get(e.uid!);
 *   // A quick reconnect binds the new session first: only the same session may go.
 *   if (latest && latest.gate === e.gate && latest.id === e.id) seen.delete(e.uid!);
 * };
 * onBound({ gate: "gate-1", id: 2, uid: "ann" });
 * onClosed({ gate: "gate-1", id: 1, uid: "ann", reason: "kicked" }); // the old one
 * assert.equal(seen.get("ann")?.id, 2);
 * ```
 */
export interface SessionEvent {
  /** The node id of the gate holding the session. */
  readonly gate: string;
  /** The session id on that gate (the pair is unique in the cluster). */
  readonly id: number;
  /** The uid bound (for "bound": the new one; for "closed": the last one). */
  readonly uid?: string | number;
  /** Why it closed (closed events). */
  readonly reason?: string;
}

/**
 * What `app.cluster` offers on a clustered app (undefined on a single-process one).
 *
 * @example
 * ```ts
 * import type { Cluster } from "@weft/weft/nano";
 * // A backend component counting the sessions it has seen leave, on any gate.
 * function watch(cluster: Cluster): () => number {
 *   let left = 0;
 *   cluster.onSessionClosed(() => left++);
 *   return () => left;
 * }
 * console.log(typeof watch);
 * ```
 */
export interface Cluster {
  /** This node's id. */
  readonly nodeId: string;
  /** This node's server type. */
  readonly serverType: string;
  /** The live nodes (this one included), sorted by id; of one server type when given. */
  nodes(serverType?: string): NodeInfo[];
  /** Calls `fn` when a gate binds a uid to a session (any gate); returns a remover. */
  onSessionBound(fn: (event: SessionEvent) => void): () => void;
  /**
   * Calls `fn` when a session closes on any gate, and for the sessions this node had seen of
   * a gate that left the table; returns a remover.
   */
  onSessionClosed(fn: (event: SessionEvent) => void): () => void;
}

/**
 * Options of `app.rpc` and `app.notifyServer`.
 *
 * @example
 * ```ts
 * import type { RpcOptions } from "@weft/weft/nano";
 * const options: RpcOptions = { timeout: 2000 };
 * // await app.rpc("chat", "room.count", { room: "lobby" }, options)
 * console.log(options.timeout);
 * ```
 */
export interface RpcOptions {
  /** Longest wait for the answer in ms (default: `cluster.timeout`). */
  readonly timeout?: number;
  /** The client session the call is about: the remote handler gets it (bind, push, kick…). */
  readonly session?: Session;
}
