/**
 * What SP contexts share: per-context timeouts that default to the socket's, and the
 * interface the public `Context` wraps.
 * @module
 */

import type { SpMessage } from "./core.ts";

/** One independent protocol state machine on a socket (nng's `nng_ctx`). */
export interface CoreContext {
  /** Sends (a request, a reply, a survey or a response). */
  send(body: Uint8Array): Promise<void>;
  /** Receives (a reply, a request, a response or a survey). */
  recv(): Promise<SpMessage>;
  /** send() timeout, ms (-1 = none); undefined = the socket's. */
  sendTimeout: number | undefined;
  /** recv() timeout, ms (-1 = none); undefined = the socket's. */
  recvTimeout: number | undefined;
  /** Abandons what is pending (ECLOSED) and detaches from the socket. */
  close(): void;
  /** Whether it is closed. */
  readonly closed: boolean;
}
