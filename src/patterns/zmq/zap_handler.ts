/**
 * ZAP over `inproc://zeromq.zap.01` (RFC 27), for code coming from libzmq: a server socket
 * without an `authenticate` callback asks a handler bound there ({@link askZapHandler}); the
 * frame layouts both sides use. `zap_serve.ts` is a handler answering with a callback.
 *
 * Request: `[""] "1.0" request-id domain address identity mechanism credentials…`; reply:
 * `[""] "1.0" request-id status-code status-text user-id metadata`. As in libzmq, each
 * connection's question travels on its own inproc connection (libzmq's sessions each open a
 * pipe to the handler), and the identity frame is the *local* socket's routing id.
 * @module
 */

import { parseEndpoint } from "../../core/endpoint.ts";
import type { Message } from "../../core/pipe.ts";
import {
  checkZapReply,
  encodeMetadata,
  metadataSize,
  parseMetadata,
  type ZapReply,
  type ZapRequest,
  ZmtpSession,
} from "../../protocol/zmtp/mod.ts";
import type { ByteStream, TransportRegistry } from "../../transport/types.ts";

/** Where RFC 27 handlers bind. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const EMPTY = new Uint8Array(0);
let nextRequestId = 1;

/**
 * The request frames after the delimiter: version, id, domain, address, identity, mechanism,
 * credentials.
 *
 * @example
 * ```ts
 * import { zapRequestFrames } from "./zap_handler.ts";
 * import assert from "node:assert/strict";
 * const frames = zapRequestFrames({
 *   domain: "global", address: "127.0.0.1", routingId: new Uint8Array(0),
 *   mechanism: "NULL", credentials: [],
 * }, "7");
 * assert.deepEqual(frames.map((f) => new TextDecoder().decode(f)), ["1.0", "7", "global", "127.0.0.1", "", "NULL"]);
 * ```
 */
export function zapRequestFrames(request: ZapRequest, requestId: string): Uint8Array[] {
  return [
    utf8.encode("1.0"),
    utf8.encode(requestId),
    utf8.encode(request.domain),
    utf8.encode(request.address),
    request.routingId,
    utf8.encode(request.mechanism),
    ...request.credentials,
  ];
}

/**
 * Reads a handler's reply frames (after the delimiter); a string says what is wrong with it.
 *
 * @example
 * ```ts
 * import { parseZapReply } from "./zap_handler.ts";
 * import assert from "node:assert/strict";
 * const te = new TextEncoder();
 * const frames = ["1.0", "7", "200", "OK", "ann", ""].map((s) => te.encode(s));
 * assert.deepEqual(parseZapReply(frames, "7"), { status: 200, statusText: "OK", userId: "ann", metadata: new Map() });
 * ```
 */
export function parseZapReply(frames: readonly Uint8Array[], requestId: string): ZapReply | string {
  if (frames.length !== 6) return `expected 6 frames after the delimiter, got ${frames.length}`;
  const [version, id, status, statusText, userId, metadata] = frames;
  if (text.decode(version) !== "1.0") {
    return `expected version "1.0", got "${text.decode(version)}"`;
  }
  if (text.decode(id) !== requestId) {
    return `expected request id "${requestId}", got "${text.decode(id)}"`;
  }
  const props = parseMetadata(metadata!);
  if (!props.ok) return `bad metadata frame: ${props.reason}`;
  const reply = checkZapReply({
    status: Number(text.decode(status)),
    statusText: text.decode(statusText),
    userId: text.decode(userId),
    metadata: props.properties,
  });
  return typeof reply === "string" ? `status code: ${reply}` : reply;
}

/**
 * Asks the RFC 27 handler bound at `inproc://zeromq.zap.01` in `transports`; resolves
 * `undefined` when none is bound there, and 500 when it answers wrongly, hangs up, or says
 * nothing within `timeoutMs` (0 = wait as long as it takes).
 *
 * @example
 * ```ts
 * import { askZapHandler } from "./zap_handler.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import { InprocNamespace, InprocTransport } from "../../transport/inproc/inproc.ts";
 * import assert from "node:assert/strict";
 * const transports = createRegistry([new InprocTransport(new InprocNamespace())]);
 * const request = {
 *   domain: "", address: "127.0.0.1", routingId: new Uint8Array(0), mechanism: "NULL", credentials: [],
 * };
 * assert.equal(await askZapHandler(transports, request, 1000), undefined); // nobody bound
 * ```
 */
export async function askZapHandler(
  transports: TransportRegistry,
  request: ZapRequest,
  timeoutMs: number,
): Promise<ZapReply | undefined> {
  const inproc = transports.get("inproc");
  if (inproc === undefined) return undefined;
  let stream: ByteStream;
  try {
    stream = await inproc.dial(parseEndpoint(ZAP_ENDPOINT));
  } catch {
    return undefined; // nothing bound: no handler
  }
  const requestId = String(nextRequestId++);
  return await new Promise<ZapReply>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const done = (reply: ZapReply) => {
      if (settled) return;
      settled = true; // before close(): closing calls `end` again
      clearTimeout(timer);
      resolve(reply);
      stream.close(0);
    };
    const fail = (why: string) =>
      done({ status: 500, statusText: `the ZAP handler at ${ZAP_ENDPOINT} ${why}` });
    const session = new ZmtpSession({ socketType: "DEALER", asServer: false }, {
      write: (bytes) => stream.write(bytes),
      ready: () => {},
      message: (frames) => {
        const reply = frames[0]?.length === 0
          ? parseZapReply(frames.slice(1), requestId)
          : "expected an empty delimiter frame first";
        if (typeof reply === "string") fail(`answered wrongly: ${reply}`);
        else done(reply);
      },
      subscription: () => {},
      error: (error) => fail(`failed: ${error.reason}`),
    });
    if (timeoutMs > 0) {
      timer = setTimeout(() => fail(`gave no answer within ${timeoutMs} ms`), timeoutMs);
    }
    stream.start({
      data: (chunk) => session.feed(chunk, performance.now()),
      drain: () => {},
      end: () => fail("closed the connection"),
    });
    session.start(performance.now());
    session.send([EMPTY, ...zapRequestFrames(request, requestId)]);
    session.flush();
  });
}

/**
 * A request as a handler reads it: `[routing id, "", "1.0", request id, domain, address,
 * identity, mechanism, credentials…]` → the request and its id; a string says what is wrong.
 *
 * @example
 * ```ts
 * import { readZapRequest, zapRequestFrames } from "./zap_handler.ts";
 * import assert from "node:assert/strict";
 * const request = { domain: "", address: "::1", routingId: new Uint8Array(0), mechanism: "NULL", credentials: [] };
 * const read = readZapRequest([new Uint8Array([1]), new Uint8Array(0), ...zapRequestFrames(request, "9")]);
 * assert.ok(typeof read !== "string" && read.request.address === "::1");
 * ```
 */
export function readZapRequest(frames: Message): { id: Uint8Array; request: ZapRequest } | string {
  // [routing id, "", "1.0", request id, domain, address, identity, mechanism, credentials…]
  if (frames.length < 8 || frames[1]!.length !== 0) return "expected [id, '', '1.0', …] frames";
  if (text.decode(frames[2]) !== "1.0") {
    return `unsupported ZAP version "${text.decode(frames[2])}"`;
  }
  return {
    id: frames[3]!,
    request: {
      domain: text.decode(frames[4]),
      address: text.decode(frames[5]),
      routingId: frames[6]!,
      mechanism: text.decode(frames[7]),
      credentials: frames.slice(8),
    },
  };
}

/**
 * A reply's frames after the request id: status code, status text, user id, metadata.
 *
 * @example
 * ```ts
 * import { zapReplyFrames } from "./zap_handler.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(zapReplyFrames({ status: 400 })[0]), "400");
 * ```
 */
export function zapReplyFrames(reply: ZapReply): Uint8Array[] {
  const props = [...(reply.metadata ?? new Map<string, Uint8Array>())];
  const metadata = new Uint8Array(metadataSize(props));
  encodeMetadata(props, metadata, 0);
  return [
    utf8.encode(String(reply.status)),
    utf8.encode(reply.statusText ?? (reply.status === 200 ? "OK" : "")),
    utf8.encode(reply.userId ?? ""),
    metadata,
  ];
}
