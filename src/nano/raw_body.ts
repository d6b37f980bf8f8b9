/**
 * Bodies that are already serialized, and handlers that take the client's body bytes as they
 * came: how a clustered gate passes messages through without decoding or re-encoding them.
 * @module
 */

import type { BodyKind } from "./serializer.ts";
import type { Session } from "./session.ts";

/**
 * A response or push body already serialized (by another node's serializer): the connection
 * sends these bytes as the body instead of serializing a value.
 */
export class RawBody {
  /** The body bytes. */
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/** Marks a handler that wants the undecoded body (see {@link rawHandler}). */
const RAW = Symbol("weft.rawHandler");

/** A handler that gets the body bytes and the message kind instead of a decoded payload. */
export type RawHandler = (session: Session, body: Uint8Array, kind: BodyKind) => unknown;

/** Marks `fn` so connections pass it the body bytes undecoded. */
export function rawHandler(fn: RawHandler): RawHandler {
  (fn as RawHandler & { [RAW]?: true })[RAW] = true;
  return fn;
}

/** Whether `fn` was made by {@link rawHandler}. */
export function isRawHandler(fn: unknown): fn is RawHandler {
  return typeof fn === "function" && (fn as { [RAW]?: true })[RAW] === true;
}
