/**
 * nanomsg/nng Scalability Protocol sockets over a transport registry passed in (see
 * `src/sp.ts` for the entry that wires in the runtime's transports).
 *
 * @example
 * ```ts
 * import { Pull0Socket, Push0Socket } from "./mod.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * await using pull = new Pull0Socket({ transports });
 * await pull.listen("inproc://sp-mod");
 * await using push = new Push0Socket({ transports });
 * await push.dial("inproc://sp-mod");
 * await push.send("hi");
 * assert.equal(new TextDecoder().decode(await pull.recv()), "hi");
 * ```
 * @module
 */

export * from "./sockets.ts";
export { Context, type SpData, type SpOptions, SpSocket } from "./socket.ts";
export { device } from "./device.ts";
export type { DialFlags, SpMessage } from "./core.ts";
