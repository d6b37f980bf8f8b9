/**
 * ZMTP 3.1 (RFC 23/37) as pure state machines: the greeting, commands, metadata, socket-type
 * rules, the mechanism contract with NULL, and {@link ZmtpSession}, which the socket layer
 * drives with bytes and time.
 *
 * @example
 * ```ts
 * import { isCompatible, ZmtpSession } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isCompatible("SUB", "XPUB"), true);
 * assert.equal(typeof ZmtpSession, "function");
 * ```
 * @module
 */

export {
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
