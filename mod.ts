/**
 * weft: ZeroMQ (ZMTP 3.1) and nanomsg/nng Scalability Protocols sockets for Deno and Bun, on one
 * hot path compiled from AssemblyScript to WebAssembly.
 *
 * The root entry holds what a socket user needs from both socket families: the socket classes,
 * their options, the ZeroMQ proxy and the SP device, errors, events and the transport registry.
 * Each family's own entry has the rest (the machinery the classes extend, for writing your own
 * socket types): `@weft/weft/zmq`, `@weft/weft/sp`. The nano framework has its own entries,
 * `@weft/weft/nano` and `@weft/weft/nano/client` (it brings protobuf-es; the sockets do not).
 *
 * @example
 * ```ts
 * import { Pull, Push, Rep0, Req0 } from "@weft/weft";
 * import assert from "node:assert/strict";
 *
 * await using pull = new Pull(); // ZeroMQ
 * await pull.bind("inproc://mod-example");
 * await using push = new Push();
 * push.connect("inproc://mod-example");
 * await push.send("hello");
 * const [frame] = await pull.receive();
 * assert.equal(new TextDecoder().decode(frame), "hello");
 *
 * await using rep = new Rep0(); // nng SP
 * await rep.listen("inproc://mod-example-sp");
 * await using req = new Req0();
 * await req.dial("inproc://mod-example-sp");
 * await req.send("ping");
 * await rep.recv();
 * await rep.send("pong");
 * assert.equal(new TextDecoder().decode(await req.recv()), "pong");
 * ```
 * @module
 */

// ZeroMQ sockets, their options and the proxy.
export {
  type Authenticator,
  Dealer,
  type MessageLike,
  Pair,
  Proxy,
  proxy,
  ProxyCommand,
  type ProxyOptions,
  type ProxySideStatistics,
  type ProxyState,
  type ProxyStatistics,
  Pub,
  Publisher,
  Pull,
  Push,
  Rep,
  Reply,
  Req,
  type ReqOptions,
  Request,
  Router,
  type RouterOptions,
  type SecurityOptions,
  type SocketOptions,
  statisticsFrames,
  Sub,
  Subscriber,
  XPub,
  XPublisher,
  type XPubOptions,
  XSub,
  XSubscriber,
  type ZapReply,
  type ZapRequest,
} from "./src/zmq.ts";

// nng Scalability Protocols sockets, their options, contexts and the device.
export {
  Bus0,
  Context,
  device,
  type DialFlags,
  Pair0,
  Pair1,
  Pub0,
  Pull0,
  Push0,
  Rep0,
  Req0,
  type Req0Options,
  Respondent0,
  type SpData,
  type SpMessage,
  type SpOptions,
  Sub0,
  Surveyor0,
  type Surveyor0Options,
} from "./src/sp.ts";

// Shared by both families: errors, events, endpoints and the transports.
export {
  createRegistry,
  defaultTransports,
  type DefaultTransportsOptions,
  type Endpoint,
  ErrorCode,
  type EventStream,
  InprocNamespace,
  type InprocOptions,
  InprocTransport,
  type Message,
  runtimeTransports,
  type SocketEvent,
  type SocketEventType,
  type TlsTransportOptions,
  type TransportRegistry,
  WeftError,
} from "./src/zmq.ts";

// The machinery the classes above extend or mention, as types (to read their docs; write a
// socket type of your own from @weft/weft/zmq or @weft/weft/sp).
export {
  type ByteStream,
  type CoreOptions,
  type DealerSocket,
  type DialOptions,
  type DirectEnd,
  type ListenOptions,
  type PairSocket,
  type Pipe,
  type PublisherBase,
  type PubSocket,
  type PullSocket,
  type PushSocket,
  type RepSocket,
  type ReqSocket,
  type ResolvedOptions,
  type RouterSocket,
  type SecurityValues,
  type SharedMessage,
  type Socket,
  type SocketCore,
  type StreamHandler,
  type StreamListener,
  type SubscriberBase,
  type SubSocket,
  type TextMessages,
  type TlsOptions,
  type Transport,
  type WireLink,
  type WirePeer,
  type WireSession,
  type WireSessionError,
  type WireSessionSink,
  type XPubSocket,
  type XSubSocket,
} from "./src/zmq.ts";

// The SP machinery, as types.
export {
  type Bus0Socket,
  type ContextSocket,
  type CoreContext,
  type HostedContext,
  type Pair0Socket,
  type Pair1Socket,
  type Pub0Socket,
  type Pull0Socket,
  type Push0Socket,
  type Rep0Socket,
  type Req0Socket,
  type ReqContext,
  type Respondent0Socket,
  type Responder,
  type SpPairSocket,
  type SpSocket,
  type Sub0Socket,
  type Surveyor0Socket,
  type SurveyorContext,
} from "./src/sp.ts";
