/**
 * WebSocket targets: the frame decoder (both directions), the HTTP head parser and the upgrade
 * checks, and the server upgrade over a scripted byte stream (head, then frames, then the end).
 * @module
 */

import fc from "fast-check";
import { setImmediate } from "node:timers";
import { applyMask, encodeHeader, FrameDecoder, Opcode } from "../../src/transport/ws/frame.ts";
import {
  headLength,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
} from "../../src/transport/ws/http.ts";
import {
  acceptKey,
  checkRequest,
  checkResponse,
  clientRequest,
} from "../../src/transport/ws/handshake.ts";
import { upgradeServerStream } from "../../src/transport/ws/upgrade.ts";
import type { ByteStream, StreamHandler } from "../../src/transport/types.ts";
import { WeftError } from "../../src/core/errors.ts";
import {
  applyMutations,
  assertEqual,
  asyncMutatedProperty,
  bodies,
  checkBounded,
  concat,
  type FuzzTarget,
  hex,
  mutatedProperty,
  noThrow,
  split,
  validProperty,
} from "./_harness.ts";

const te = new TextEncoder();

type WsItem =
  | {
    readonly kind: "message";
    readonly text: boolean;
    readonly payload: Uint8Array;
    readonly fragments: number;
  }
  | { readonly kind: "ping" | "pong"; readonly payload: Uint8Array }
  | { readonly kind: "close"; readonly code: number; readonly reason: string };

const payload = bodies([120, 400], [65_000, 70_000], 0x7f);

const item: fc.Arbitrary<WsItem> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(
      fc.record({
        kind: fc.constant("message" as const),
        text: fc.constant(false),
        payload,
        fragments: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({
        kind: fc.constant("message" as const),
        text: fc.constant(true),
        payload: fc.string({ maxLength: 60, unit: "grapheme" }).map((s) => te.encode(s)),
        fragments: fc.integer({ min: 1, max: 3 }),
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("ping" as const, "pong" as const),
      payload: fc.uint8Array({ maxLength: 125 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("close" as const),
      code: fc.constantFrom(1000, 1001, 1008, 3000, 4999),
      reason: fc.string({ maxLength: 30 }).filter((s) => te.encode(s).length <= 120),
    }),
  },
);

interface Conversation {
  readonly masked: boolean;
  readonly items: WsItem[];
  readonly mask: number;
}

const conversation: fc.Arbitrary<Conversation> = fc.record({
  masked: fc.boolean(),
  items: fc.array(item, { maxLength: 8 }),
  mask: fc.integer({ min: 0, max: 0xffffffff }),
});

function frame(
  fin: boolean,
  opcode: number,
  data: Uint8Array,
  mask: number | undefined,
): Uint8Array {
  if (mask === undefined) return concat([encodeHeader(fin, opcode, data.length), data]);
  const key = Uint8Array.of(mask >>> 24, mask >>> 16, mask >>> 8, mask);
  const body = data.slice();
  applyMask(body, key, 0);
  return concat([encodeHeader(fin, opcode, data.length, key), body]);
}

/** The frames of `c`: fragmented messages, with control frames between messages. */
function encodeConversation(c: Conversation): Uint8Array {
  const mask = c.masked ? c.mask : undefined;
  const out: Uint8Array[] = [];
  for (const it of c.items) {
    if (it.kind === "message") {
      const n = it.fragments;
      const step = Math.ceil(it.payload.length / n) || 1;
      for (let i = 0; i < n; i++) {
        const part = it.payload.subarray(i * step, (i + 1) * step);
        const opcode = i === 0 ? (it.text ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION;
        out.push(frame(i === n - 1, opcode, part, mask));
      }
    } else if (it.kind === "close") {
      const reason = te.encode(it.reason);
      const data = concat([Uint8Array.of(it.code >> 8, it.code & 0xff), reason]);
      out.push(frame(true, Opcode.CLOSE, data, mask));
    } else {
      out.push(frame(true, it.kind === "ping" ? Opcode.PING : Opcode.PONG, it.payload, mask));
    }
  }
  return concat(out);
}

/** What the decoder should report for a valid conversation (nothing after a close frame). */
function expected(c: Conversation): string[] {
  const out: string[] = [];
  for (const it of c.items) {
    if (it.kind === "message") out.push(`message ${it.text} ${hex(it.payload)}`);
    else if (it.kind === "close") {
      out.push(`close ${it.code} ${it.reason}`);
      break;
    } else out.push(`${it.kind} ${hex(it.payload)}`);
  }
  return out;
}

const ERROR_CODES = new Set([1002, 1003, 1007, 1009]);

function decode(
  chunks: readonly Uint8Array[],
  options: { expectMasked: boolean; maxMessageSize: number; refuseText?: boolean },
) {
  const events: string[] = [];
  let over = false;
  const event = (e: string) => {
    if (over) throw new Error(`an event after the error or close: ${e}`);
    events.push(e);
  };
  const dec = new FrameDecoder({
    message: (p, text) => {
      if (p.length > options.maxMessageSize) {
        throw new Error(`a ${p.length}-byte message passed the limit`);
      }
      event(`message ${text} ${hex(p)}`);
    },
    ping: (p) => event(`ping ${hex(p)}`),
    pong: (p) => event(`pong ${hex(p)}`),
    close: (code, reason) => {
      event(`close ${code} ${reason}`);
      over = true;
    },
    error: (code, message) => {
      if (!ERROR_CODES.has(code) || message.length === 0) {
        throw new Error(`an unnamed error ${code}`);
      }
      event(`error ${code}`);
      over = true;
    },
  }, options);
  for (const chunk of chunks) noThrow(() => dec.feed(chunk));
  return events;
}

const framesMutated: FuzzTarget = {
  family: "ws",
  name: "ws.frames.mutated",
  property: mutatedProperty(
    fc.tuple(conversation, fc.constantFrom(0, 100, 70_000, 64 << 20), fc.boolean()),
    ([valid, maxMessageSize, refuseText]) => {
      const encoded = encodeConversation(valid);
      const options = { expectMasked: valid.masked, maxMessageSize, refuseText };
      return (c) => {
        const bytes = applyMutations(encoded, c.mutations);
        const events = decode(split(bytes, c.cuts), options);
        checkBounded(events.length, bytes.length / 2, "FrameDecoder");
      };
    },
  ),
};

const framesSplit: FuzzTarget = {
  family: "ws",
  name: "ws.frames.split",
  property: validProperty(conversation, (valid) => {
    const bytes = encodeConversation(valid);
    const options = { expectMasked: valid.masked, maxMessageSize: 64 << 20 };
    const whole = decode([bytes.slice()], options);
    assertEqual(whole, expected(valid), "unsplit decode vs the frames sent");
    return (c) => {
      const cut = decode(split(bytes, c.cuts), options);
      assertEqual(cut, whole, "split decode vs unsplit");
    };
  }),
};

// ── HTTP upgrade ──────────────────────────────────────────────────────────────────────────

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
/** The server's answer to {@link KEY} (computed once: it is asynchronous). */
const ACCEPT = await acceptKey(KEY);

interface Request {
  readonly path: string;
  readonly host: string;
  readonly protocols: string[];
}

const token = fc.stringMatching(/^[a-z0-9.]{1,12}$/);
const request: fc.Arbitrary<Request> = fc.record({
  path: fc.stringMatching(/^\/[a-z0-9/?=&]{0,20}$/),
  host: fc.stringMatching(/^[a-z0-9.]{1,15}(:[0-9]{1,5})?$/),
  protocols: fc.array(token, { maxLength: 3 }),
});

const http: FuzzTarget = {
  family: "ws",
  name: "ws.http",
  property: asyncMutatedProperty(fc.tuple(request, fc.boolean()), ([req, response]) => {
    const valid = response
      ? te.encode(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Accept: ${ACCEPT}\r\n` +
          (req.protocols[0] ? `Sec-WebSocket-Protocol: ${req.protocols[0]}\r\n` : "") +
          "\r\n",
      )
      : clientRequest({ ...req, key: KEY });
    return async (c) => {
      const bytes = applyMutations(valid, c.mutations);
      // The head end found chunk by chunk, as readHead scans, equals the one found at once.
      const whole = headLength(bytes);
      let scanned = 0;
      let found = -1;
      for (const chunk of split(bytes, c.cuts)) {
        const have = scanned + chunk.length;
        const from = Math.max(0, scanned - 3);
        const at = headLength(bytes.subarray(from, have));
        if (at >= 0) {
          found = from + at;
          break;
        }
        scanned = have;
      }
      assertEqual(found, whole, "headLength chunk by chunk vs at once");
      if (whole < 0) return;
      const head = bytes.subarray(0, whole);
      if (response) {
        const r = parseResponseHead(head);
        if (typeof r === "string") return;
        const problem = await checkResponse(r, KEY, req.protocols);
        if (c.mutations.length === 0 && problem !== undefined) throw new Error(problem);
      } else {
        const r = parseRequestHead(head);
        if (typeof r === "string") {
          if (c.mutations.length === 0) throw new Error(`a valid request refused: ${r}`);
          return;
        }
        const v = checkRequest(r);
        if (c.mutations.length === 0) {
          assertEqual(v, { kind: "upgrade", key: KEY, offered: req.protocols }, "verdict");
          assertEqual(r.path, req.path.split(/[?#]/)[0], "path");
        }
        if (v.kind === "refuse" && (v.status !== 400 || v.message.length === 0)) {
          throw new Error(`an unnamed refusal: ${JSON.stringify(v)}`);
        }
      }
    };
  }),
};

/** A byte stream that plays scripted chunks, then ends; it records what is written to it. */
class ScriptedStream implements ByteStream {
  readonly localAddress = "tcp://127.0.0.1:1";
  readonly remoteAddress = "tcp://127.0.0.1:2";
  readonly closed: Promise<void> = Promise.resolve();
  handler: StreamHandler | undefined;
  written: Uint8Array[] = [];
  closes = 0;
  start(handler: StreamHandler): void {
    this.handler = handler;
  }
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    return true;
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    this.closes++;
  }
}

/** One macrotask turn (setImmediate: a timer of 0 would wait a millisecond). */
const tick = () => new Promise<void>((r) => setImmediate(r));

const upgrade: FuzzTarget = {
  family: "ws",
  name: "ws.upgrade",
  weight: 0.3,
  property: asyncMutatedProperty(
    fc.tuple(request, conversation, fc.constantFrom(64, 512, MAX_HEAD_BYTES)),
    ([req, conv, maxHeadBytes]) => {
      const valid = concat([
        clientRequest({ ...req, key: KEY }),
        encodeConversation({ ...conv, masked: true }),
      ]);
      return async (c) => {
        const bytes = applyMutations(valid, c.mutations);
        const raw = new ScriptedStream();
        const pending = upgradeServerStream(raw, {
          route: () => ({ maxMessageSize: 100_000 }),
          maxHeadBytes,
        });
        for (const chunk of split(bytes, c.cuts)) {
          raw.handler!.data(chunk);
          await Promise.resolve();
        }
        raw.handler!.end();
        let result: unknown;
        try {
          result = await pending;
        } catch (e) {
          if (!(e instanceof WeftError) || e.code !== "EPROTO") throw e;
          const answer = new TextDecoder().decode(raw.written[0] ?? new Uint8Array(0));
          if (!/^HTTP\/1\.1 (400|404|431) /.test(answer) && !/ended during/.test(e.message)) {
            throw new Error(
              `a refusal without an HTTP answer: ${e.message} / ${answer.slice(0, 40)}`,
            );
          }
          return;
        }
        if (result === undefined) throw new Error("no onRequest, yet no refusal");
        const ws = result as ByteStream;
        let ended = 0;
        ws.start({ data: () => {}, drain: () => {}, end: () => void ended++ });
        await tick();
        if (ended !== 1) {
          throw new Error(`the WebSocket ended ${ended} times after the stream ended`);
        }
      };
    },
  ),
};

/** Every WebSocket target. */
export const wsTargets: readonly FuzzTarget[] = [framesMutated, framesSplit, http, upgrade];
