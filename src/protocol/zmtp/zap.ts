/**
 * The ZAP (RFC 27) request and reply as weft's mechanisms hand them to an authenticator.
 *
 * A server-side mechanism (PLAIN, CURVE, or NULL when the socket has an authenticator) stops
 * its handshake at the point where libzmq would ask its ZAP handler, returns an
 * `authenticate` step carrying a {@link ZapRequest}, and continues with the {@link ZapReply}
 * the session passes to `resume`. The socket layer decides who answers: a user callback, an
 * allow-list, or an RFC 27 handler bound at `inproc://zeromq.zap.01`.
 * @module
 */

/** What the server asks its authenticator about one connecting peer (RFC 27 request). */
export interface ZapRequest {
  /** The ZAP domain (the socket's `zapDomain` option; empty by default). */
  readonly domain: string;
  /** The peer's address as the transport reports it (e.g. `127.0.0.1:51234`). */
  readonly address: string;
  /** The local socket's routing id (RFC 27 "identity": libzmq sends the server's own). */
  readonly routingId: Uint8Array;
  /** `NULL`, `PLAIN` or `CURVE`. */
  readonly mechanism: string;
  /** PLAIN: [username, password]; CURVE: [the client's 32-byte long-term public key]; NULL: []. */
  readonly credentials: readonly Uint8Array[];
}

/** The authenticator's answer (RFC 27 reply). */
export interface ZapReply {
  /** 200 accepts; 300 (temporary), 400 (refused) and 500 (internal error) refuse. */
  readonly status: 200 | 300 | 400 | 500;
  /** Why, for a refusal; sent to nobody (the client sees only the status code, as libzmq). */
  readonly statusText?: string;
  /** The authenticated identity: becomes the `User-Id` property of received messages. */
  readonly userId?: string;
  /** Extra properties merged into the peer's metadata (as libzmq merges ZAP metadata). */
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
}
