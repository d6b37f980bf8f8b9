/**
 * SP targets: the length-prefixed frame decoder (tcp and ipc, wasm) against its reference twin,
 * the connection header, the backtrace (protocol header) splitter, and a whole session fed a
 * peer's header and messages.
 * @module
 */

import fc from "fast-check";
import { SpFrameDecoder, SpFrameEncoder } from "../../src/codec/sp.ts";
import { ReferenceSpFrameDecoder, ReferenceSpFrameEncoder } from "../../src/codec/_reference/sp.ts";
import { buildHeader, parseHeader } from "../../src/protocol/sp/header.ts";
import { splitBacktrace } from "../../src/protocol/sp/backtrace.ts";
import { SpSession } from "../../src/protocol/sp/session.ts";
import {
  applyMutations,
  assertEqual,
  bodies,
  checkBounded,
  checkStatus,
  concat,
  type FuzzTarget,
  hex,
  mutatedProperty,
  noThrow,
  split,
  validProperty,
} from "./_harness.ts";

interface Message {
  readonly header: Uint8Array;
  readonly body: Uint8Array;
}

interface Stream {
  readonly ipc: boolean;
  readonly messages: Message[];
}

const body = bodies([250, 600], [4000, 70_000]);

/** A backtrace: 0..3 hop words, then a request id (high bit set). */
const backtrace = fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 3 }).chain((
  hops,
) =>
  fc.integer({ min: 0, max: 0x7fffffff }).map((id) => {
    const out = new Uint8Array(4 * hops.length + 4);
    const view = new DataView(out.buffer);
    hops.forEach((h, i) => view.setUint32(4 * i, h));
    view.setUint32(4 * hops.length, (id | 0x80000000) >>> 0);
    return out;
  })
);

const stream: fc.Arbitrary<Stream> = fc.record({
  ipc: fc.boolean(),
  messages: fc.array(
    fc.record({
      header: fc.oneof(fc.constant(new Uint8Array(0)), backtrace),
      body,
    }),
    { maxLength: 10 },
  ),
});

function encode(s: Stream): Uint8Array {
  const enc = new ReferenceSpFrameEncoder({ ipc: s.ipc });
  for (const m of s.messages) enc.add(m.body, m.header.length > 0 ? m.header : undefined);
  const parts: Uint8Array[] = [];
  enc.flush((b) => parts.push(b.slice()));
  return concat(parts);
}

function decodeWith(
  dec: SpFrameDecoder | ReferenceSpFrameDecoder,
  chunks: readonly Uint8Array[],
  maxBody: number,
) {
  const out = { payloads: [] as string[], status: 0, pending: [] as number[], callbacks: 0 };
  const onMessage = (p: Uint8Array) => {
    out.callbacks++;
    if (p.length > maxBody) throw new Error(`a payload of ${p.length} bytes passed ${maxBody}`);
    out.payloads.push(hex(p));
  };
  for (const c of chunks) {
    noThrow(() => (out.status = dec.feed(c, onMessage)));
    checkStatus(out.status, "SP decoder");
    if (dec.pending > maxBody + 9) {
      throw new Error(`pending ${dec.pending} > maxBody ${maxBody} + 9`);
    }
    out.pending.push(out.status === 0 ? dec.pending : -1);
  }
  return out;
}

const maxBodies = fc.constantFrom(0, 40, 300, 4096, 65_536, 1 << 20);

const codecDifferential: FuzzTarget = {
  family: "sp",
  name: "sp.codec.differential",
  property: mutatedProperty(fc.tuple(stream, maxBodies), ([valid, maxBody]) => {
    const encoded = encode(valid);
    const ipc = valid.ipc;
    return (c) => {
      const bytes = applyMutations(encoded, c.mutations);
      const wasm = decodeWith(new SpFrameDecoder({ ipc, maxBody }), split(bytes, c.cuts), maxBody);
      const ref = decodeWith(
        new ReferenceSpFrameDecoder({ ipc, maxBody }),
        split(bytes, c.cuts),
        maxBody,
      );
      checkBounded(wasm.callbacks, bytes.length / 8, "SpFrameDecoder");
      assertEqual(wasm, ref, "wasm decoder vs reference twin");
    };
  }),
};

const codecSplit: FuzzTarget = {
  family: "sp",
  name: "sp.codec.split",
  property: validProperty(stream, (valid) => {
    const bytes = encode(valid);
    const enc = new SpFrameEncoder({ ipc: valid.ipc });
    for (const m of valid.messages) enc.add(m.body, m.header.length > 0 ? m.header : undefined);
    const written: Uint8Array[] = [];
    enc.flush((b) => written.push(b.slice()));
    assertEqual(hex(concat(written)), hex(bytes), "wasm encoder vs reference encoder");
    const max = 0xffffffff;
    const expected = valid.messages.map((m) => hex(concat([m.header, m.body])));
    const whole = decodeWith(new SpFrameDecoder({ ipc: valid.ipc }), [bytes.slice()], max);
    assertEqual(whole.payloads, expected, "unsplit decode vs the messages sent");
    return (c) => {
      const cut = decodeWith(new SpFrameDecoder({ ipc: valid.ipc }), split(bytes, c.cuts), max);
      assertEqual(cut.payloads, expected, "split decode vs the messages sent");
      assertEqual([cut.status, cut.pending.at(-1) ?? 0], [0, 0], "status and pending at the end");
    };
  }),
};

const headers: FuzzTarget = {
  family: "sp",
  name: "sp.headers",
  property: mutatedProperty(
    fc.tuple(
      fc.integer({ min: 0, max: 0xffff }),
      backtrace,
      body,
      fc.integer({ min: 0, max: 16 }),
    ),
    ([id, trace, payloadBody, maxTtl]) => {
      const validHeader = buildHeader(id);
      const validPayload = concat([trace, payloadBody]);
      return (c) => {
        const header = applyMutations(validHeader, c.mutations);
        const r = parseHeader(header);
        if (c.mutations.length === 0 && !(r.ok && r.protocolId === id)) {
          throw new Error(`header round trip: ${JSON.stringify(r)}`);
        }
        if (!r.ok && r.reason.length === 0) throw new Error("a refusal without a reason");
        const payload = applyMutations(validPayload, c.mutations);
        noThrow(() => {
          const s = splitBacktrace(payload, maxTtl);
          if (s.ok) {
            if (s.header.length + s.body.length !== payload.length || s.hops > maxTtl) {
              throw new Error(
                `backtrace split: ${s.header.length}+${s.body.length}, ${s.hops} hops`,
              );
            }
          } else if (s.error !== "garbage" && s.error !== "ttl") throw new Error(s.error);
        });
      };
    },
  ),
};

// ── Sessions ────────────────────────────────────────────────────────────────────────────────

interface Conversation extends Stream {
  readonly peerId: number;
  readonly recvMaxSize: number;
}

const conversation: fc.Arbitrary<Conversation> = fc.record({
  ipc: fc.boolean(),
  messages: stream.map((s) => s.messages),
  peerId: fc.constantFrom(0x30, 0x30, 0x31),
  recvMaxSize: fc.constantFrom(0, 64, 100_000),
});

/** The peer's side: its header, then the messages as the peer's session frames them. */
function record(c: Conversation): Uint8Array {
  const enc = new SpFrameEncoder({ ipc: c.ipc });
  for (const m of c.messages) enc.add(m.body, m.header.length > 0 ? m.header : undefined);
  const parts: Uint8Array[] = [buildHeader(c.peerId)];
  enc.flush((b) => parts.push(b.slice()));
  return concat(parts);
}

function replay(c: Conversation, chunks: readonly Uint8Array[], end?: number) {
  const events: string[] = [];
  let failed = false;
  const event = (e: string) => {
    if (failed) throw new Error(`an event after the error: ${e}`);
    events.push(e);
  };
  const s = new SpSession(
    {
      selfId: 0x31,
      peerId: 0x30,
      ipc: c.ipc,
      // 0 means no limit: keep a limit anyway so a huge length claim cannot allocate 4 GiB.
      recvMaxSize: c.recvMaxSize === 0 ? 1 << 20 : c.recvMaxSize,
    },
    {
      write: () => {},
      ready: (p) => event(`ready ${p.socketType}`),
      message: (f) => event(`msg ${f.map(hex).join(",")}`),
      subscription: () => event("subscription"),
      error: (e) => {
        if (!["EPROTO", "EMSGSIZE", "ETIMEDOUT"].includes(e.code) || e.reason.length === 0) {
          throw new Error(`an unnamed error: ${JSON.stringify(e)}`);
        }
        event(`error ${e.code}`);
        failed = true;
      },
    },
  );
  s.start(0);
  for (const chunk of chunks) noThrow(() => s.feed(chunk, 1));
  if (end !== undefined) {
    noThrow(() => s.tick(end));
    if (!s.ready && !failed) throw new Error("neither ready nor failed after the timeout");
  }
  return events;
}

const sessionMutated: FuzzTarget = {
  family: "sp",
  name: "sp.session.mutated",
  property: mutatedProperty(conversation, (valid) => {
    const recorded = record(valid);
    return (c) => {
      const bytes = applyMutations(recorded, c.mutations);
      const events = replay(valid, split(bytes, c.cuts), 1e9);
      checkBounded(events.length, bytes.length / 8, "SpSession");
    };
  }),
};

const sessionSplit: FuzzTarget = {
  family: "sp",
  name: "sp.session.split",
  property: validProperty(conversation, (valid) => {
    const bytes = record(valid);
    const whole = replay(valid, [bytes.slice()]);
    if (valid.peerId === 0x30 && whole[0] !== "ready req") {
      throw new Error(`a valid conversation did not reach ready: ${whole[0]}`);
    }
    return (c) => {
      const cut = replay(valid, split(bytes, c.cuts));
      assertEqual(cut, whole, "split session events vs unsplit");
    };
  }),
};

/** Every SP target. */
export const spTargets: readonly FuzzTarget[] = [
  codecDifferential,
  codecSplit,
  headers,
  sessionMutated,
  sessionSplit,
];
