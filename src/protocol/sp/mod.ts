/**
 * The SP (nanomsg/nng Scalability Protocols) wire layer: protocol ids, the connection header,
 * payload headers (backtraces, hop counts) and the per-connection session.
 *
 * @example
 * ```ts
 * import { buildHeader, SpProtocols } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...buildHeader(SpProtocols.req0.id)], [0, 0x53, 0x50, 0, 0, 0x30, 0, 0]);
 * ```
 * @module
 */

export * from "./ids.ts";
export * from "./header.ts";
export * from "./backtrace.ts";
export * from "./session.ts";
