/**
 * The contract between the socket core and a wire protocol: a session turns a byte stream into
 * whole messages and back (ZMTP for ZeroMQ, the SP header and framing for nng). Sessions are
 * pure state machines: bytes and time in, callbacks out. The core owns the stream, the timers,
 * the queues and the high-water marks; the protocol owns the bytes.
 * @module
 */

/** What a session learned about its peer in the handshake. */
export interface WirePeer {
  /** The peer's socket type or protocol name (e.g. `ROUTER`, `rep0`). */
  readonly socketType: string;
  /** The peer's identity, if the protocol has one (ZMTP `Identity`); else empty. */
  readonly identity: Uint8Array;
}

/** A fatal error of one connection. */
export interface WireSessionError {
  /** `EPROTO`, `EMSGSIZE`, `ETIMEDOUT`… */
  readonly code: string;
  /** What was expected and what came. */
  readonly reason: string;
  /** Whether the handshake had completed. */
  readonly phase: "handshake" | "traffic";
}

/**
 * Where a session sends bytes and events (synchronously, from inside its methods). A protocol
 * may narrow what it reports (`P`, `E`: e.g. ZMTP's peer carries its READY properties); the
 * socket core's sink takes any.
 */
export interface WireSessionSink<
  P extends WirePeer = WirePeer,
  E extends WireSessionError = WireSessionError,
> {
  /** Bytes for the transport, in order; ownership passes to the receiver. */
  write(bytes: Uint8Array): void;
  /** The handshake completed. */
  ready(peer: P): void;
  /** A whole message (frames; one frame for single-part protocols). */
  message(frames: Uint8Array[]): void;
  /** A subscription change from the peer (protocols that carry them). */
  subscription(topic: Uint8Array, subscribe: boolean): void;
  /** A fatal error; nothing follows. */
  error(error: E): void;
}

/** The connection a new session runs on (what the protocol may need to know of it). */
export interface WireLink {
  /** The endpoint URL the connection belongs to (as bound or dialed), e.g. `ipc:///tmp/a`. */
  readonly endpoint: string;
  /**
   * `"messages"` when the transport keeps message boundaries (ws): the protocol then writes
   * one message per write and gets one per chunk, with no length framing of its own.
   */
  readonly framing: "bytes" | "messages";
  /** The subprotocol a message transport negotiated (e.g. `rep.sp.nanomsg.org`). */
  readonly protocol?: string;
  /** The peer's address as the transport reports it (e.g. `tcp://127.0.0.1:50122`). */
  readonly remoteAddress?: string;
  /**
   * Sends a transport-level ping (ws control frame), when the transport has one: the peer's
   * pong reaches the session as {@link WireSession.alive}.
   */
  readonly ping?: () => void;
}

/** One connection's protocol state machine. */
export interface WireSession {
  /** Sends the greeting/header; `now` is a monotonic time in ms. */
  start(now: number): void;
  /** Feeds received bytes. */
  feed(chunk: Uint8Array, now: number): void;
  /**
   * Queues a whole message for the next {@link WireSession.flush}; false when the session has
   * failed and the message was dropped.
   */
  send(frames: readonly Uint8Array[]): boolean;
  /** Queues a subscription change (ignored by protocols without them); false once failed. */
  sendSubscription(topic: Uint8Array, subscribe: boolean): boolean;
  /** Writes everything queued, in as few writes as possible. */
  flush(): void;
  /** Runs timers (handshake limit, heartbeats); returns the next deadline or Infinity. */
  tick(now: number): number;
  /** Optional: the transport saw a sign of life with no data (a ws ping or pong). */
  alive?(now: number): void;
}
