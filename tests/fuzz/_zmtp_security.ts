/**
 * ZMTP security handshakes under fuzzing: PLAIN and CURVE conversations recorded between two
 * real sessions on a synchronous loopback (CURVE with a seeded random source on both sides, so
 * a replayed victim draws the same transient keys, cookie key and nonces and the recorded
 * peer's boxes still open for it), then mutated and cut at random byte boundaries and fed to a
 * fresh victim session, server or client. The victim server asks an asynchronous authenticator
 * (accepting, or refusing with 400), so input arriving while it waits is held; CURVE's X25519
 * steps are asynchronous too (`pending`), here from `@noble/curves`, whose promises settle in
 * microtasks, so a chunk's consequences are all in before the next chunk.
 *
 * Properties: no throw escapes `feed`/`tick`; every close is an error event with a known code
 * and a non-empty reason, and nothing is emitted after it; a handshake that does not complete
 * ends by the clock (no hang); events and written octets stay proportional to the input
 * (bounded buffering); an unmutated conversation, whole or cut anywhere, completes with the
 * messages the peer sent (or the refusal the authenticator gave) and the same events.
 * @module
 */

import fc from "fast-check";
import { ZmtpSession, type ZmtpSessionOptions } from "../../src/protocol/zmtp/session.ts";
import type { Mechanism } from "../../src/protocol/zmtp/mechanism.ts";
import type { ZapReply } from "../../src/protocol/zmtp/zap.ts";
import { PlainClientMechanism, PlainServerMechanism } from "../../src/protocol/zmtp/plain.ts";
import { CurveClientMechanism } from "../../src/protocol/zmtp/curve/client.ts";
import { CurveServerMechanism } from "../../src/protocol/zmtp/curve/server.ts";
import { publicKeyOf } from "../../src/protocol/zmtp/curve/box.ts";
import type { RandomSource } from "../../src/protocol/zmtp/curve/keys.ts";
import { nobleX25519 } from "../../src/protocol/zmtp/curve/x25519.ts";
import type { SocketType } from "../../src/protocol/zmtp/socket_type.ts";
import { prng } from "../_helpers.ts";
import {
  applyMutations,
  assertEqual,
  asyncMutatedProperty,
  asyncValidProperty,
  bodies,
  checkBounded,
  concat,
  type FuzzTarget,
  hex,
  noThrow,
  split,
} from "./_harness.ts";

/** [server socket, client socket]: the mechanism server is the binder here. */
const PAIRS: ReadonlyArray<readonly [SocketType, SocketType]> = [
  ["ROUTER", "DEALER"],
  ["PUB", "SUB"],
  ["REP", "REQ"],
  ["PULL", "PUSH"],
  ["PAIR", "PAIR"],
];

interface SecureConversation {
  readonly mechanism: "PLAIN" | "CURVE";
  /** Whether the session under test is the mechanism server (else the client). */
  readonly victimIsServer: boolean;
  readonly pair: number;
  /** Seeds of the two sides' random sources (CURVE). */
  readonly seeds: readonly [number, number];
  readonly username: Uint8Array;
  readonly password: Uint8Array;
  /** The victim server's authenticator refuses (400) instead of accepting. */
  readonly refuse: boolean;
  /** Messages the peer sends once its handshake is done (queued before, sent at ready). */
  readonly messages: Uint8Array[][];
}

const conversation = (mechanism: "PLAIN" | "CURVE"): fc.Arbitrary<SecureConversation> =>
  fc.record({
    mechanism: fc.constant(mechanism),
    victimIsServer: fc.boolean(),
    pair: fc.nat({ max: PAIRS.length - 1 }),
    seeds: fc.tuple(fc.nat(), fc.nat()),
    username: fc.uint8Array({ maxLength: 40 }),
    password: fc.uint8Array({ maxLength: 40 }),
    refuse: fc.boolean(),
    messages: fc.array(
      fc.array(bodies([250, 600], [4000, 20_000]), { minLength: 1, maxLength: 3 }),
      {
        maxLength: 4,
      },
    ),
  });

/** Long-term CURVE keys, fixed: the conversation's seeds vary only what a connection draws. */
const keyRandom = prng(0xc0ffee);
const secret = () => Uint8Array.from({ length: 32 }, () => keyRandom() & 0xff);
const SERVER_SECRET = secret();
const SERVER_PUBLIC = publicKeyOf(SERVER_SECRET);
const CLIENT_SECRET = secret();
const CLIENT_PUBLIC = publicKeyOf(CLIENT_SECRET);

function seededRandom(seed: number): RandomSource {
  const next = prng(seed);
  return (n) => Uint8Array.from({ length: n }, () => next() & 0xff);
}

function mechanismFor(c: SecureConversation, server: boolean, seed: number): Mechanism {
  const zap = { domain: "fuzz", address: "127.0.0.1", routingId: new Uint8Array(0) };
  if (c.mechanism === "PLAIN") {
    return server
      ? new PlainServerMechanism(zap)
      : new PlainClientMechanism(c.username, c.password);
  }
  const random = seededRandom(seed);
  return server
    ? new CurveServerMechanism({ secretKey: SERVER_SECRET, random, x25519: nobleX25519, ...zap })
    : new CurveClientMechanism({
      serverKey: SERVER_PUBLIC,
      publicKey: CLIENT_PUBLIC,
      secretKey: CLIENT_SECRET,
      random,
      x25519: nobleX25519,
    });
}

function options(c: SecureConversation, server: boolean, seed: number): ZmtpSessionOptions {
  const [serverType, clientType] = PAIRS[c.pair]!;
  return {
    socketType: server ? serverType : clientType,
    asServer: server,
    mechanism: mechanismFor(c, server, seed),
  };
}

interface Log {
  events: string[];
  writes: number;
  written: number;
}

const CODES = ["EPROTO", "EMSGSIZE", "ETIMEDOUT", "EACCES"];

function sink(log: Log, onWrite?: (b: Uint8Array) => void) {
  let closed = false;
  const event = (e: string) => {
    if (closed) throw new Error(`an event after the error: ${e}`);
    log.events.push(e);
  };
  return {
    write: (b: Uint8Array) => {
      log.writes++;
      log.written += b.length;
      onWrite?.(b);
    },
    ready: (p: { socketType: string }) => event(`ready ${p.socketType}`),
    message: (f: Uint8Array[]) => event(`msg ${f.map(hex).join(",")}`),
    subscription: (t: Uint8Array, on: boolean) => event(`sub ${on} ${hex(t)}`),
    error: (e: { code: string; reason: string }) => {
      if (!CODES.includes(e.code) || typeof e.reason !== "string" || e.reason.length === 0) {
        throw new Error(`an unnamed error: ${JSON.stringify(e)}`);
      }
      event(`error ${e.code}`);
      closed = true;
    },
  };
}

/** SUB and PULL peers send no messages. */
function peerSends(c: SecureConversation): boolean {
  const type = PAIRS[c.pair]![c.victimIsServer ? 1 : 0];
  return type !== "SUB" && type !== "PULL";
}

const newLog = (): Log => ({ events: [], writes: 0, written: 0 });

/**
 * What the peer writes to the victim when both are real sessions on a loopback that delivers
 * each write after the call that made it returns, as a socket does (no authenticator: the
 * session answers 200 at once; CURVE's X25519 steps settle between deliveries).
 */
async function record(c: SecureConversation): Promise<Uint8Array> {
  const wire: Uint8Array[] = [];
  const toVictim: Uint8Array[] = [];
  const toPeer: Uint8Array[] = [];
  const victim = new ZmtpSession(
    options(c, c.victimIsServer, c.seeds[0]),
    sink(newLog(), (b) => toPeer.push(b.slice())),
  );
  const peer = new ZmtpSession(
    options(c, !c.victimIsServer, c.seeds[1]),
    sink(newLog(), (b) => {
      wire.push(b.slice());
      toVictim.push(b.slice());
    }),
  );
  if (peerSends(c)) { for (const m of c.messages) peer.send(m); }
  victim.start(0);
  peer.start(0);
  peer.flush();
  for (;;) {
    await settle();
    if (toVictim.length === 0 && toPeer.length === 0) break;
    for (const b of toVictim.splice(0)) victim.feed(b, 0);
    for (const b of toPeer.splice(0)) peer.feed(b, 0);
    peer.flush();
  }
  return concat(wire);
}

/**
 * Lets the victim's pending authenticator answer and its X25519 steps settle (microtask turns:
 * a CURVE step chains about ten promises).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 24; i++) await Promise.resolve();
}

/** A fresh victim (same seed as in the recording) fed `chunks`, then the clock run out. */
async function replay(
  c: SecureConversation,
  chunks: readonly Uint8Array[],
): Promise<{ log: Log; session: ZmtpSession }> {
  const log = newLog();
  const authenticate = (): Promise<ZapReply> =>
    Promise.resolve(
      c.refuse ? { status: 400, statusText: "refused by the fuzz target" } : {
        status: 200,
      },
    );
  const session = new ZmtpSession(
    { ...options(c, c.victimIsServer, c.seeds[0]), authenticate },
    sink(log),
  );
  noThrow(() => session.start(0));
  for (const chunk of chunks) {
    noThrow(() => session.feed(chunk, 1));
    await settle();
  }
  // A handshake that never completes ends by the clock with a named reason.
  noThrow(() => session.tick(1e9));
  await settle();
  return { log, session };
}

function checkBuffering(log: Log, fed: number): void {
  checkBounded(log.events.length + log.writes, fed, "secure ZmtpSession", 8);
  // The victim writes its greeting, handshake commands, an ERROR: a few hundred octets, plus
  // at most a PONG per octet fed — never something that grows with what it holds.
  if (log.written > 4096 + 2 * fed) {
    throw new Error(`the victim wrote ${log.written} octets for ${fed} fed`);
  }
}

const mutated = (mechanism: "PLAIN" | "CURVE", weight: number): FuzzTarget => ({
  family: "zmtp",
  name: `zmtp.${mechanism.toLowerCase()}.handshake.mutated`,
  weight,
  property: asyncMutatedProperty(conversation(mechanism), (v: SecureConversation) => {
    const recorded = record(v);
    return async (c) => {
      const bytes = applyMutations(await recorded, c.mutations);
      const { log, session } = await replay(v, split(bytes, c.cuts));
      if (!session.isReady && !session.isClosed) {
        throw new Error("neither ready nor closed after the handshake timeout");
      }
      if (session.isClosed && !log.events.some((e) => e.startsWith("error "))) {
        throw new Error(`closed without a named error: ${log.events.join(" | ")}`);
      }
      checkBuffering(log, bytes.length);
    };
  }),
});

const valid = (mechanism: "PLAIN" | "CURVE", weight: number): FuzzTarget => ({
  family: "zmtp",
  name: `zmtp.${mechanism.toLowerCase()}.handshake.split`,
  weight,
  property: asyncValidProperty(conversation(mechanism), (v: SecureConversation) => {
    const recording = record(v);
    return async (c) => {
      const bytes = await recording;
      const whole = await replay(v, [bytes.slice()]);
      const cut = await replay(v, split(bytes, c.cuts));
      assertEqual(cut.log.events, whole.log.events, "split handshake events vs unsplit");
      checkBuffering(cut.log, bytes.length);
      const refused = v.refuse && v.victimIsServer;
      const [serverType, clientType] = PAIRS[v.pair]!;
      const expected = refused ? ["error EACCES"] : [
        `ready ${v.victimIsServer ? clientType : serverType}`,
        ...v.messages.map((m) => `msg ${m.map(hex).join(",")}`),
      ];
      if (!refused && !peerSends(v)) expected.length = 1;
      assertEqual(whole.log.events.slice(0, expected.length), expected, "a valid handshake");
      assertEqual(whole.session.isReady, !refused, "ready after a valid handshake");
    };
  }),
});

/** The PLAIN and CURVE handshake targets (CURVE's cost is JavaScript X25519: fewer runs). */
export const zmtpSecurityTargets: readonly FuzzTarget[] = [
  mutated("PLAIN", 0.4),
  valid("PLAIN", 0.2),
  mutated("CURVE", 0.4),
  valid("CURVE", 0.2),
];
