/**
 * The program's default transports: the runtime's tcp, ipc and ws plus one `inproc://`
 * namespace, shared by every socket made without an explicit `{ transports }` — the
 * counterpart of libzmq's default context. It is the one deliberate piece of module state in
 * weft (house rule 5): created on first use, never changed afterwards, and always replaceable by
 * passing a registry of your own.
 * @module
 */

import { defaultTransports } from "./transport/default.ts";
import { InprocNamespace } from "./transport/inproc/inproc.ts";
import type { TransportRegistry } from "./transport/types.ts";

let runtime: TransportRegistry | undefined;

/**
 * The registry sockets use when none is passed.
 *
 * @example
 * ```ts
 * import { Pull, Push, runtimeTransports } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const transports = runtimeTransports(); // what sockets use when given no `transports`
 * assert.ok(transports.schemes().includes("tcp"));
 * await using pull = new Pull({ transports });
 * await pull.bind("inproc://runtime-doc");
 * await using push = new Push(); // the same registry, so the same inproc namespace
 * push.connect("inproc://runtime-doc");
 * await push.send("hi");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "hi");
 * ```
 */
export function runtimeTransports(): TransportRegistry {
  return runtime ??= defaultTransports(new InprocNamespace());
}

export { defaultTransports, type DefaultTransportsOptions } from "./transport/default.ts";
export { InprocNamespace, type InprocOptions, InprocTransport } from "./transport/inproc/inproc.ts";
export { createRegistry } from "./transport/registry.ts";
export { SharedMessage } from "./transport/shared_message.ts";
export type {
  ByteStream,
  DialOptions,
  DirectEnd,
  ListenOptions,
  StreamHandler,
  StreamListener,
  TextMessages,
  TlsOptions,
  Transport,
  TransportRegistry,
} from "./transport/types.ts";
export type { Endpoint } from "./core/endpoint.ts";
export type { EventStream, SocketEvent, SocketEventType } from "./core/events.ts";
export type { TlsTransportOptions } from "./transport/tls.ts";
