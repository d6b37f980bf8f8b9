/**
 * The zero-framework floor of a cross-process ZeroMQ PUSH → PULL on this runtime: the least a
 * TypeScript program must do to give a user the plain API (`for await` a message, `await send()`
 * one), with no library in the way. It speaks just enough ZMTP 3.1 (NULL mechanism, READY with
 * the socket type, short and long frames) to face libzmq or weft, on the runtime's own sockets
 * (`Deno.listen`/`Deno.connect`, `Bun.listen`/`Bun.connect`), tcp only:
 *
 *   ./node_modules/deno/deno run -A bench/zmq/floor_peer.ts --role pull --endpoint tcp://127.0.0.1:5555 \
 *     --size 16 --count 1000000
 *   ./node_modules/bun/bin/bun.exe run bench/zmq/floor_peer.ts --role push --endpoint ... (same flags)
 *
 *   pull  binds, `for await` over the messages: per read, the chunk's frames are parsed into a
 *         batch of `[frame]` messages; per message, one resolved promise and one result object
 *         (what any async iterator costs); per frame a view of the read buffer (on Bun, bodies
 *         ≤ 32 B copied: cheaper there). Deno reads again only once the user has taken every
 *         message (Bun delivers chunks through its `data` callback).
 *   push  connects, `await send()` per message into one growing write buffer, flushed at the end
 *         of the event loop's turn or at 8 KiB (libzmq's batch), one write in flight.
 *
 * What it skips that weft must do: multipart frames spanning reads past one carry, HWM,
 * reconnects, other peers, handshakes beyond NULL, validation of anything but the frame flags.
 * bench/zmq/compare.mjs runs it as the "floor" columns beside weft's (issue 13).
 * @module
 */

import { proc, RUNTIME } from "../_scenario.ts";
import {
  cpuSeconds,
  parsePeerArgs,
  printLatency,
  printSenderCpu,
  receiveTimed,
  timedRoundTrips,
} from "../_peer.ts";

const p = parsePeerArgs(proc.argv.slice(2));
if (p.transport !== "tcp") throw new Error("floor_peer: tcp only");
const [host, port] = (() => {
  const rest = p.endpoint.slice("tcp://".length);
  const at = rest.lastIndexOf(":");
  return [rest.slice(0, at), Number(rest.slice(at + 1))] as const;
})();

/** Our greeting (NULL, as-server 0) and READY command with `Socket-Type`. */
function handshake(type: string): Uint8Array {
  const g = new Uint8Array(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.set(new TextEncoder().encode("NULL"), 12);
  const name = new TextEncoder().encode("Socket-Type");
  const value = new TextEncoder().encode(type);
  const body = [5, ..."READY".split("").map((c) => c.charCodeAt(0)), name.length, ...name];
  body.push(0, 0, 0, value.length, ...value);
  const out = new Uint8Array(64 + 2 + body.length);
  out.set(g);
  out[64] = 0x04;
  out[65] = body.length;
  out.set(body, 66);
  return out;
}

/** On JSC a fresh small array plus a byte loop costs half a view of the chunk (see weft's decoder). */
const COPY_MAX = RUNTIME.startsWith("bun") ? 32 : -1;

/** Parses frames out of a byte stream: between chunks, a few header bytes or one partial body. */
class Frames {
  #carry: Uint8Array | null = null;
  #body: Uint8Array | null = null;
  #filled = 0;
  #bodyFlags = 0;
  #greeted = false;
  #ready = false;
  #parts: Uint8Array[] = [];

  /** Appends the complete messages in `input` to `out`. */
  parse(input: Uint8Array, out: Uint8Array[][]): void {
    let chunk = input;
    let pos = 0;
    const body = this.#body;
    if (body !== null) {
      pos = Math.min(body.length - this.#filled, input.length);
      body.set(input.subarray(0, pos), this.#filled);
      this.#filled += pos;
      if (this.#filled < body.length) return;
      this.#body = null;
      this.#frame(this.#bodyFlags, body, out);
    } else if (this.#carry !== null) {
      const joined = new Uint8Array(this.#carry.length + input.length);
      joined.set(this.#carry);
      joined.set(input, this.#carry.length);
      chunk = joined;
      this.#carry = null;
    }
    const end = chunk.length;
    if (!this.#greeted) {
      if (end < 64) return void (this.#carry = chunk);
      this.#greeted = true;
      pos = 64;
    }
    const buffer = chunk.buffer;
    const base = chunk.byteOffset;
    while (pos < end) {
      if (end - pos < 2) break;
      const flags = chunk[pos]!;
      let size: number;
      let hdr: number;
      if ((flags & 0x02) === 0) {
        size = chunk[pos + 1]!;
        hdr = 2;
      } else {
        if (end - pos < 9) break;
        size = chunk[pos + 5]! * 0x1000000 +
          (chunk[pos + 6]! << 16 | chunk[pos + 7]! << 8 | chunk[pos + 8]!);
        hdr = 9;
      }
      if (end - pos - hdr < size) {
        // A body that runs past the chunk: assembled in a buffer of its own.
        const part = new Uint8Array(size);
        part.set(chunk.subarray(pos + hdr));
        this.#body = part;
        this.#filled = end - pos - hdr;
        this.#bodyFlags = flags;
        return;
      }
      let frame: Uint8Array;
      if (size <= COPY_MAX) {
        frame = new Uint8Array(size);
        for (let k = 0, at = pos + hdr; k < size; k++) frame[k] = chunk[at + k]!;
      } else frame = new Uint8Array(buffer, base + pos + hdr, size);
      this.#frame(flags, frame, out);
      pos += hdr + size;
    }
    if (pos < end) this.#carry = chunk.slice(pos);
  }

  #frame(flags: number, frame: Uint8Array, out: Uint8Array[][]): void {
    if ((flags & 0x04) !== 0) this.#ready = true; // READY (or another command): skipped
    else if (!this.#ready) return;
    else if ((flags & 0x01) !== 0) this.#parts.push(frame);
    else if (this.#parts.length === 0) out.push([frame]);
    else {
      this.#parts.push(frame);
      out.push(this.#parts);
      this.#parts = [];
    }
  }
}

/** An async iterator over batches that arrive from the socket: one promise per message when ready. */
class Inbox {
  #batch: Uint8Array[][] = [];
  #at = 0;
  #waiter: ((r: IteratorResult<Uint8Array[]>) => void) | null = null;
  #refill: () => void = () => {};

  /** A batch parsed from one read; called by the socket side. */
  put(batch: Uint8Array[][]): void {
    if (batch.length === 0) return;
    if (this.#at < this.#batch.length) {
      for (const m of batch) this.#batch.push(m);
      return;
    }
    this.#batch = batch;
    this.#at = 0;
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w({ value: this.#batch[this.#at++]!, done: false });
    }
  }

  /** A pull-driven socket (Deno's listener) reads again when the user waits on an empty inbox. */
  onEmpty(fn: () => void): void {
    this.#refill = fn;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[]> {
    return {
      next: () => {
        if (this.#at < this.#batch.length) {
          return Promise.resolve({ value: this.#batch[this.#at++]!, done: false });
        }
        const r = new Promise<IteratorResult<Uint8Array[]>>((res) => (this.#waiter = res));
        this.#refill();
        return r;
      },
    };
  }
}

const SLAB = 256 * 1024;

interface Side {
  write(bytes: Uint8Array): Promise<void> | void;
}

/** Binds, accepts one connection, feeds `inbox`. */
async function listen(inbox: Inbox, type: string): Promise<Side> {
  const frames = new Frames();
  if (RUNTIME.startsWith("bun")) {
    // deno-lint-ignore no-explicit-any
    const Bun = (globalThis as any).Bun;
    return await new Promise((resolve) => {
      Bun.listen({
        hostname: host,
        port,
        socket: {
          open(s: { write(b: Uint8Array): number; setNoDelay?(v: boolean): void }) {
            s.setNoDelay?.(true);
            s.write(handshake(type));
            resolve({ write: (b) => void s.write(b) });
          },
          data(_s: unknown, chunk: Uint8Array) {
            const out: Uint8Array[][] = [];
            frames.parse(chunk, out);
            inbox.put(out);
          },
        },
      });
    });
  }
  const listener = Deno.listen({ hostname: host, port });
  const conn = await listener.accept();
  conn.setNoDelay(true);
  await conn.write(handshake(type));
  // The next read starts when the user has taken every message (one pending while it waits):
  // bytes that arrive meanwhile gather in the kernel and come in one read op. Reading again at
  // once after each chunk measured 3–4× the CPU per 16 B message (many small reads).
  const read = slabReads(conn);
  let reading = false;
  const readOnce = (): void => {
    if (reading) return;
    reading = true;
    read().then((chunk) => {
      reading = false;
      if (chunk === null) return;
      const out: Uint8Array[][] = [];
      frames.parse(chunk, out);
      if (out.length === 0) return readOnce();
      inbox.put(out);
    }, () => {});
  };
  inbox.onEmpty(readOnce);
  readOnce();
  return { write: (b) => writeAll(conn, b) };
}

/**
 * Reads into the unfilled rest of a 256 KiB slab (a fresh slab once little is left), so a
 * chunk's views stay valid after hand-off and a read op moves up to 256 KiB.
 */
function slabReads(conn: Deno.Conn): () => Promise<Uint8Array | null> {
  let free = new Uint8Array(SLAB);
  return async () => {
    const n = await conn.read(free);
    if (n === null) return null;
    const chunk = free.subarray(0, n);
    free = free.length - n < 8192 ? new Uint8Array(SLAB) : free.subarray(n);
    return chunk;
  };
}

/** Reads on as chunks arrive (the connecting side), each to `onChunk`. */
function readLoop(conn: Deno.Conn, onChunk: (chunk: Uint8Array) => void): void {
  const read = slabReads(conn);
  (async () => {
    for (let chunk = await read(); chunk !== null; chunk = await read()) onChunk(chunk);
  })().catch(() => {});
}

async function writeAll(conn: Deno.Conn, b: Uint8Array): Promise<void> {
  let off = 0;
  while (off < b.length) off += await conn.write(b.subarray(off));
}

/** A sender: `send()` frames the message into the write buffer and returns a settled promise. */
class Sender {
  #buf = new Uint8Array(64 * 1024);
  #len = 0;
  #writing = false;
  #scheduled = false;
  readonly #write: (b: Uint8Array) => Promise<void> | void;
  static readonly #done = Promise.resolve();

  constructor(write: (b: Uint8Array) => Promise<void> | void) {
    this.#write = write;
  }

  send(body: Uint8Array): Promise<void> {
    const need = this.#len + 9 + body.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(need * 2);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    const b = this.#buf;
    let at = this.#len;
    if (body.length < 256) {
      b[at++] = 0;
      b[at++] = body.length;
    } else {
      b[at++] = 0x02;
      for (let k = 0; k < 4; k++) b[at++] = 0;
      b[at++] = body.length >>> 24;
      b[at++] = (body.length >>> 16) & 0xff;
      b[at++] = (body.length >>> 8) & 0xff;
      b[at++] = body.length & 0xff;
    }
    if (body.length <= 32) { for (let k = 0; k < body.length; k++) b[at++] = body[k]!; }
    else {
      b.set(body, at);
      at += body.length;
    }
    this.#len = at;
    if (at >= 8192) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return Sender.#done;
  }

  #flush(): void {
    if (this.#writing || this.#len === 0) return;
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    const w = this.#write(out);
    if (w instanceof Promise) {
      this.#writing = true;
      w.then(() => {
        this.#writing = false;
        this.#flush();
      });
    }
  }
}

/** Connects (retrying until the peer listens); what arrives is parsed into `inbox` if given. */
async function connect(type: string, inbox?: Inbox): Promise<Side> {
  const frames = new Frames();
  const arrived = (chunk: Uint8Array) => {
    if (inbox === undefined) return;
    const out: Uint8Array[][] = [];
    frames.parse(chunk, out);
    inbox.put(out);
  };
  if (RUNTIME.startsWith("bun")) {
    // deno-lint-ignore no-explicit-any
    const Bun = (globalThis as any).Bun;
    const pending: Uint8Array[] = [];
    let sock: { write(b: Uint8Array): number } | null = null;
    const side: Side = {
      // Bun's write may take part of the buffer: keep the rest for `drain`.
      write: (b) => {
        if (sock === null || pending.length > 0) return void pending.push(b);
        const n = sock.write(b);
        if (n < b.length) pending.push(b.subarray(n));
      },
    };
    for (;;) {
      try {
        await Bun.connect({
          hostname: host,
          port,
          socket: {
            open(s: { write(b: Uint8Array): number; setNoDelay?(v: boolean): void }) {
              s.setNoDelay?.(true);
              sock = s;
              s.write(handshake(type));
            },
            drain(s: { write(b: Uint8Array): number }) {
              while (pending.length > 0) {
                const b = pending[0]!;
                const n = s.write(b);
                if (n < b.length) {
                  pending[0] = b.subarray(n);
                  return;
                }
                pending.shift();
              }
            },
            data(_s: unknown, chunk: Uint8Array) {
              arrived(chunk);
            },
          },
        });
        return side;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.setNoDelay(true);
      await conn.write(handshake(type));
      readLoop(conn, arrived);
      return { write: (b) => writeAll(conn, b) };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** One message's frames, short headers and MORE flags, in one buffer. */
function encode(msg: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const f of msg) len += (f.length < 256 ? 2 : 9) + f.length;
  const out = new Uint8Array(len);
  let at = 0;
  msg.forEach((f, i) => {
    const more = i < msg.length - 1 ? 1 : 0;
    if (f.length < 256) {
      out[at++] = more;
      out[at++] = f.length;
    } else {
      out[at] = 0x02 | more;
      new DataView(out.buffer).setUint32(at + 5, f.length);
      at += 9;
    }
    out.set(f, at);
    at += f.length;
  });
  return out;
}

if (p.role === "pull") {
  const inbox = new Inbox();
  await listen(inbox, "PULL");
  await receiveTimed(p, inbox, (frames) => frames[0]!.length);
  proc.exit(0);
} else if (p.role === "push") {
  const sender = new Sender((await connect("PUSH")).write);
  const buf = new Uint8Array(p.size).fill(0x78);
  await sender.send(buf);
  const cpu0 = cpuSeconds();
  for (let i = 1; i < p.count; i++) await sender.send(buf);
  printSenderCpu(p, cpuSeconds() - cpu0);
  await new Promise((r) => setTimeout(r, 60_000));
  proc.exit(0);
} else if (p.role === "rep") {
  // Echoes each request as it came (delimiter and body), one write per request.
  const inbox = new Inbox();
  const side = await listen(inbox, "REP");
  for await (const msg of inbox) {
    await side.write(encode(msg));
    if (msg[msg.length - 1]!.length === 0) break; // the stop request
  }
  proc.exit(0);
} else {
  const inbox = new Inbox();
  const side = await connect("REQ", inbox);
  const replies = inbox[Symbol.asyncIterator]();
  const request = encode([new Uint8Array(0), new Uint8Array(p.size)]);
  const rtt = await timedRoundTrips(p.count, async () => {
    await side.write(request);
    await replies.next();
  });
  await side.write(encode([new Uint8Array(0), new Uint8Array(0)]));
  await replies.next();
  printLatency(p, rtt);
  proc.exit(0);
}
