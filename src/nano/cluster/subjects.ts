/**
 * The NATS subjects a cluster uses, all under one prefix (`cluster.name`, default "weft") so
 * several clusters can share a NATS server. docs/cluster.md lists them with what travels on each.
 * @module
 */

/** Subject names of one cluster (internal). */
export class Subjects {
  /** Heartbeats and announcements: every node publishes, every node listens. */
  readonly nodes: string;
  /** A node that joins asks here; every node answers with an announcement at once. */
  readonly hello: string;
  /** A node that leaves cleanly says so here. */
  readonly bye: string;
  /** Session bound / closed events, from gates to every node. */
  readonly sessions: string;
  /** Push to or kick uids, from any node to every gate. */
  readonly users: string;
  readonly #prefix: string;

  constructor(name: string) {
    this.#prefix = name;
    this.nodes = `${name}.nodes`;
    this.hello = `${name}.hello`;
    this.bye = `${name}.bye`;
    this.sessions = `${name}.sessions`;
    this.users = `${name}.users`;
  }

  /** Requests to one node: forwarded client messages and RPC (request/reply). */
  node(id: string): string {
    return `${this.#prefix}.node.${id}`;
  }

  /** Operations on a gate's sessions: push, kick, close, bind, state, group fan-out. */
  gate(id: string): string {
    return `${this.#prefix}.gate.${id}`;
  }
}
