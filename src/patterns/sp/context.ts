/**
 * SP contexts (nng's `nng_ctx`): independent protocol state machines on one socket, each with
 * its own request or survey in flight and its own timeouts (defaulting to the socket's).
 * @module
 */

import type { SpData, SpMessage } from "./message.ts";
import { toBytes } from "./message.ts";

/** What a {@link Context} drives: one state machine of its socket's protocol. */
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

const body = (m: SpMessage) => m.body;

/**
 * An independent protocol state machine on a socket (nng's `nng_ctx`): its own request or
 * survey in flight, its own timeouts. Open many to have many requests in flight on one socket.
 *
 * @example
 * ```ts
 * import { Rep0, Req0 } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using rep = new Rep0();
 * await rep.listen("inproc://sp-context-doc");
 * await using req = new Req0();
 * await req.dial("inproc://sp-context-doc");
 * const [a, b] = [req.openContext(), req.openContext()];
 * await a.send("first");
 * await b.send("second"); // two requests in flight on one socket
 * const server = rep.openContext();
 * for (let i = 0; i < 2; i++) {
 *   const ask = new TextDecoder().decode(await server.recv());
 *   await server.send(`re: ${ask}`);
 * }
 * assert.equal(new TextDecoder().decode(await b.recv()), "re: second");
 * assert.equal(new TextDecoder().decode(await a.recv()), "re: first");
 * ```
 */
export class Context implements AsyncDisposable {
  readonly #inner: CoreContext;

  /** Wraps a socket's context (sockets' `openContext()` make them). */
  constructor(inner: CoreContext) {
    this.#inner = inner;
  }

  /** Sends on this context (a request, a reply, a survey or a response). */
  send(data: SpData): Promise<void> {
    return this.#inner.send(toBytes(data));
  }

  /** Receives on this context; resolves with the body. */
  recv(): Promise<Uint8Array> {
    return this.#inner.recv().then(body);
  }

  /** Receives with the pipe id the message came by. */
  recvMsg(): Promise<SpMessage> {
    return this.#inner.recv();
  }

  /** send() timeout, ms (-1 = none); defaults to the socket's. */
  get sendTimeout(): number | undefined {
    return this.#inner.sendTimeout;
  }
  set sendTimeout(value: number | undefined) {
    this.#inner.sendTimeout = value;
  }
  /** recv() timeout, ms (-1 = none); defaults to the socket's. */
  get recvTimeout(): number | undefined {
    return this.#inner.recvTimeout;
  }
  set recvTimeout(value: number | undefined) {
    this.#inner.recvTimeout = value;
  }

  /** Closes the context: pending operations fail with ECLOSED. */
  close(): void {
    this.#inner.close();
  }

  /** `await using ctx = req.openContext()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
