/**
 * pomelo/nano targets: the packet and message decoder (wasm) against its reference twin, both
 * directions (client → server and server → client), the handshake JSON, the route dictionary,
 * the server session fed a client's conversation, and the client session fed a server's.
 * @module
 */

import fc from "fast-check";
import {
  MessageFlag,
  MessageType,
  PacketType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  RouteDictionary,
} from "../../src/codec/pomelo.ts";
import { encodePacket } from "../../src/codec/pomelo_encoder.ts";
import { ReferencePomeloDecoder } from "../../src/codec/_reference/pomelo.ts";
import {
  handshakeFail,
  handshakeOk,
  parseClientHandshake,
} from "../../src/protocol/pomelo/handshake.ts";
import { PomeloServerSession, SessionState } from "../../src/protocol/pomelo/session.ts";
import {
  ClientSessionState,
  PomeloClientSession,
} from "../../src/protocol/pomelo/client_session.ts";
import { ErrorCode, WeftError } from "../../src/core/errors.ts";
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

const ROUTES = ["onChat", "Room.Join", "a.b.c", "ü.route", "x"];
/** One dictionary for every run: it lives in wasm memory, so it is made once. */
const dictionary = new RouteDictionary(ROUTES);
const te = new TextEncoder();

type Packet =
  | { readonly kind: "packet"; readonly type: 1 | 2 | 3 | 5; readonly body: Uint8Array }
  | {
    readonly kind: "message";
    readonly type: MessageType;
    readonly id: number;
    readonly route: string;
    readonly flags: number;
    readonly body: Uint8Array;
  };

const body = bodies([200, 600], [8000, 70_000]);

const route = fc.oneof(fc.constantFrom(...ROUTES), fc.string({ maxLength: 30 }));

const message = fc.record({
  kind: fc.constant("message" as const),
  type: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<MessageType>,
  id: fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 0, max: 2 ** 35 - 1 })),
  route,
  flags: fc.constantFrom(0, MessageFlag.GZIP, MessageFlag.ERROR),
  body,
});

function packets(types: readonly (1 | 2 | 3 | 5)[]): fc.Arbitrary<Packet[]> {
  return fc.array(
    fc.oneof(
      { weight: 3, arbitrary: message },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("packet" as const),
          type: fc.constantFrom(...types),
          body,
        }),
      },
    ),
    { maxLength: 10 },
  );
}

function encodeAll(list: readonly Packet[], useDictionary: boolean): Uint8Array {
  const enc = new PomeloEncoder(useDictionary ? { dictionary } : {});
  return concat(list.map((p) => {
    if (p.kind === "packet") return encodePacket(p.type, p.body);
    // Routes over 255 bytes are refused by the encoder (WeftError EINVAL): shorten them.
    const r = te.encode(p.route).length > 255 ? "long" : p.route;
    return enc.encodeMessage({ type: p.type, id: p.id, route: r, body: p.body, flags: p.flags });
  }));
}

function expected(list: readonly Packet[]): string[] {
  return list.map((p) => {
    if (p.kind === "packet") return `p${p.type} ${hex(p.body)}`;
    const hasId = p.type === MessageType.REQUEST || p.type === MessageType.RESPONSE;
    const r = p.type === MessageType.RESPONSE
      ? ""
      : te.encode(p.route).length > 255
      ? "long"
      : p.route;
    return `m${p.type} ${hasId ? p.id : 0} ${JSON.stringify(r)} ${hex(p.body)}`;
  });
}

function decodeWith(
  dec: PomeloDecoder | ReferencePomeloDecoder,
  chunks: readonly Uint8Array[],
  maxBody: number,
) {
  const out = { events: [] as string[], status: 0, callbacks: 0 };
  const sink = {
    packet: (type: PacketType, b: Uint8Array) => {
      out.callbacks++;
      if (b.length > maxBody) throw new Error(`a ${b.length}-byte body passed maxBody ${maxBody}`);
      out.events.push(`p${type} ${hex(b)}`);
    },
    message: (m: PomeloMessage) => {
      out.callbacks++;
      out.events.push(`m${m.type} ${m.id} ${JSON.stringify(m.route)} ${hex(m.body)}`);
    },
  };
  for (const c of chunks) {
    noThrow(() => (out.status = dec.feed(c, sink)));
    checkStatus(out.status, "pomelo decoder");
  }
  return out;
}

const maxBodies = fc.constantFrom(0, 40, 300, 8192, 65_536, 0xffffff);

function differential(name: string, types: readonly (1 | 2 | 3 | 5)[]): FuzzTarget {
  return {
    family: "pomelo",
    name,
    property: mutatedProperty(
      fc.tuple(packets(types), fc.boolean(), maxBodies),
      ([valid, useDict, maxBody]) => {
        const encoded = encodeAll(valid, useDict);
        const options = useDict ? { maxBody, dictionary } : { maxBody };
        return (c) => {
          const bytes = applyMutations(encoded, c.mutations);
          const wasm = decodeWith(new PomeloDecoder(options), split(bytes, c.cuts), maxBody);
          // The twin re-joins its buffer on every feed: fed byte by byte (cuts [-1]) it would
          // copy 4 KiB per byte. Only its events and final status are compared, which do not
          // depend on the cuts, so it gets the bytes whole then.
          const refCuts = c.cuts.length === 1 && c.cuts[0] === -1 ? [] : c.cuts;
          const ref = decodeWith(
            new ReferencePomeloDecoder(options),
            split(bytes, refCuts),
            maxBody,
          );
          checkBounded(wasm.callbacks, bytes.length / 4, "PomeloDecoder");
          assertEqual(wasm.events, ref.events, "wasm decoder vs reference twin: events");
          assertEqual(wasm.status, ref.status, "wasm decoder vs reference twin: status");
        };
      },
    ),
  };
}

/** Client → server traffic (what the server session decodes). */
const codecDifferential = differential("pomelo.codec.differential", [1, 2, 3]);

/**
 * Server → client traffic (handshake answers, heartbeats, responses, pushes, kicks): what the
 * nano client decodes. It decodes through the same codec today; when the client's pure session
 * is fuzzed too (see {@link clientTargets}).
 */
const clientCodecDifferential = differential("pomelo.client.codec.differential", [1, 3, 5]);

const codecSplit: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.codec.split",
  property: validProperty(fc.tuple(packets([1, 2, 3, 5]), fc.boolean()), ([valid, useDict]) => {
    const bytes = encodeAll(valid, useDict);
    const options = useDict ? { maxBody: 0xffffff, dictionary } : { maxBody: 0xffffff };
    const whole = decodeWith(new PomeloDecoder(options), [bytes.slice()], 0xffffff);
    const want = expected(valid);
    assertEqual(whole.events, want, "unsplit decode vs the packets sent");
    return (c) => {
      const cut = decodeWith(new PomeloDecoder(options), split(bytes, c.cuts), 0xffffff);
      assertEqual(cut.events, want, "split decode vs the packets sent");
      assertEqual(cut.status, 0, "status");
    };
  }),
};

const jsonValue = fc.jsonValue({ maxDepth: 3 });

const handshake: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.handshake",
  property: mutatedProperty(
    fc.tuple(fc.record({ sys: fc.dictionary(fc.string(), jsonValue), user: jsonValue }), jsonValue),
    ([v, user]) => {
      // The answers round-trip as JSON.
      const ok = JSON.parse(new TextDecoder().decode(handshakeOk({
        heartbeatMs: 1500,
        serverTimeMs: 0,
        serializer: "json",
        dict: dictionary.toJSON(),
        user,
      })));
      assertEqual([ok.code, ok.sys.dict, ok.user], [200, dictionary.toJSON(), user], "handshakeOk");
      assertEqual(JSON.parse(new TextDecoder().decode(handshakeFail(500))), { code: 500 }, "fail");
      const valid = te.encode(
        JSON.stringify({ sys: { type: "t", version: "1", ...v.sys }, user: v.user }),
      );
      return (c) => {
        const r = noThrow(() => {
          const h = parseClientHandshake(applyMutations(valid, c.mutations));
          if (typeof h === "string") {
            if (!h.startsWith("handshake: ")) throw new Error(`an unnamed refusal: ${h}`);
          } else if (typeof h.sys !== "object" || typeof h.user !== "object" || h.user === null) {
            throw new Error(`handshake shape: ${JSON.stringify(h)}`);
          }
        });
        if (r) throw new Error("parseClientHandshake threw");
      };
    },
  ),
};

const routeDictionary: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.dictionary",
  weight: 0.4,
  // Not a byte conversation: each of the `perRun` inputs of a run is a route list or table.
  property: (perRun) =>
    fc.property(
      fc.array(
        fc.oneof(
          fc.array(fc.string({ maxLength: 300, unit: "binary" }), { maxLength: 20 }),
          fc.dictionary(
            fc.string({ maxLength: 20 }),
            fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.double()),
            { maxKeys: 20 },
          ),
        ),
        { minLength: perRun, maxLength: perRun },
      ),
      (inputs) => inputs.forEach(checkDictionary),
    ),
};

function checkDictionary(routes: string[] | Record<string, number>): void {
  let d: RouteDictionary | undefined;
  try {
    d = new RouteDictionary(routes as Record<string, number> | string[]);
  } catch (e) {
    if (e instanceof WeftError && e.code === "EINVAL") return; // documented refusal
    throw e;
  }
  try {
    const json = d.toJSON();
    for (const [r, code] of Object.entries(json)) {
      if (d.routeOf(code) !== r || d.codeOf(r) !== code) throw new Error(`lookup of ${r}`);
    }
    // A decoder with it expands every code it holds, and refuses one it does not.
    const dec = new PomeloDecoder({ dictionary: d });
    const got: string[] = [];
    const sink = { packet: () => {}, message: (m: PomeloMessage) => got.push(m.route) };
    for (const [r, code] of Object.entries(json)) {
      const msg = Uint8Array.of(
        4,
        0,
        0,
        3,
        (MessageType.PUSH << 1) | 1,
        code >> 8,
        code & 0xff,
      );
      const status = dec.feed(msg, sink);
      if (status !== 0 || got.at(-1) !== r) {
        throw new Error(
          `code ${code}: ${status} ${got.at(-1)}`,
        );
      }
    }
  } finally {
    d.dispose();
  }
}

// ── The server session ────────────────────────────────────────────────────────────────────

interface ClientConversation {
  readonly handshake: Uint8Array;
  readonly ack: boolean;
  readonly traffic: Packet[];
  readonly useDict: boolean;
  readonly maxBody: number;
}

const clientConversation: fc.Arbitrary<ClientConversation> = fc.record({
  handshake: fc.record({
    sys: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 3 }),
    user: jsonValue,
  })
    .map((h) =>
      te.encode(JSON.stringify({ sys: { type: "js", version: "0.1", ...h.sys }, user: h.user }))
    ),
  ack: fc.boolean(),
  traffic: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: message.filter((m) => m.type === 0 || m.type === 1) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("packet" as const),
          type: fc.constant(3 as const),
          body: fc.constant(new Uint8Array(0)),
        }),
      },
    ),
    { maxLength: 8 },
  ),
  useDict: fc.boolean(),
  maxBody: fc.constantFrom(0, 1000, 65_536, 0xffffff),
});

function clientBytes(c: ClientConversation): Uint8Array {
  const head = [encodePacket(PacketType.HANDSHAKE, c.handshake)];
  if (c.ack) head.push(encodePacket(PacketType.HANDSHAKE_ACK, new Uint8Array(0)));
  return concat([...head, encodeAll(c.traffic, c.useDict)]);
}

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * What a session reported, in order: `event` records one (none may follow a close), `write`
 * counts writes, `close` records a close that must name its reason and carry a known code.
 */
function sessionLog() {
  const log = { events: [] as string[], writes: 0, closed: false };
  const event = (e: string) => {
    if (log.closed) throw new Error(`an event after close: ${e}`);
    log.events.push(e);
  };
  return {
    log,
    event,
    write: () => void log.writes++,
    close: (reason: string, code?: string) => {
      if (reason.length === 0 || (code !== undefined && !ERROR_CODES.has(code))) {
        throw new Error(`an unnamed close: ${reason} ${code}`);
      }
      event(`close ${code ?? ""}`);
      log.closed = true;
    },
  };
}

function runSession(c: ClientConversation, chunks: readonly Uint8Array[], end?: number) {
  const { log, event, write, close } = sessionLog();
  const s = new PomeloServerSession(
    {
      write,
      message: (m) => event(`m${m.type} ${m.id} ${JSON.stringify(m.route)} ${hex(m.body)}`),
      ready: () => event("ready"),
      close,
    },
    {
      now: 0,
      heartbeatInterval: 1000,
      maxBody: c.maxBody,
      ...(c.useDict ? { dictionary } : {}),
    },
  );
  for (const chunk of chunks) noThrow(() => s.feed(chunk, 1));
  if (end !== undefined) {
    noThrow(() => s.tick(end));
    if (s.state !== SessionState.CLOSED) throw new Error(`still ${s.state} after the timeouts`);
    if (!log.closed) throw new Error("closed without a close event");
  }
  const result = { events: log.events, writes: log.writes, state: s.state };
  // A connection ends; so does this one: its route dictionary's codec memory goes back (the
  // shared arena would fill over millions of inputs otherwise, and later inputs fail on it).
  noThrow(() => s.close());
  return result;
}

const sessionMutated: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.session.mutated",
  property: mutatedProperty(clientConversation, (valid) => {
    const encoded = clientBytes(valid);
    return (c) => {
      const bytes = applyMutations(encoded, c.mutations);
      const r = runSession(valid, split(bytes, c.cuts), 1e9);
      checkBounded(r.events.length + r.writes, bytes.length / 4, "PomeloServerSession", 8);
    };
  }),
};

const sessionSplit: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.session.split",
  property: validProperty(clientConversation, (valid) => {
    const bytes = clientBytes(valid);
    const whole = runSession(valid, [bytes.slice()]);
    if (valid.ack && valid.maxBody >= 65_536 && whole.events[0] !== "ready") {
      throw new Error(`a valid conversation did not reach ready: ${whole.events[0]}`);
    }
    return (c) => {
      const cut = runSession(valid, split(bytes, c.cuts));
      assertEqual(cut, whole, "split session vs unsplit");
    };
  }),
};

// ── The client session ────────────────────────────────────────────────────────────────────

interface ServerConversation {
  readonly answer: Uint8Array;
  readonly traffic: Packet[];
  readonly useDict: boolean;
  readonly maxBody: number;
}

/** The dictionary's routes as the server's handshake sends them (codes 1..n, as built above). */
const DICT = Object.fromEntries(ROUTES.map((r, i) => [r, i + 1]));

const serverConversation: fc.Arbitrary<ServerConversation> = fc.record({
  useDict: fc.boolean(),
  heartbeat: fc.constantFrom(0, 1, 30),
  refuse: fc.constantFrom(undefined, undefined, undefined, 500, 501),
  traffic: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: message.filter((m) => m.type === 2 || m.type === 3) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("packet" as const),
          type: fc.constantFrom(3 as const, 5 as const),
          body: fc.constantFrom(new Uint8Array(0), te.encode('{"reason":"bye"}')),
        }),
      },
    ),
    { maxLength: 8 },
  ),
  maxBody: fc.constantFrom(0, 1000, 65_536, 0xffffff),
}).map((c) => ({
  answer: c.refuse !== undefined ? handshakeFail(c.refuse) : handshakeOk({
    heartbeatMs: c.heartbeat * 1000,
    serverTimeMs: 0,
    serializer: "json",
    ...(c.useDict ? { dict: DICT } : {}),
  }),
  traffic: c.traffic,
  useDict: c.useDict,
  maxBody: c.maxBody,
}));

function serverBytes(c: ServerConversation): Uint8Array {
  return concat([encodePacket(PacketType.HANDSHAKE, c.answer), encodeAll(c.traffic, c.useDict)]);
}

function runClient(c: ServerConversation, chunks: readonly Uint8Array[], end?: number) {
  const { log, event, write, close } = sessionLog();
  const s = new PomeloClientSession(
    {
      write,
      ready: () => event("ready"),
      response: (id, body, isError) => event(`r ${id} ${isError} ${hex(body)}`),
      push: (route, body) => event(`p ${JSON.stringify(route)} ${hex(body)}`),
      kick: (reason) => event(`kick ${reason}`),
      close,
    },
    { maxBody: c.maxBody, handshakeTimeout: 10_000 },
    0,
  );
  noThrow(() => s.open());
  for (const chunk of chunks) noThrow(() => s.feed(chunk, 1));
  if (end !== undefined) {
    noThrow(() => s.tick(end));
    // Only a session whose server turned heartbeats off (interval 0) may outlive every timeout.
    const untimed = s.state === ClientSessionState.WORKING && s.handshake?.heartbeatMs === 0;
    if (s.state !== ClientSessionState.CLOSED && !untimed) {
      throw new Error(`still ${s.state} after the timeouts`);
    }
    if (s.state === ClientSessionState.CLOSED && !log.closed) {
      throw new Error("closed without a close event");
    }
  }
  const result = { events: log.events, writes: log.writes, state: s.state };
  // A connection ends; so does this one: its route dictionary's codec memory goes back (the
  // shared arena would fill over millions of inputs otherwise, and later inputs fail on it).
  noThrow(() => s.close());
  return result;
}

const clientSessionMutated: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.client.session.mutated",
  property: mutatedProperty(serverConversation, (valid) => {
    const encoded = serverBytes(valid);
    return (c) => {
      const bytes = applyMutations(encoded, c.mutations);
      const r = runClient(valid, split(bytes, c.cuts), 1e12);
      checkBounded(r.events.length + r.writes, bytes.length / 4, "PomeloClientSession", 8);
    };
  }),
};

const clientSessionSplit: FuzzTarget = {
  family: "pomelo",
  name: "pomelo.client.session.split",
  property: validProperty(serverConversation, (valid) => {
    const bytes = serverBytes(valid);
    const whole = runClient(valid, [bytes.slice()]);
    return (c) => {
      const cut = runClient(valid, split(bytes, c.cuts));
      assertEqual(cut, whole, "split client session vs unsplit");
    };
  }),
};

/** The client side: the codec over server → client traffic, and the client session. */
const clientTargets: readonly FuzzTarget[] = [
  clientCodecDifferential,
  clientSessionMutated,
  clientSessionSplit,
];

/** Every pomelo target. */
export const pomeloTargets: readonly FuzzTarget[] = [
  codecDifferential,
  codecSplit,
  handshake,
  routeDictionary,
  sessionMutated,
  sessionSplit,
  ...clientTargets,
];
