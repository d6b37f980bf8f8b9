/**
 * ZMTP targets: the frame decoder (wasm) against its reference twin, the greeting check, the
 * command parsers, and a whole session fed a peer's recorded conversation.
 * @module
 */

import fc from "fast-check";
import { ZmtpFlag, ZmtpFrameDecoder, ZmtpFrameEncoder } from "../../src/codec/zmtp.ts";
import {
  ReferenceZmtpFrameDecoder,
  ReferenceZmtpFrameEncoder,
} from "../../src/codec/_reference/zmtp.ts";
import { buildGreeting, checkGreeting, GREETING_SIZE } from "../../src/protocol/zmtp/greeting.ts";
import {
  encodeCommand,
  errorCommand,
  parseCommand,
  parseError,
  parsePing,
  parseReady,
  pingCommand,
  readyCommand,
  subscriptionCommand,
} from "../../src/protocol/zmtp/command.ts";
import { ZmtpSession, type ZmtpSessionOptions } from "../../src/protocol/zmtp/session.ts";
import type { SocketType } from "../../src/protocol/zmtp/socket_type.ts";
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

interface Frame {
  readonly flags: number;
  readonly body: Uint8Array;
}

/** Bodies: mostly short, some over 255 (LONG form), a few past the decoder's 4 KiB window. */
const body = bodies([250, 600], [4000, 70_000]);

const frames: fc.Arbitrary<Frame[]> = fc.array(
  fc.record({ flags: fc.constantFrom(0, ZmtpFlag.MORE, ZmtpFlag.COMMAND), body }),
  { maxLength: 12 },
);

function encodeFrames(list: readonly Frame[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const ref = new ReferenceZmtpFrameEncoder();
  for (const f of list) ref.add(f.body, f.flags);
  ref.flush((b) => parts.push(b.slice()));
  return concat(parts);
}

interface Decoded {
  frames: string[];
  status: number;
  pending: number[];
  callbacks: number;
}

function decodeWith(
  dec: ZmtpFrameDecoder | ReferenceZmtpFrameDecoder,
  chunks: readonly Uint8Array[],
  maxBody: number,
): Decoded {
  const out: Decoded = { frames: [], status: 0, pending: [], callbacks: 0 };
  const onFrame = (flags: number, b: Uint8Array) => {
    out.callbacks++;
    if (b.length > maxBody) {
      throw new Error(`a frame of ${b.length} bytes passed maxBody ${maxBody}`);
    }
    out.frames.push(`${flags}:${hex(b)}`);
  };
  for (const c of chunks) {
    noThrow(() => (out.status = dec.feed(c, onFrame)));
    checkStatus(out.status, "ZMTP decoder");
    // Held bytes: a partial header (< 9) or the received part of one body (< maxBody).
    if (dec.pending > maxBody + 9) {
      throw new Error(`pending ${dec.pending} > maxBody ${maxBody} + 9`);
    }
    out.pending.push(out.status === 0 ? dec.pending : -1);
  }
  return out;
}

const maxBodies = fc.constantFrom(0, 40, 255, 300, 4096, 65_536, 1 << 20);

const codecDifferential: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.codec.differential",
  property: mutatedProperty(fc.tuple(frames, maxBodies), ([valid, maxBody]) => {
    const encoded = encodeFrames(valid);
    return (c) => {
      const bytes = applyMutations(encoded, c.mutations);
      const wasm = decodeWith(new ZmtpFrameDecoder({ maxBody }), split(bytes, c.cuts), maxBody);
      const ref = decodeWith(
        new ReferenceZmtpFrameDecoder({ maxBody }),
        split(bytes, c.cuts),
        maxBody,
      );
      checkBounded(wasm.callbacks, bytes.length / 2, "ZmtpFrameDecoder");
      assertEqual(wasm, ref, "wasm decoder vs reference twin");
    };
  }),
};

const codecSplit: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.codec.split",
  property: validProperty(frames, (valid) => {
    const bytes = encodeFrames(valid);
    // The wasm encoder writes what the reference encoder writes.
    const enc = new ZmtpFrameEncoder();
    for (const f of valid) enc.add(f.body, f.flags);
    const written: Uint8Array[] = [];
    enc.flush((b) => written.push(b.slice()));
    assertEqual(hex(concat(written)), hex(bytes), "wasm encoder vs reference encoder");
    const max = 0xffffffff;
    const whole = decodeWith(new ZmtpFrameDecoder(), [bytes.slice()], max);
    const expected = valid.map((f) => `${f.flags}:${hex(f.body)}`);
    assertEqual(whole.frames, expected, "unsplit decode vs the frames sent");
    return (c) => {
      const cut = decodeWith(new ZmtpFrameDecoder(), split(bytes, c.cuts), max);
      assertEqual(cut.frames, expected, "split decode vs the frames sent");
      assertEqual([cut.status, cut.pending.at(-1) ?? 0], [0, 0], "status and pending at the end");
    };
  }),
};

const greeting: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.greeting",
  property: mutatedProperty(
    fc.tuple(
      fc.record({
        minor: fc.constantFrom(0, 1),
        mechanism: fc.constantFrom("NULL", "PLAIN", "CURVE"),
        asServer: fc.boolean(),
      }),
      fc.constantFrom("NULL", "PLAIN"),
    ),
    ([valid, ours]) => {
      const greeting = buildGreeting(valid);
      return (c) => {
        const bytes = applyMutations(greeting, c.mutations).subarray(0, GREETING_SIZE);
        // Checked on growing prefixes, as the session does: a refusal never turns into a pass.
        let refused: string | undefined;
        let have = 0;
        for (const chunk of split(bytes, c.cuts)) {
          have += chunk.length;
          const r = checkGreeting(bytes.subarray(0, have), ours);
          if (refused !== undefined) assertEqual(r, { ok: false, reason: refused }, "refusal kept");
          if (r.ok === false) refused = r.reason;
          else if (r.ok === "partial" && have >= GREETING_SIZE) throw new Error("partial at 64");
          else if (r.ok === true && have < GREETING_SIZE) throw new Error("ok before 64 octets");
        }
      };
    },
  ),
};

const commandName = fc.constantFrom("READY", "PING", "PONG", "ERROR", "SUBSCRIBE", "CANCEL", "X");
const props = fc.array(
  fc.tuple(
    fc.constantFrom("Socket-Type", "Identity", "X-A", "Resource"),
    fc.uint8Array({ maxLength: 20 }),
  ),
  { maxLength: 4 },
);

const commands: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.commands",
  property: mutatedProperty(
    fc.record({
      name: commandName,
      props,
      data: fc.uint8Array({ maxLength: 40 }),
      ttl: fc.integer({ min: 0, max: 0xffff }),
    }),
    (v) => {
      const valid = v.name === "READY"
        ? readyCommand(v.props)
        : v.name === "PING"
        ? pingCommand(v.ttl, v.data.subarray(0, 16))
        : v.name === "ERROR"
        ? errorCommand(String.fromCharCode(...v.data))
        : v.name === "SUBSCRIBE" || v.name === "CANCEL"
        ? subscriptionCommand(v.data, v.name === "SUBSCRIBE")
        : encodeCommand(v.name, v.data);
      const cmd = parseCommand(valid);
      if (cmd?.name !== v.name) throw new Error(`round trip: ${cmd?.name} for ${v.name}`);
      if (v.name === "READY") {
        const r = parseReady(cmd.data);
        if (!r.ok) throw new Error(`READY round trip: ${r.reason}`);
      }
      return (c) => {
        const bytes = applyMutations(valid, c.mutations);
        noThrow(() => {
          const cmd = parseCommand(bytes);
          if (cmd === null) return;
          if (cmd.data.length > bytes.length) throw new Error("command data past the body");
          const ping = parsePing(cmd.data);
          if (ping.context.length > 16 || ping.ttlDeciseconds > 0xffff) {
            throw new Error("PING context over 16 octets or TTL over u16");
          }
          const e = parseError(cmd.data);
          if (e !== null && e.length > 255) throw new Error("ERROR reason over 255");
          const r = parseReady(cmd.data);
          if (r.ok) {
            for (const value of r.properties.values()) {
              if (value.length > cmd.data.length) throw new Error("property past the body");
            }
          } else if (typeof r.reason !== "string") throw new Error("no reason");
        });
      };
    },
  ),
};

// ── Sessions ────────────────────────────────────────────────────────────────────────────────

const PAIRS: ReadonlyArray<readonly [SocketType, SocketType]> = [
  ["ROUTER", "DEALER"],
  ["DEALER", "ROUTER"],
  ["PUB", "SUB"],
  ["XPUB", "XSUB"],
  ["SUB", "PUB"],
  ["REP", "REQ"],
  ["PULL", "PUSH"],
  ["PAIR", "PAIR"],
];

type Action =
  | { readonly kind: "send"; readonly frames: Uint8Array[] }
  | { readonly kind: "subscribe"; readonly topic: Uint8Array; readonly on: boolean }
  | { readonly kind: "ping" };

interface Conversation {
  readonly pair: number;
  readonly identity: Uint8Array;
  readonly maxMessageSize: number;
  readonly actions: Action[];
}

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("send" as const),
      frames: fc.array(body, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("subscribe" as const),
      topic: fc.uint8Array({ maxLength: 10 }),
      on: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "ping" as const }) },
);

const conversation: fc.Arbitrary<Conversation> = fc.record({
  pair: fc.nat({ max: PAIRS.length - 1 }),
  identity: fc.uint8Array({ maxLength: 255 }),
  maxMessageSize: fc.constantFrom(0, 64, 8192, 100_000),
  actions: fc.array(action, { maxLength: 8 }),
});

function victimOptions(c: Conversation): ZmtpSessionOptions {
  return { socketType: PAIRS[c.pair]![0], asServer: true, maxMessageSize: c.maxMessageSize };
}

interface Log {
  events: string[];
  writes: number;
}

function sink(log: Log, onWrite?: (b: Uint8Array) => void) {
  let closed = false;
  const event = (e: string) => {
    if (closed) throw new Error(`an event after the error: ${e}`);
    log.events.push(e);
  };
  return {
    write: (b: Uint8Array) => {
      log.writes++;
      onWrite?.(b);
    },
    ready: (p: { socketType: string; identity: Uint8Array }) =>
      event(`ready ${p.socketType} ${hex(p.identity)}`),
    message: (f: Uint8Array[]) => event(`msg ${f.map(hex).join(",")}`),
    subscription: (t: Uint8Array, on: boolean) => event(`sub ${on} ${hex(t)}`),
    error: (e: { code: string; reason: string }) => {
      if (!["EPROTO", "EMSGSIZE", "ETIMEDOUT"].includes(e.code) || e.reason.length === 0) {
        throw new Error(`an unnamed error: ${JSON.stringify(e)}`);
      }
      event(`error ${e.code}`);
      closed = true;
    },
  };
}

/** What the peer writes to a victim when both are real sessions on a synchronous loopback. */
function record(c: Conversation): Uint8Array {
  const [ours, theirs] = PAIRS[c.pair]!;
  const wire: Uint8Array[] = [];
  const dummy: Log = { events: [], writes: 0 };
  let now = 0;
  const victim: ZmtpSession = new ZmtpSession(
    victimOptions(c),
    sink(dummy, (b) => peer.feed(b, now)),
  );
  const peer: ZmtpSession = new ZmtpSession(
    {
      socketType: theirs,
      asServer: false,
      routingId: c.identity,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 0,
    },
    sink({ events: [], writes: 0 }, (b) => {
      wire.push(b.slice());
      victim.feed(b, now);
    }),
  );
  void ours;
  victim.start(0);
  peer.start(0);
  for (const a of c.actions) {
    if (a.kind === "send") peer.send(a.frames);
    else if (a.kind === "subscribe") peer.sendSubscription(a.topic, a.on);
    else peer.tick(now += 1000);
    peer.flush();
  }
  return concat(wire);
}

function replay(c: Conversation, chunks: readonly Uint8Array[]): Log {
  const log: Log = { events: [], writes: 0 };
  const s = new ZmtpSession(victimOptions(c), sink(log));
  s.start(0);
  for (const chunk of chunks) noThrow(() => s.feed(chunk, 1));
  return log;
}

const sessionMutated: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.session.mutated",
  weight: 0.6,
  property: mutatedProperty(conversation, (valid) => {
    const recorded = record(valid);
    return (c) => {
      const bytes = applyMutations(recorded, c.mutations);
      const log: Log = { events: [], writes: 0 };
      const s = new ZmtpSession(victimOptions(valid), sink(log));
      s.start(0);
      for (const chunk of split(bytes, c.cuts)) noThrow(() => s.feed(chunk, 1));
      // A handshake that never completes ends by the clock with a named reason.
      noThrow(() => s.tick(1e9));
      if (!s.isReady && !s.isClosed) throw new Error("neither ready nor closed after the timeout");
      checkBounded(log.events.length + log.writes, bytes.length, "ZmtpSession", 8);
    };
  }),
};

const sessionSplit: FuzzTarget = {
  family: "zmtp",
  name: "zmtp.session.split",
  weight: 0.6,
  property: validProperty(conversation, (valid) => {
    const bytes = record(valid);
    const whole = replay(valid, [bytes.slice()]);
    if (whole.events[0] === undefined || !whole.events[0].startsWith("ready")) {
      throw new Error(`a valid conversation did not reach ready: ${whole.events[0]}`);
    }
    return (c) => {
      const cut = replay(valid, split(bytes, c.cuts));
      assertEqual(cut.events, whole.events, "split session events vs unsplit");
    };
  }),
};

/** Every ZMTP target. */
export const zmtpTargets: readonly FuzzTarget[] = [
  codecDifferential,
  codecSplit,
  greeting,
  commands,
  sessionMutated,
  sessionSplit,
];
