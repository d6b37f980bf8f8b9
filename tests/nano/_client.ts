/**
 * A tiny pomelo test client for the server tests, built from src/codec/pomelo.ts: raw TCP via
 * the runtime's tcp transport, or WebSocket via the runtime's native `WebSocket`.
 * @module
 */

import {
  MessageFlag,
  MessageType,
  PacketType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  type RouteDictionary,
} from "../../src/codec/pomelo.ts";
import { encodePacket } from "../../src/codec/pomelo_encoder.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import { defaultTransports } from "../../src/transport/default.ts";
import { InprocNamespace } from "../../src/transport/inproc/inproc.ts";
import type { ByteStream } from "../../src/transport/types.ts";
import { within } from "../_helpers.ts";

const te = new TextEncoder();
const td = new TextDecoder();

interface Wire {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** A received response. */
export interface Reply {
  readonly error: boolean;
  readonly body: unknown;
  readonly raw: Uint8Array;
}

/** A pomelo client for tests. */
export class TestClient {
  #wire!: Wire;
  #decoder: PomeloDecoder;
  #encoder: PomeloEncoder;
  #nextId = 1;
  #pending = new Map<number, (r: Reply) => void>();
  #waiters: { match: (p: Received) => boolean; resolve: (p: Received) => void }[] = [];
  readonly received: Received[] = [];
  #resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((r) => (this.#resolveClosed = r));
  isClosed = false;
  decodeError = 0;
  handshakeAnswer: Record<string, unknown> | undefined;
  dictionary: RouteDictionary | undefined;

  private constructor(dictionary?: RouteDictionary) {
    this.dictionary = dictionary;
    this.#decoder = new PomeloDecoder(
      dictionary ? { maxBody: 0xffffff, dictionary } : { maxBody: 0xffffff },
    );
    this.#encoder = new PomeloEncoder(dictionary ? { dictionary } : {});
  }

  /** Connects over raw TCP. */
  static async tcp(port: number, dictionary?: RouteDictionary): Promise<TestClient> {
    const c = new TestClient(dictionary);
    const tcp = defaultTransports(new InprocNamespace()).get("tcp")!;
    const stream: ByteStream = await tcp.dial(parseEndpoint(`tcp://127.0.0.1:${port}`));
    stream.start({ data: (b) => c.#data(b), drain() {}, end: () => c.#ended() });
    c.#wire = { send: (b) => void stream.write(b), close: () => stream.close(0) };
    return c;
  }

  /** Connects over WebSocket with the runtime's native client. */
  static async ws(port: number, path = "/", dictionary?: RouteDictionary): Promise<TestClient> {
    const c = new TestClient(dictionary);
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.binaryType = "arraybuffer";
    await within(
      new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("websocket error"));
      }),
      "websocket open",
    );
    ws.onmessage = (e) => c.#data(new Uint8Array(e.data as ArrayBuffer));
    ws.onclose = () => c.#ended();
    c.#wire = { send: (b) => ws.send(b), close: () => ws.close() };
    return c;
  }

  /** Sends the handshake, waits for the answer, sends the ACK when it is 200. */
  async handshake(
    sys: Record<string, unknown> = { type: "weft-test", version: "0.0.1" },
    user: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    this.sendPacket(PacketType.HANDSHAKE, te.encode(JSON.stringify({ sys, user })));
    const p = await this.next((r) => r.packet === PacketType.HANDSHAKE, "handshake answer");
    const answer = JSON.parse(td.decode(p.body)) as Record<string, unknown>;
    this.handshakeAnswer = answer;
    if (answer.code === 200) this.sendPacket(PacketType.HANDSHAKE_ACK, new Uint8Array(0));
    return answer;
  }

  /** Sends a request and waits for its response. */
  request(route: string, data: unknown, body?: Uint8Array): Promise<Reply> {
    const id = this.#nextId++;
    const bytes = body ?? te.encode(JSON.stringify(data));
    const p = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    this.#wire.send(
      this.#encoder.encodeMessage({ type: MessageType.REQUEST, id, route, body: bytes }),
    );
    return within(p, `response to ${route}`);
  }

  /** Sends a request without waiting. */
  requestNoWait(route: string, data: unknown): Promise<Reply> {
    return this.request(route, data);
  }

  /** Sends a notify. */
  notify(route: string, data: unknown, body?: Uint8Array): void {
    this.#wire.send(
      this.#encoder.encodeMessage({
        type: MessageType.NOTIFY,
        route,
        body: body ?? te.encode(JSON.stringify(data)),
      }),
    );
  }

  /** Sends a packet. */
  sendPacket(type: PacketType, body: Uint8Array): void {
    this.#wire.send(encodePacket(type, body));
  }

  /** Sends raw bytes. */
  sendRaw(bytes: Uint8Array): void {
    this.#wire.send(bytes);
  }

  /** The next received packet or push that matches (already received ones count). */
  next(match: (p: Received) => boolean, what: string, ms = 5000): Promise<Received> {
    const seen = this.received.find(match);
    if (seen) {
      this.received.splice(this.received.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return within(new Promise((resolve) => this.#waiters.push({ match, resolve })), what, ms);
  }

  /** The next push on `route`, its body parsed as JSON. */
  async push(route: string, ms = 5000): Promise<unknown> {
    const p = await this.next((r) => r.message?.route === route, `push ${route}`, ms);
    return JSON.parse(td.decode(p.body));
  }

  /** Waits for a KICK and returns its parsed body. */
  async kicked(ms = 5000): Promise<{ reason: string }> {
    const p = await this.next((r) => r.packet === PacketType.KICK, "KICK", ms);
    return JSON.parse(td.decode(p.body)) as { reason: string };
  }

  close(): void {
    this.#wire.close();
  }

  #data(chunk: Uint8Array): void {
    const r = this.#decoder.feed(chunk, {
      packet: (type, body) => this.#got({ packet: type, body: body.slice(), message: undefined }),
      message: (m) => {
        if (m.type === MessageType.RESPONSE) {
          const resolve = this.#pending.get(m.id);
          this.#pending.delete(m.id);
          const raw = m.body.slice();
          resolve?.({
            error: (m.flags & MessageFlag.ERROR) !== 0,
            body: raw.length ? safeJson(raw) : undefined,
            raw,
          });
          return;
        }
        this.#got({ packet: PacketType.DATA, body: m.body.slice(), message: { ...m } });
      },
    });
    if (r < 0) this.decodeError = r;
  }

  #got(p: Received): void {
    const i = this.#waiters.findIndex((w) => w.match(p));
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      w!.resolve(p);
    } else this.received.push(p);
  }

  #ended(): void {
    this.isClosed = true;
    this.#resolveClosed();
  }
}

function safeJson(b: Uint8Array): unknown {
  try {
    return JSON.parse(td.decode(b));
  } catch {
    return b;
  }
}

/** A received packet (DATA packets carry their message). */
export interface Received {
  readonly packet: number;
  readonly body: Uint8Array;
  readonly message: PomeloMessage | undefined;
}

/** A logger that keeps lines for assertions instead of printing. */
export function quietLogger(): {
  error: (...a: unknown[]) => void;
  warn: (...a: unknown[]) => void;
  lines: string[];
} {
  const lines: string[] = [];
  const keep = (...a: unknown[]) =>
    lines.push(a.map((x) => x instanceof Error ? x.message : String(x)).join(" "));
  return { error: keep, warn: keep, lines };
}
