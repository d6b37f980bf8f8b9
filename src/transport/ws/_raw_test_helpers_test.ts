// Test helpers (no tests here): a raw tcp peer that speaks WebSocket by hand, so the tests can
// send what a well-behaved client never would and read exactly what our side wrote.
import { parseEndpoint } from "../../core/endpoint.ts";
import { defaultTransports } from "../default.ts";
import { InprocNamespace } from "../inproc/inproc.ts";
import type { ByteStream, Transport } from "../types.ts";
import { within } from "../../../tests/_helpers.ts";

export const tcp: Transport = (() => {
  const t = defaultTransports(new InprocNamespace()).get("tcp");
  if (!t) throw new Error("no tcp transport on this runtime");
  return t;
})();

export const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
export const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

export function upgradeRequest(path: string, extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    "Host: test",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${KEY}`,
    "Sec-WebSocket-Version: 13",
    ...extra,
    "",
    "",
  ].join("\r\n");
}

/** A frame built by hand (independent of the encoder under test). */
export function frame(
  opcode: number,
  payload: Uint8Array,
  opts: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Uint8Array {
  const n = payload.length;
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv ?? 0) | opcode];
  const masked = opts.mask ?? true;
  const m = masked ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  const body = payload.slice();
  if (masked) {
    const key = [0xa1, 0xb2, 0xc3, 0xd4];
    head.push(...key);
    for (let i = 0; i < n; i++) body[i] = body[i]! ^ key[i % 4]!;
  }
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(body, head.length);
  return out;
}

export interface ParsedFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

/** Parses whole frames from `bytes` (unmasking); returns them and the bytes used. */
export function parseFrames(bytes: Uint8Array): { frames: ParsedFrame[]; used: number } {
  const frames: ParsedFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    let len = b1 & 0x7f;
    let i = at + 2;
    if (len === 126) {
      if (bytes.length - i < 2) break;
      len = (bytes[i]! << 8) | bytes[i + 1]!;
      i += 2;
    } else if (len === 127) {
      if (bytes.length - i < 8) break;
      len = 0;
      for (let k = 0; k < 8; k++) len = len * 256 + bytes[i + k]!;
      i += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? bytes.slice(i, i + 4) : undefined;
    if (masked) i += 4;
    if (bytes.length - i < len) break;
    const payload = bytes.slice(i, i + len);
    if (key) { for (let k = 0; k < len; k++) payload[k] = payload[k]! ^ key[k % 4]!; }
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload });
    at = i + len;
  }
  return { frames, used: at };
}

/** A raw tcp peer recording everything it receives. */
export class RawPeer {
  stream: ByteStream;
  chunks: Uint8Array[] = [];
  size = 0;
  ended = false;
  #waiters: (() => void)[] = [];

  constructor(stream: ByteStream) {
    this.stream = stream;
    stream.start({
      data: (c) => {
        this.chunks.push(c);
        this.size += c.length;
        this.#poke();
      },
      drain: () => {},
      end: () => {
        this.ended = true;
        this.#poke();
      },
    });
  }

  static async connect(url: string): Promise<RawPeer> {
    const ep = parseEndpoint(url);
    return new RawPeer(await tcp.dial(parseEndpoint(`tcp://${ep.host}:${ep.port}`)));
  }

  send(data: string | Uint8Array): void {
    this.stream.write(typeof data === "string" ? new TextEncoder().encode(data) : data.slice());
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  until(check: () => boolean, what: string): Promise<void> {
    return within(
      (async () => {
        while (!check()) {
          if (this.ended) {
            throw new Error(`peer ended before ${what}; got: ${this.text().slice(0, 300)}`);
          }
          await new Promise<void>((r) => this.#waiters.push(r));
        }
      })(),
      what,
    );
  }

  /** Waits for the response head; returns it and leaves the rest for frames(). */
  async head(): Promise<string> {
    await this.until(() => this.text().includes("\r\n\r\n"), "a response head");
    const text = this.text();
    return text.slice(0, text.indexOf("\r\n\r\n") + 4);
  }

  /** Frames received after the response head. */
  frames(): ParsedFrame[] {
    const all = this.bytes();
    const text = new TextDecoder("latin1").decode(all);
    const start = text.indexOf("\r\n\r\n") + 4;
    return parseFrames(all.subarray(start)).frames;
  }

  async untilFrames(n: number, what: string): Promise<ParsedFrame[]> {
    await this.until(() => this.frames().length >= n, what);
    return this.frames();
  }

  async untilEnd(what: string): Promise<void> {
    await within(
      (async () => {
        while (!this.ended) await new Promise<void>((r) => this.#waiters.push(r));
      })(),
      what,
    );
  }

  close(): void {
    this.stream.close(0);
  }

  #poke(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}

/** Records what a ws stream delivers. */
export class Collector {
  messages: Uint8Array[] = [];
  ended = false;
  error: Error | undefined;
  #waiters: (() => void)[] = [];

  constructor(stream: ByteStream) {
    stream.start({
      data: (m) => {
        this.messages.push(m);
        this.#poke();
      },
      drain: () => {},
      end: (e) => {
        this.ended = true;
        this.error = e;
        this.#poke();
      },
    });
  }

  until(check: () => boolean, what: string): Promise<void> {
    return within(
      (async () => {
        while (!check()) await new Promise<void>((r) => this.#waiters.push(r));
      })(),
      what,
    );
  }

  #poke(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}

export function closeCodeOf(f: ParsedFrame | undefined): number | undefined {
  if (!f || f.opcode !== 8 || f.payload.length < 2) return undefined;
  return (f.payload[0]! << 8) | f.payload[1]!;
}

export function pattern(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
