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

export { Pair0Socket, Pair1Socket, SpPairSocket } from "./pair.ts";
export { Pub0Socket, Sub0Socket } from "./pubsub.ts";
export { Rep0Socket, type Req0Options, Req0Socket, ReqContext, Responder } from "./reqrep.ts";
export { Pull0Socket, Push0Socket } from "./pipeline.ts";
export {
  Respondent0Socket,
  type Surveyor0Options,
  Surveyor0Socket,
  SurveyorContext,
} from "./survey.ts";
export { Bus0Socket } from "./bus.ts";
export { type DialFlags, SpSocket } from "./socket.ts";
export {
  type ContextHost,
  type ContextKind,
  ContextSocket,
  HostedContext,
} from "./context_socket.ts";
export { Context } from "./context.ts";
export type { SpOptions } from "./options.ts";
export type { SpData, SpMessage } from "./message.ts";
export { device } from "./device.ts";
