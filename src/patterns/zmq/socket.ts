/**
 * The ZeroMQ socket: the core socket with ZMTP 3.1 sessions on its connections.
 * @module
 */

import { SocketBase } from "../../core/socket.ts";
import type { WireSession, WireSessionSink } from "../../core/wire.ts";
import { ZmtpSession } from "../../protocol/zmtp/mod.ts";
import type { SocketType } from "../../protocol/zmtp/mod.ts";

export { type MessageLike, toMessage } from "../../core/socket.ts";

/**
 * The base of every ZeroMQ socket type. Its connections speak ZMTP 3.1 with the socket's
 * options (routing id, heartbeats, handshake limit, maximum message size).
 *
 * @example
 * ```ts
 * import { Socket } from "./socket.ts";
 * import { PushSocket } from "./push_pull.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const push = new PushSocket({ transports });
 * assert.ok(push instanceof Socket);
 * push.close();
 * ```
 */
export abstract class Socket extends SocketBase {
  /**
   * A ZMTP session configured from this socket's options.
   * @ignore
   */
  createSession(asServer: boolean, sink: WireSessionSink): WireSession {
    const o = this.options;
    return new ZmtpSession({
      socketType: this.socketType as SocketType,
      asServer,
      routingId: o.routingId,
      maxMessageSize: o.maxMessageSize,
      heartbeatIntervalMs: o.heartbeatInterval,
      heartbeatTimeoutMs: o.heartbeatTimeout >= 0 ? o.heartbeatTimeout : o.heartbeatInterval,
      heartbeatTtlMs: o.heartbeatTimeToLive,
      handshakeIntervalMs: o.handshakeInterval,
    }, sink);
  }
}
