/**
 * The envelope of every cluster message: a small JSON header (route, session, ids…) and the
 * payload bytes exactly as the client or the serializer produced them, side by side:
 *
 *     u32 header length (big-endian) | header (UTF-8 JSON) | body bytes
 *
 * The body is never parsed or re-serialized on the way through: a gate forwards the request
 * body it got from the client, and the backend's serialized response or push goes to the
 * client as it is (protobuf bodies included). Only the header, tens of bytes, is JSON.
 * @module
 */

import { WeftError } from "../../core/errors.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** Packs a header object and body bytes into one message. */
export function pack(header: object, body: Uint8Array = EMPTY): Uint8Array {
  const h = te.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + h.length + body.length);
  new DataView(out.buffer).setUint32(0, h.length);
  out.set(h, 4);
  out.set(body, 4 + h.length);
  return out;
}

/**
 * Splits a message made by {@link pack}. Throws `WeftError("EPROTO")` when it is not one (the
 * caller drops that message and logs it).
 */
export function unpack<H>(bytes: Uint8Array): { header: H; body: Uint8Array } {
  if (bytes.length < 4) throw new WeftError("EPROTO", `cluster envelope: ${bytes.length} bytes`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + n > bytes.length) {
    throw new WeftError("EPROTO", `cluster envelope: header of ${n} bytes in ${bytes.length}`);
  }
  let header: H;
  try {
    header = JSON.parse(td.decode(bytes.subarray(4, 4 + n)));
  } catch (e) {
    throw new WeftError("EPROTO", `cluster envelope: bad header: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null) {
    throw new WeftError("EPROTO", "cluster envelope: the header is not an object");
  }
  return { header, body: bytes.subarray(4 + n) };
}

/** A session as it travels with a forwarded message (from its gate). */
export interface SessionHeader {
  /** The gate's node id. */
  readonly g: string;
  /** The session id on that gate. */
  readonly i: number;
  /** The bound uid. */
  readonly u?: string | number;
  /** The state (`session.state()`), when not empty. */
  readonly s?: Record<string, unknown>;
  /** The client's address and transport. */
  readonly a: string;
  readonly t: string;
}

/** A request to a node: a forwarded client message or an RPC. */
export interface RequestHeader {
  /** "r" client request, "n" client notify, "c" RPC call, "cn" RPC notify. */
  readonly k: "r" | "n" | "c" | "cn";
  /** The route as the target node registers it. */
  readonly r: string;
  /** The client session (client messages; RPCs made with a session). */
  readonly s?: SessionHeader;
}

/** The answer to a request. */
export interface ReplyHeader {
  /** An error body, when the handler failed (the body bytes are then empty). */
  readonly e?: { code: number; message: string; data?: unknown };
  /** The session state after the handler, when it changed. */
  readonly s?: Record<string, unknown>;
}

/** An operation on a gate's sessions. */
export interface GateOpHeader {
  readonly op: "push" | "write" | "kick" | "close" | "bind" | "unbind" | "state" | "group";
  /** The session id (for `group`: `ids`). */
  readonly i?: number;
  readonly ids?: number[];
  readonly r?: string;
  readonly u?: string | number;
  readonly why?: string;
  readonly s?: Record<string, unknown>;
}

/** A session event, from its gate to every node. */
export interface SessionEventHeader {
  readonly ev: "bound" | "closed";
  readonly g: string;
  readonly i: number;
  readonly u?: string | number;
  readonly why?: string;
}

/** An operation on users, from any node to every gate. */
export interface UsersOpHeader {
  readonly op: "push" | "kick";
  readonly uids: (string | number)[];
  readonly r?: string;
  readonly why?: string;
  /** The node that sent it (it already served its own sessions). */
  readonly from: string;
}

/** A node's announcement. */
export interface AnnounceHeader {
  readonly id: string;
  readonly type: string;
  readonly fe: boolean;
}
