// load: the one load generator of the nano scenarios, for weft and pinus alike. Plain Node, no
// dependencies: raw pomelo over raw WebSocket on net sockets, so each side of the comparison sees
// the very same bytes and the generator costs as little as possible (frames are built once and
// patched; the client mask is the all-zero key, which RFC 6455 allows and makes masking free;
// responses are read by their header only, bodies are never parsed).
//
//   node bench/nano/load.mjs pingpong --port P [--clients 1000] [--procs 1] [--seconds 5] [--warmup 1]
//                                     [--pid SERVER_PID] [--pids P1,P2,...] [--route connector.bench]
//   node bench/nano/load.mjs fanout --port P [--sessions 10000] [--procs 4] [--rounds 5]
//   (--ports P1,P2,... instead of --port: sessions dial them in turn, e.g. two pinus connectors)
//
// pingpong: --clients sessions over --procs worker processes; each session sends bench.echo, waits
// for the answer, sends the next. Prints one JSON line: requests per second over the window, the
// latency p50/p99 (ms, send to answer), the cores the generator used and (with --pid or --pids, on
// Linux) the cores the server processes used (all of them, and each in serverCpuEach).
// --route: the routes' prefix (default connector.bench: connector.bench.echo…); another prefix,
// e.g. bench.bench, sends them to another server type in a cluster (pinus or weft).
// fanout: --sessions idle sessions over --procs worker processes. The server's heap is read
// (bench.mem: GC, then heapUsed) before and after they connect; then every session joins the
// broadcast group (bench.join) and --rounds broadcasts are triggered (bench.broadcast); each
// round's figure is the time from sending the trigger to the last delivery seen by any worker.
// Prints one JSON line with the heap per idle session and the median broadcast round.
// The coordinator process only holds a control session; workers are separate processes, and the
// server under test is another process again.
import net from "node:net";
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

const now = () => performance.timeOrigin + performance.now(); // comparable across processes

// ---- pomelo over raw WebSocket ----------------------------------------------------------------

const HANDSHAKE = Buffer.from(JSON.stringify({ sys: { type: "weft-bench", version: "0.1.0" } }));

/** One pomelo packet (type, u24 length, body). */
function packet(type, body = Buffer.alloc(0)) {
  const out = Buffer.allocUnsafe(4 + body.length);
  out[0] = type;
  out.writeUIntBE(body.length, 1, 3);
  body.copy(out, 4);
  return out;
}

/** A masked client frame with the zero key (mask bit set, key 0: the payload goes as it is). */
function frame(payload) {
  const n = payload.length;
  const head = n < 126 ? 6 : n < 65536 ? 8 : 14;
  const out = Buffer.alloc(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(n, 6);
  }
  payload.copy(out, head);
  return out;
}

/** A REQUEST message (id < 128 so it is one varint byte) inside a DATA packet. */
function request(route, body) {
  const r = Buffer.from(route);
  const msg = Buffer.concat([Buffer.from([0x00, 1, r.length]), r, Buffer.from(body)]);
  return packet(4, msg);
}

const HEARTBEAT_FRAME = frame(packet(3));
const ACK_FRAME = frame(packet(2));
const HANDSHAKE_FRAME = frame(packet(1, HANDSHAKE));

/**
 * One session: dials, upgrades, does the pomelo handshake, then reports responses (by id) and
 * pushes. Resolves once the session is working.
 */
function dial(port, events = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    let upgraded = false;
    let pending = null; // bytes of an unfinished frame or head
    const session = {
      socket,
      ready: false,
      send: (bytes) => socket.write(bytes),
      close: () => socket.destroy(),
    };
    socket.on("connect", () => {
      socket.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    socket.on("error", (e) => {
      if (!session.ready) reject(e);
      else events.error?.(e);
    });
    socket.on("close", () => {
      if (!session.ready) reject(new Error("closed before the handshake"));
      else events.close?.();
    });
    const onPomelo = (p) => {
      for (let at = 0; at + 4 <= p.length;) {
        const type = p[at];
        const len = (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
        const body = p.subarray(at + 4, at + 4 + len);
        at += 4 + len;
        if (type === 4) {
          const mtype = (body[0] >> 1) & 7;
          if (mtype === 2) {
            let id = 0;
            let shift = 1;
            let i = 1;
            for (; body[i] & 0x80; i++, shift *= 128) id += (body[i] & 0x7f) * shift;
            id += body[i] * shift;
            events.response?.(id, body.subarray(i + 1));
          } else if (mtype === 3) events.push?.(body);
        } else if (type === 1) {
          const answer = JSON.parse(body.toString());
          if (answer.code !== 200) {
            reject(new Error(`handshake refused: ${body}`));
            socket.destroy();
            return;
          }
          socket.write(ACK_FRAME);
          session.ready = true;
          resolve(session);
        } else if (type === 5) events.kick?.(body.toString());
      }
    };
    socket.on("data", (chunk) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          pending = buf;
          return;
        }
        const head = buf.subarray(0, end).toString();
        if (!head.startsWith("HTTP/1.1 101")) {
          reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        socket.write(HANDSHAKE_FRAME);
        buf = buf.subarray(end + 4);
      }
      let at = 0;
      while (buf.length - at >= 2) {
        const op = buf[at] & 0x0f;
        let len = buf[at + 1] & 0x7f;
        let head = 2;
        if (len === 126) {
          if (buf.length - at < 4) break;
          len = buf.readUInt16BE(at + 2);
          head = 4;
        } else if (len === 127) {
          if (buf.length - at < 10) break;
          len = buf.readUInt32BE(at + 6);
          head = 10;
        }
        if (buf.length - at < head + len) break;
        const payload = buf.subarray(at + head, at + head + len);
        at += head + len;
        if (op === 2 || op === 1 || op === 0) onPomelo(payload);
        else if (op === 9) socket.write(Buffer.concat([Buffer.from([0x8a, 0x80, 0, 0, 0, 0])]));
        else if (op === 8) socket.end();
      }
      if (at < buf.length) pending = buf.subarray(at);
    });
  });
}

/** Dials `count` sessions, `parallel` at a time. */
async function dialMany(count, make, parallel = 64) {
  const out = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      for (let attempt = 0;; attempt++) {
        try {
          out[i] = await make(i);
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  return out;
}

/** A request on a live session; resolves with the response body. */
function ask(session, waiters, id, route, body) {
  const msg = request(route, JSON.stringify(body));
  msg[5] = id;
  return new Promise((resolve) => {
    waiters.set(id, resolve);
    session.send(frame(msg));
  });
}

/** Heartbeats every 10 s for sessions that stay long (servers close silent ones). */
function heartbeats(sessions) {
  const t = setInterval(() => {
    for (const s of sessions) if (s && !s.socket.destroyed) s.send(HEARTBEAT_FRAME);
  }, 10_000);
  t.unref();
  return t;
}

// ---- workers ------------------------------------------------------------------------------------

// Latency histogram: bucket i holds latencies in [e^(i/50), e^((i+1)/50)) µs (2 % wide buckets).
const BUCKETS = 1200;
const bucketOf = (us) => Math.min(BUCKETS - 1, Math.max(0, Math.floor(Math.log(us) * 50)));
/** The latency (ms) at quantile q of merged histograms. */
function quantileMs(hists, q) {
  const sum = new Array(BUCKETS).fill(0);
  for (const h of hists) for (let i = 0; i < BUCKETS; i++) sum[i] += h[i];
  const total = sum.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += sum[i];
    if (seen >= q * total && total > 0) return Math.exp((i + 0.5) / 50) / 1000;
  }
  return NaN;
}

/** The port of session number `i` (sessions take the ports in turn). */
const portOf = (ports, i) => ports[i % ports.length];

async function pingpongWorker(ports, clients, offset, prefix) {
  const PAYLOAD = JSON.stringify({ msg: "hello, nano" });
  const ECHO = frame(request(`${prefix}.echo`, PAYLOAD));
  const ID_AT = 6 + 5; // frame head 6, packet head 4, flag 1
  let done = 0;
  let running = false;
  let bad = 0;
  let hist = new Array(BUCKETS).fill(0);
  const sessions = await dialMany(clients, (i) => {
    const own = Buffer.from(ECHO);
    let id = 1;
    let s;
    let checked = false;
    let sent = 0;
    const p = dial(portOf(ports, offset + i), {
      response: (got, body) => {
        const t = performance.now();
        hist[bucketOf((t - sent) * 1000)]++;
        if (got !== id) bad++;
        if (!checked) {
          // The first answer of each session must be the echo (not an error body).
          checked = true;
          if (body.toString() !== PAYLOAD) {
            console.error(`expected the echo ${PAYLOAD}, got ${body}`);
            process.exit(1);
          }
        }
        done++;
        if (!running) return;
        id = id === 127 ? 1 : id + 1;
        own[ID_AT] = id;
        sent = t;
        s.send(own);
      },
    }).then((session) => {
      s = session;
      session.kick = () => {
        own[ID_AT] = id;
        sent = performance.now();
        session.send(own);
      };
      return session;
    });
    return p;
  });
  heartbeats(sessions);
  process.send({ ready: true });
  process.on("message", (m) => {
    if (m.go) {
      running = true;
      for (const s of sessions) s.kick();
    } else if (m.mark) {
      process.send({ mark: m.mark, done, bad, cpu: process.cpuUsage(), hist });
      hist = new Array(BUCKETS).fill(0); // the next mark reports this window's latencies only
    } else if (m.stop) {
      running = false;
      for (const s of sessions) s.close();
      process.send({ stopped: true }, () => process.exit(0));
    }
  });
}

async function fanoutWorker(ports, count, offset, prefix) {
  let expect = 0;
  let got = 0;
  let last = 0;
  let joined = 0;
  const sessions = await dialMany(count, (i) =>
    dial(portOf(ports, offset + i), {
      push: () => {
        got++;
        last = now();
        if (got === expect) process.send({ delivered: got, last });
      },
      response: () => {
        // Only bench.join is asked here.
        if (++joined === sessions.length) process.send({ joined });
      },
    }));
  heartbeats(sessions);
  process.send({ ready: true });
  const JOIN = frame(request(`${prefix}.join`, "{}"));
  process.on("message", (m) => {
    if (m.join) {
      for (const s of sessions) s.send(JOIN);
    } else if (m.arm) {
      expect = sessions.length;
      got = 0;
      last = 0;
      process.send({ armed: true });
    } else if (m.report) {
      process.send({ delivered: got, last });
    } else if (m.stop) {
      for (const s of sessions) s.close();
      process.send({ stopped: true }, () => process.exit(0));
    }
  });
}

/** Progress on stderr when LOAD_TRACE is set (where a stalled run stopped). */
const trace = (what) => {
  if (process.env.LOAD_TRACE) process.stderr.write(`load: ${what} (${new Date().toISOString()})\n`);
};

// ---- coordinator --------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    mode: argv[0],
    port: 0,
    clients: 1000,
    sessions: 10_000,
    procs: 0,
    seconds: 5,
    warmup: 1,
    rounds: 5,
    pid: 0,
    pids: [],
    ports: [],
    route: "connector.bench",
  };
  for (let i = 1; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "");
    if (!(k in o)) throw new Error(`unknown flag ${argv[i]}`);
    if (k === "route") o.route = argv[i + 1];
    else if (k === "ports" || k === "pids") o[k] = argv[i + 1].split(",").map(Number);
    else o[k] = Number(argv[i + 1]);
  }
  if (o.ports.length === 0 && o.port) o.ports = [o.port];
  if (o.pid) o.pids = [o.pid, ...o.pids];
  return o;
}

/** Forks `n` workers and returns them with a message queue each. */
function workers(n, args) {
  const self = fileURLToPath(import.meta.url);
  return Array.from({ length: n }, (_, i) => {
    const child = fork(self, ["worker", ...args(i)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const inbox = [];
    const waiting = [];
    child.on("message", (m) => {
      const w = waiting.shift();
      if (w) w(m);
      else inbox.push(m);
    });
    child.on("exit", (code) => {
      if (code) {
        console.error(`load worker ${i} exited with ${code}`);
        process.exit(1);
      }
    });
    const next = () =>
      inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => waiting.push(r));
    return { child, next, send: (m) => child.send(m) };
  });
}

const all = (ws, m) => Promise.all(ws.map((w) => (m ? w.send(m) : undefined, w.next())));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** CPU seconds (user + system) of process `pid` so far, from /proc (Linux); NaN elsewhere. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
/** The server processes' CPU seconds so far, each. */
const cpusOf = (pids) => pids.map(cpuOf);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
/** Arguments of worker `i` of `procs` sharing `total` sessions. */
function workerArgs(kind, o, total, procs, i) {
  const per = Math.ceil(total / procs);
  return [
    kind,
    o.ports.join(","),
    String(Math.min(per, total - i * per)),
    String(i * per),
    o.route,
  ];
}

async function pingpong(o) {
  const procs = o.procs || 1;
  const ws = workers(procs, (i) => workerArgs("pingpong", o, o.clients, procs, i));
  await all(ws);
  for (const w of ws) w.send({ go: true });
  await sleep(o.warmup * 1000);
  const t0 = now();
  const s0 = cpusOf(o.pids);
  const a = await all(ws, { mark: 1 });
  await sleep(o.seconds * 1000);
  const b = await all(ws, { mark: 2 });
  const t1 = now();
  const s1 = cpusOf(o.pids);
  const done = b.reduce((s, m) => s + m.done, 0) - a.reduce((s, m) => s + m.done, 0);
  const cpu = b.reduce(
    (s, m, i) => s + m.cpu.user + m.cpu.system - a[i].cpu.user - a[i].cpu.system,
    0,
  );
  const bad = b.reduce((s, m) => s + m.bad, 0);
  await all(ws, { stop: true });
  const seconds = (t1 - t0) / 1000;
  return {
    scenario: "pingpong",
    clients: o.clients,
    procs,
    requests: done,
    seconds,
    rate: done / seconds,
    loadCpu: cpu / 1e6 / seconds, // cores the load generator used
    // cores the server processes used (with --pid/--pids, on Linux; NaN without)
    serverCpu: o.pids.length ? (sum(s1) - sum(s0)) / seconds : NaN,
    serverCpuEach: s1.map((c, i) => (c - s0[i]) / seconds),
    p50Ms: quantileMs(b.map((m) => m.hist), 0.5),
    p99Ms: quantileMs(b.map((m) => m.hist), 0.99),
    mismatched: bad,
  };
}

async function fanout(o) {
  const procs = o.procs || 4;
  const waiters = new Map();
  const control = await dial(o.ports[0], {
    response: (id, body) => {
      const w = waiters.get(id);
      waiters.delete(id);
      w?.(JSON.parse(body.toString()));
    },
  });
  const ctl = async (route, body = {}) => {
    const answer = await ask(control, waiters, 1, route, body);
    if (answer.code !== undefined) {
      throw new Error(`${route}: error answer ${JSON.stringify(answer)}`);
    }
    return answer;
  };
  await ctl(`${o.route}.mem`);
  const before = await ctl(`${o.route}.mem`);
  const t0 = now();
  const ws = workers(procs, (i) => workerArgs("fanout", o, o.sessions, procs, i));
  await all(ws);
  const connectSeconds = (now() - t0) / 1000;
  trace(`connected in ${connectSeconds} s`);
  await sleep(500);
  await ctl(`${o.route}.mem`);
  const after = await ctl(`${o.route}.mem`);
  trace("joining");
  await all(ws, { join: true });
  trace("joined");
  const rounds = [];
  for (let r = 0; r < o.rounds; r++) {
    await all(ws, { arm: true });
    const start = now();
    const c0 = cpusOf(o.pids);
    const answer = await ctl(`${o.route}.broadcast`, { text: "hello, everyone", round: r });
    let reports = await Promise.race([all(ws), sleep(10_000).then(() => null)]);
    if (!reports) reports = await all(ws, { report: true });
    const delivered = reports.reduce((s, m) => s + m.delivered, 0);
    const last = Math.max(...reports.map((m) => m.last));
    const cpuMs = (sum(cpusOf(o.pids)) - sum(c0)) * 1000; // includes the round's wait (idle)
    rounds.push({ delivered, ms: last - start, sent: answer.count, cpuMs });
    await sleep(200);
  }
  await all(ws, { stop: true });
  control.close();
  const best = median(rounds.map((r) => r.ms));
  const delivered = Math.min(...rounds.map((r) => r.delivered));
  return {
    scenario: "fanout",
    sessions: o.sessions,
    procs,
    connectSeconds,
    heapBefore: before.heap,
    heapAfter: after.heap,
    sessionsSeen: after.sessions,
    bytesPerSession: (after.heap - before.heap) / o.sessions,
    rssPerSession: (after.rss - before.rss) / o.sessions,
    broadcastMs: best,
    delivered,
    deliveriesPerSecond: delivered / (best / 1000),
    serversCpuMs: o.pids.length ? median(rounds.map((r) => r.cpuMs)) : NaN,
    rounds: rounds.map((r) => Math.round(r.ms * 100) / 100),
  };
}

const argv = process.argv.slice(2);
if (argv[0] === "worker") {
  // A worker never outlives its coordinator (its inherited stdout would keep callers waiting).
  process.on("disconnect", () => process.exit(0));
  const [, kind, portList, n, offset, prefix] = argv;
  const ports = portList.split(",").map(Number);
  if (kind === "pingpong") await pingpongWorker(ports, Number(n), Number(offset), prefix);
  else await fanoutWorker(ports, Number(n), Number(offset), prefix);
} else {
  const o = parseArgs(argv);
  if (o.ports.length === 0) throw new Error("--port (or --ports) is required");
  const result = o.mode === "pingpong" ? await pingpong(o) : await fanout(o);
  console.log(JSON.stringify(result));
  process.exit(0);
}
