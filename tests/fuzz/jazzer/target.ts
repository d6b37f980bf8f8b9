/**
 * A coverage-guided fuzz target for Jazzer.js (libFuzzer on Node) over the runtime-free
 * decoders: libFuzzer's bytes pick a decoder and a chunk size, then feed it; a broken invariant
 * throws, which Jazzer reports as a finding with the input saved. Coverage is of the JS only
 * (the wasm cores are opaque to it), so the targets here are the JS state machines and parsers,
 * with the wasm decoders checked against their JS reference twins.
 *
 * Bundled to CommonJS with esbuild and run by `node tools/jazzer.mjs` (see bench/README.md,
 * "Fuzzing"); not part of the test suite (Jazzer.js needs Node and a native addon).
 * @module
 */

import { ZmtpFrameDecoder } from "../../../src/codec/zmtp.ts";
import { ReferenceZmtpFrameDecoder } from "../../../src/codec/_reference/zmtp.ts";
import { SpFrameDecoder } from "../../../src/codec/sp.ts";
import { ReferenceSpFrameDecoder } from "../../../src/codec/_reference/sp.ts";
import { PomeloDecoder } from "../../../src/codec/pomelo.ts";
import { ReferencePomeloDecoder } from "../../../src/codec/_reference/pomelo.ts";
import { buildGreeting } from "../../../src/protocol/zmtp/greeting.ts";
import { readyCommand } from "../../../src/protocol/zmtp/command.ts";
import { ZmtpSession } from "../../../src/protocol/zmtp/session.ts";
import { PomeloServerSession } from "../../../src/protocol/pomelo/session.ts";
import { FrameDecoder } from "../../../src/transport/ws/frame.ts";
import { headLength, parseRequestHead } from "../../../src/transport/ws/http.ts";
import { checkRequest } from "../../../src/transport/ws/handshake.ts";

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

function same(a: unknown, b: unknown, what: string): void {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${what}: ${x.slice(0, 300)} vs ${y.slice(0, 300)}`);
}

const list = (b: Uint8Array) => Array.from(b.subarray(0, 64)).join(".") + `/${b.length}`;

function zmtpCodec(input: Uint8Array, size: number): void {
  const run = (dec: ZmtpFrameDecoder | ReferenceZmtpFrameDecoder) => {
    const got: string[] = [];
    let status = 0;
    for (const c of chunks(input, size)) {
      status = dec.feed(c, (f, b) => got.push(`${f}:${list(b)}`));
    }
    return { got, status };
  };
  same(
    run(new ZmtpFrameDecoder({ maxBody: 4096 })),
    run(new ReferenceZmtpFrameDecoder({ maxBody: 4096 })),
    "zmtp",
  );
}

const PEER = (() => {
  const g = buildGreeting({});
  const ready = readyCommand([["Socket-Type", new TextEncoder().encode("DEALER")]]);
  const out = new Uint8Array(g.length + 2 + ready.length);
  out.set(g);
  out.set([4, ready.length], g.length);
  out.set(ready, g.length + 2);
  return out;
})();

function zmtpSession(input: Uint8Array, size: number, prefix: boolean): void {
  let closed = false;
  const s = new ZmtpSession({ socketType: "ROUTER", asServer: true, maxMessageSize: 4096 }, {
    write: () => {},
    ready: () => {},
    message: () => {
      if (closed) throw new Error("message after error");
    },
    subscription: () => {},
    error: (e) => {
      if (closed || !e.reason) throw new Error("second or unnamed error");
      closed = true;
    },
  });
  s.start(0);
  const bytes = prefix ? new Uint8Array([...PEER, ...input]) : input;
  for (const c of chunks(bytes, size)) s.feed(c, 1);
  s.tick(1e9);
  if (!s.isClosed && !s.isReady) throw new Error("zmtp session neither ready nor closed");
}

function spCodec(input: Uint8Array, size: number, ipc: boolean): void {
  const run = (dec: SpFrameDecoder | ReferenceSpFrameDecoder) => {
    const got: string[] = [];
    let status = 0;
    for (const c of chunks(input, size)) status = dec.feed(c, (b) => got.push(list(b)));
    return { got, status };
  };
  same(
    run(new SpFrameDecoder({ ipc, maxBody: 4096 })),
    run(new ReferenceSpFrameDecoder({ ipc, maxBody: 4096 })),
    "sp",
  );
}

function pomelo(input: Uint8Array, size: number): void {
  const run = (dec: PomeloDecoder | ReferencePomeloDecoder) => {
    const got: string[] = [];
    let status = 0;
    const sink = {
      packet: (t: number, b: Uint8Array) => got.push(`p${t}:${list(b)}`),
      message: (m: { type: number; id: number; route: string; body: Uint8Array }) =>
        got.push(`m${m.type}:${m.id}:${m.route}:${list(m.body)}`),
    };
    for (const c of chunks(input, size)) status = dec.feed(c, sink);
    return { got, status };
  };
  same(
    run(new PomeloDecoder({ maxBody: 4096 })),
    run(new ReferencePomeloDecoder({ maxBody: 4096 })),
    "pomelo",
  );
  let closes = 0;
  const s = new PomeloServerSession(
    { write: () => {}, message: () => {}, close: () => void closes++ },
    { now: 0, heartbeatInterval: 1000 },
  );
  for (const c of chunks(input, size)) s.feed(c, 1);
  s.tick(1e9);
  if (closes !== 1) throw new Error(`pomelo session closed ${closes} times`);
}

function ws(input: Uint8Array, size: number, masked: boolean): void {
  let over = false;
  const event = () => {
    if (over) throw new Error("ws event after error or close");
  };
  const dec = new FrameDecoder({
    message: event,
    ping: event,
    pong: event,
    close: () => {
      event();
      over = true;
    },
    error: (code) => {
      event();
      if (![1002, 1003, 1007, 1009].includes(code)) throw new Error(`ws error ${code}`);
      over = true;
    },
  }, { expectMasked: masked, maxMessageSize: 4096 });
  for (const c of chunks(input, size)) dec.feed(c);
  const n = headLength(input);
  if (n >= 0) {
    const head = parseRequestHead(input.subarray(0, n));
    if (typeof head !== "string") checkRequest(head);
  }
}

/** The Jazzer.js entry point: byte 0 picks the decoder, byte 1 the chunk size. */
export function fuzz(data: Uint8Array): void {
  if (data.length < 2) return;
  const pick = data[0]! % 7;
  const size = (data[1]! % 64) + 1;
  const input = data.subarray(2);
  if (pick === 0) zmtpCodec(input, size);
  else if (pick === 1 || pick === 2) zmtpSession(input, size, pick === 2);
  else if (pick === 3) spCodec(input, size, (data[1]! & 0x80) !== 0);
  else if (pick === 4) pomelo(input, size);
  else ws(input, size, pick === 5);
}
