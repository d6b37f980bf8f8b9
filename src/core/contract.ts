/**
 * The socket core's extension contract in one place, for the entries to re-export: the types
 * the ZeroMQ and SP socket classes are built on (the core, its pipes, the wire session a
 * protocol implements, the option tables).
 *
 * @example
 * ```ts
 * import type { SocketCore } from "./contract.ts";
 * import { Push } from "../zmq.ts";
 * import { Pull0 } from "../sp.ts";
 * import assert from "node:assert/strict";
 * const sockets: SocketCore[] = [new Push(), new Pull0()]; // both families share the core
 * for (const socket of sockets) socket.close();
 * assert.ok(sockets.every((s) => s.isClosed));
 * ```
 * @module
 */

export type { SocketCore } from "./socket.ts";
export type { Pipe, PipeHost } from "./pipe.ts";
export type { WireLink, WirePeer, WireSession, WireSessionError, WireSessionSink } from "./wire.ts";
export type { CoreOptions, OptionCheck, OptionRules, OptionTable } from "./options.ts";
