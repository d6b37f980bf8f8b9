/**
 * An RFC 27 ZAP handler answering with a callback: what libzmq code runs on a thread with
 * pyzmq's `ThreadAuthenticator`, as a ROUTER bound at `inproc://zeromq.zap.01`.
 * @module
 */

import type { ZapReply, ZapRequest } from "../../protocol/zmtp/mod.ts";
import { checkZapReply } from "../../protocol/zmtp/mod.ts";
import { RouterSocket } from "./dealer_router.ts";
import type { SocketOptions } from "./options.ts";
import { readZapRequest, ZAP_ENDPOINT, zapReplyFrames } from "./zap_handler.ts";

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Options of {@link ZapHandler}. */
export interface ZapHandlerOptions {
  /** The transports whose inproc namespace to bind in (servers must share it). */
  readonly transports: NonNullable<SocketOptions["transports"]>;
}

/**
 * An RFC 27 handler: a ROUTER bound at `inproc://zeromq.zap.01` that answers every request
 * with `authenticate` (a throw or rejection answers 500). Start it with {@link ZapHandler.start};
 * close it like a socket. `weft/zmq` exports it with the default transports as `serveZap`.
 *
 * @example
 * ```ts
 * import { createRegistry, InprocNamespace, InprocTransport, ZapHandler } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * await using handler = await ZapHandler.start(() => ({ status: 400 }), { transports });
 * assert.equal(handler.endpoint, "inproc://zeromq.zap.01");
 * ```
 */
export class ZapHandler implements AsyncDisposable {
  /** Where it listens. */
  readonly endpoint: string = ZAP_ENDPOINT;
  readonly #router: RouterSocket;
  readonly #authenticate: (request: ZapRequest) => ZapReply | Promise<ZapReply>;

  private constructor(
    router: RouterSocket,
    authenticate: (request: ZapRequest) => ZapReply | Promise<ZapReply>,
  ) {
    this.#router = router;
    this.#authenticate = authenticate;
  }

  /** Binds at `inproc://zeromq.zap.01` (`EADDRINUSE` if another handler is there) and serves. */
  static async start(
    authenticate: (request: ZapRequest) => ZapReply | Promise<ZapReply>,
    options: ZapHandlerOptions,
  ): Promise<ZapHandler> {
    const router = new RouterSocket({ transports: options.transports, linger: 0 });
    try {
      await router.bind(ZAP_ENDPOINT);
    } catch (error) {
      router.close();
      throw error;
    }
    const handler = new ZapHandler(router, authenticate);
    void handler.#serve();
    return handler;
  }

  async #serve(): Promise<void> {
    for await (const frames of this.#router) {
      const read = readZapRequest(frames);
      if (typeof read === "string") continue; // not a ZAP request: nothing sensible to answer
      void this.#answer(frames[0]!, read.id, read.request);
    }
  }

  async #answer(peer: Uint8Array, id: Uint8Array, request: ZapRequest): Promise<void> {
    let reply: ZapReply;
    try {
      const checked = checkZapReply(await this.#authenticate(request));
      reply = typeof checked === "string"
        ? { status: 500, statusText: `the authenticator answered wrongly: ${checked}` }
        : checked;
    } catch (error) {
      reply = { status: 500, statusText: `the authenticator failed: ${String(error)}` };
    }
    if (this.#router.isClosed) return;
    await this.#router.send([peer, EMPTY, utf8.encode("1.0"), id, ...zapReplyFrames(reply)])
      .catch(() => {}); // the asker is gone (its handshake timed out): nothing to do
  }

  /** Stops answering and unbinds. */
  close(): void {
    this.#router.close();
  }

  /** Closes (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#router.closed;
  }
}
