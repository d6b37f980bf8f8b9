// floor_server: the least a pomelo server can do per message on a runtime — the floor under any
// framework there. It answers the nano bench routes (bench/nano/server.ts) with no framework at
// all: one read loop per socket, a WebSocket upgrade, pomelo packets parsed in place, prebuilt
// answers with the request id patched in, and a broadcast that writes one prebuilt frame to every
// joined socket. No sessions, queues, middleware, serializers, timers or error handling beyond
// closing the socket. Its figures say how far a framework on that runtime could go at best, and
// so whether a bar set against pinus is reachable on this machine at all.
//
//   node bench/nano/floor_server.mjs [port]                (node:net)
//   ./node_modules/deno/deno run -A --v8-flags=--expose-gc bench/nano/floor_server.mjs [port] [net]
//        net = node (default): Deno's node:net, as weft/nano uses on Deno;
//        net = deno: Deno.listen, as weft's ZeroMQ and SP sockets use
//   ./node_modules/bun/bin/bun.exe bench/nano/floor_server.mjs [port] [reuseport]
//        (Bun.listen, as weft uses; `reuseport` lets several processes share the port — the
//        multi-core ping-pong floor: start two, then run the load against the port)
//
// WEFT_FLOOR_JSON=1: the echo also does the JSON work a pomelo handler needs (UTF-8 decode,
// JSON.parse, JSON.stringify, UTF-8 encode), to show how much of a framework's gap that is.
//
// Prints {"ready":true,"port":P} once listening; exits on SIGTERM/SIGINT.
import { createHash } from "node:crypto";
import process from "node:process";

const te = new TextEncoder();
const td = new TextDecoder();
const withJson =
  (globalThis.Deno ? globalThis.Deno.env.get("WEFT_FLOOR_JSON") : process.env.WEFT_FLOOR_JSON) ===
    "1";

// ---- pomelo and WebSocket bytes -------------------------------------------------------------------

/** A server WebSocket binary frame (unmasked) around `payload`. */
function wsFrame(payload) {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = new Uint8Array(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 127;
    new DataView(out.buffer).setUint32(6, n);
  }
  out.set(payload, head);
  return out;
}

/** A pomelo packet (type, u24 length, body). */
function packet(type, body) {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >> 16;
  out[2] = (body.length >> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/** A RESPONSE message with a one-byte id slot (patched per answer; ids < 128 as the load uses). */
const response = (body) => wsFrame(packet(4, new Uint8Array([0x04, 0, ...te.encode(body)])));
/** Offset of the id byte inside a response frame built by `response` (frame head 2 or 4). */
const idAt = (frame) => (frame[1] === 126 ? 4 : 2) + 4 + 1;

const HANDSHAKE_ANSWER = wsFrame(
  packet(1, te.encode(JSON.stringify({ code: 200, sys: { heartbeat: 30, servertime: 0 } }))),
);
const JOINED = response('{"joined":true}');

// ---- one connection's parser ----------------------------------------------------------------------

/**
 * Feeds a connection's bytes through the upgrade, the WebSocket frames and the pomelo packets,
 * answering through `send(bytes)`. Keeps unfinished bytes between reads.
 */
function connection(send, close, server) {
  let upgraded = false;
  let pending = null;
  const conn = { send, close };
  const onMessage = (m) => {
    // DATA packet body: flag (type << 1), id varint, route length, route, body.
    if (m[0] >> 1 !== 0) return; // notifies: nothing to answer
    let i = 1;
    let id = 0;
    let shift = 1;
    for (; m[i] & 0x80; i++, shift *= 128) id += (m[i] & 0x7f) * shift;
    id += m[i++] * shift; // answers carry ids < 128 in one byte, as the load generator uses
    const routeLen = m[i++];
    const route = td.decode(m.subarray(i, i + routeLen));
    const body = m.subarray(i + routeLen);
    let answer;
    if (route === "connector.bench.echo") {
      // Echo: the payload goes back as it came, in a frame built here (sizes vary by request).
      const echoed = withJson ? te.encode(JSON.stringify(JSON.parse(td.decode(body)))) : body;
      answer = wsFrame(packet(4, new Uint8Array([0x04, id, ...echoed])));
      send(answer);
      return;
    }
    if (route === "connector.bench.join") {
      server.joined.push(conn);
      answer = JOINED;
    } else if (route === "connector.bench.broadcast") {
      const push = wsFrame(packet(4, new Uint8Array([0x06, 7, ...te.encode("onBench"), ...body])));
      for (const c of server.joined) c.send(push);
      answer = response(`{"count":${server.joined.length}}`);
    } else if (route === "connector.bench.mem") {
      server.gc();
      const m = server.memory();
      answer = response(JSON.stringify({ heap: m.heapUsed, rss: m.rss, sessions: server.count }));
    } else answer = response('{"code":404}');
    answer[idAt(answer)] = id;
    send(answer);
  };
  const onPomelo = (p) => {
    for (let at = 0; at + 4 <= p.length;) {
      const type = p[at];
      const len = (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
      if (type === 1) send(HANDSHAKE_ANSWER);
      else if (type === 4) onMessage(p.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
  };
  return (chunk) => {
    let buf = chunk;
    if (pending) {
      buf = new Uint8Array(pending.length + chunk.length);
      buf.set(pending);
      buf.set(chunk, pending.length);
      pending = null;
    }
    let at = 0;
    if (!upgraded) {
      const text = td.decode(buf);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        pending = buf;
        return;
      }
      const key = /sec-websocket-key:\s*(\S+)/i.exec(text.slice(0, end))?.[1];
      if (!key) return close();
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .digest("base64");
      send(te.encode(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      ));
      upgraded = true;
      at = end + 4; // the request line is ASCII: string offsets are byte offsets
    }
    while (buf.length - at >= 2) {
      let len = buf[at + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = (buf[at + 2] << 8) | buf[at + 3];
        head = 4;
      } else if (len === 127) return close();
      const masked = (buf[at + 1] & 0x80) !== 0;
      if (masked) head += 4;
      if (buf.length - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      if (masked) {
        const k = buf.subarray(at + head - 4, at + head);
        if (k[0] | k[1] | k[2] | k[3]) { for (let j = 0; j < len; j++) payload[j] ^= k[j & 3]; }
      }
      const op = buf[at] & 0x0f;
      at += head + len;
      if (op === 8) return close();
      if (op === 2 || op === 1) onPomelo(payload);
    }
    if (at < buf.length) pending = buf.slice(at);
  };
}

// ---- the three runtimes' sockets ------------------------------------------------------------------

const g = globalThis;
const args = g.Deno ? g.Deno.args : process.argv.slice(2);
const port = Number(args[0] ?? 3250);
const denoSockets = g.Deno && args[1] === "deno";
const server = {
  joined: [],
  count: 0,
  gc: () => (g.Bun ? g.Bun.gc(true) : g.gc?.()),
  memory: () => (g.Deno ? g.Deno.memoryUsage() : process.memoryUsage()),
};
const ready = (p) => console.log(JSON.stringify({ ready: true, port: p }));
const forget = (conn) => {
  server.count--;
  server.joined = server.joined.filter((c) => c.send !== conn);
};

if (g.Bun) {
  const listener = g.Bun.listen({
    hostname: "127.0.0.1",
    port,
    reusePort: args[1] === "reuseport", // several processes on one port: the kernel spreads them
    socket: {
      open(s) {
        s.setNoDelay?.(true);
        server.count++;
        const send = (b) => s.write(b); // partial writes do not happen at these sizes here
        s.data = { send, feed: connection(send, () => s.end(), server) };
      },
      data(s, chunk) {
        s.data.feed(chunk);
      },
      close(s) {
        forget(s.data.send);
      },
    },
  });
  ready(listener.port);
} else if (denoSockets) {
  const listener = g.Deno.listen({ hostname: "127.0.0.1", port });
  ready(listener.addr.port);
  (async () => {
    for await (const c of listener) {
      c.setNoDelay(true);
      server.count++;
      const send = (b) => void c.write(b).catch(() => {});
      const feed = connection(send, () => c.close(), server);
      (async () => {
        const buf = new Uint8Array(16 * 1024);
        try {
          for (let n; (n = await c.read(buf)) !== null;) feed(buf.slice(0, n));
        } catch { /* reset */ }
        forget(send);
      })();
    }
  })();
} else {
  const net = await import("node:net");
  const s = net.createServer((sock) => {
    sock.setNoDelay(true);
    server.count++;
    const send = (b) => sock.write(b);
    const feed = connection(send, () => sock.destroy(), server);
    sock.on("data", (b) => feed(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    sock.on("error", () => {});
    sock.on("close", () => forget(send));
  });
  s.listen(port, "127.0.0.1", () => ready(s.address().port));
}
for (const sig of ["SIGTERM", "SIGINT"]) {
  if (g.Deno) g.Deno.addSignalListener(sig, () => g.Deno.exit(0));
  else process.on(sig, () => process.exit(0));
}
