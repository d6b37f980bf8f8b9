/**
 * ZMTP 3.1 (RFC 23/37) as pure state machines: the greeting, commands, metadata, socket-type
 * rules, the mechanism contract with NULL, and {@link ZmtpSession}, which the socket layer
 * drives with bytes and time.
 *
 * @example
 * ```ts
 * import { checkGreeting, GREETING_SIZE, isCompatible, ZmtpSession } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isCompatible("SUB", "XPUB"), true); // RFC 37: a SUB may talk to an XPUB
 * const out: Uint8Array[] = [];
 * const dealer = new ZmtpSession({ socketType: "DEALER", asServer: false }, {
 *   write: (bytes) => out.push(bytes), ready() {}, message() {}, subscription() {}, error() {},
 * });
 * dealer.start(0); // the session speaks first: its greeting
 * const greeting = checkGreeting(out[0]!.subarray(0, GREETING_SIZE), "NULL");
 * assert.deepEqual(greeting, {
 *   ok: true,
 *   greeting: { major: 3, minor: 1, mechanism: "NULL", asServer: false },
 * });
 * ```
 * @module
 */

export {
  type ZmtpAuthenticator,
  type ZmtpErrorCode,
  type ZmtpPeer,
  ZmtpSession,
  type ZmtpSessionError,
  type ZmtpSessionOptions,
  type ZmtpSessionSink,
} from "./session.ts";
export { compatiblePeers, isCompatible, isSocketType, SocketType } from "./socket_type.ts";
export {
  type FrameTransform,
  type Mechanism,
  type MechanismHost,
  type MechanismStep,
  NullMechanism,
  type WireFrame,
} from "./mechanism.ts";
export {
  helloCommand,
  MAX_PLAIN_CREDENTIAL,
  parseHello,
  PlainClientMechanism,
  PlainServerMechanism,
} from "./plain.ts";
export {
  checkZapReply,
  peerErrorStep,
  type ZapContext,
  zapRefusal,
  type ZapReply,
  type ZapRequest,
} from "./zap.ts";
export {
  buildGreeting,
  checkGreeting,
  GREETING_SIZE,
  type GreetingOptions,
  type GreetingResult,
  type PeerGreeting,
} from "./greeting.ts";
export {
  Command,
  encodeCommand,
  errorCommand,
  MAX_PING_CONTEXT,
  parseCommand,
  type ParsedCommand,
  type ParsedPing,
  parseError,
  parsePing,
  parseReady,
  pingCommand,
  pongCommand,
  propertyCommand,
  readyCommand,
  subscriptionCommand,
} from "./command.ts";
export {
  encodeMetadata,
  isPropertyName,
  type MetadataResult,
  metadataSize,
  parseMetadata,
  type Properties,
} from "./metadata.ts";
