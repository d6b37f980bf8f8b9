// push_merge: the `mergePushes` app option against unmerged pushes, at 10,000 WebSocket sessions
// in one group. This process is the weft server (Deno or Bun); the sessions live in Node worker
// processes (raw pomelo over raw WebSocket on net sockets, nothing parsed but frame and packet
// headers). A round is --burst broadcasts of a small push, each in its own macrotask (messages
// that arrive one after another, as a chat room's do); the figures per round are the server's
// CPU time, the WebSocket messages the sessions received (the writes the server made), and the
// time from the first broadcast to the last push seen. Median of --rounds rounds per mode.
//
//   ./node_modules/deno/deno run -A bench/nano/push_merge.mjs [--sessions 10000] [--burst 10]
//       [--interval 50] [--rounds 5] [--procs 2]
//   ./node_modules/bun/bin/bun.exe bench/nano/push_merge.mjs [same options]
//
// Prints one JSON line per mode (unmerged, merged) and a small table.
import net from "node:net";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const now = () => performance.timeOrigin + performance.now(); // comparable across processes

// ---- worker (Node): sessions that count messages and pushes ---------------------------------

function packet(type, body = Buffer.alloc(0)) {
  const out = Buffer.alloc(4 + body.length);
  out[0] = type;
  out.writeUIntBE(body.length, 1, 3);
  body.copy(out, 4);
  return out;
}

/** A masked client frame with the zero key (RFC 6455 allows it; masking is then free). */
function frame(payload) {
  const n = payload.length;
  const head = n < 126 ? 6 : 8;
  const out = Buffer.alloc(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = 0x80 | n;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  }
  payload.copy(out, head);
  return out;
}

function request(route) {
  const r = Buffer.from(route);
  return frame(packet(4, Buffer.concat([Buffer.from([0x00, 1, r.length]), r, Buffer.from("{}")])));
}

const HANDSHAKE = frame(packet(1, Buffer.from(JSON.stringify({ sys: { type: "bench" } }))));
const ACK = frame(packet(2));
const JOIN = request("bench.join");

/** One session; `counts` gets every WebSocket message and push packet it receives. */
function dial(port, counts) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let upgraded = false;
    let buf = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("connect", () =>
      socket.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ));
    const message = (p) => {
      counts.messages++;
      for (let at = 0; at + 4 <= p.length;) {
        const type = p[at];
        const len = (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
        const mtype = (p[at + 4] >> 1) & 7;
        at += 4 + len;
        if (type === 1) {
          socket.write(ACK);
          resolve(socket);
        } else if (type === 4 && mtype === 3) {
          counts.pushes++;
          counts.last = now();
        } else if (type === 4 && mtype === 2) counts.joined++;
      }
    };
    socket.on("data", (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
        socket.write(HANDSHAKE);
      }
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let head = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          head = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          head = 10;
        }
        if (buf.length < head + len) return;
        message(buf.subarray(head, head + len));
        buf = buf.subarray(head + len);
      }
    });
  });
}

async function worker(port, n) {
  const counts = { messages: 0, pushes: 0, last: 0, joined: 0 };
  const sockets = [];
  for (let i = 0; i < n; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 200); j++) batch.push(dial(port, counts));
    sockets.push(...await Promise.all(batch));
  }
  process.on("message", (m) => {
    if (m.join) {
      for (const s of sockets) s.write(JOIN);
    } else if (m.reset) {
      counts.messages = counts.pushes = counts.last = 0;
    } else if (m.report) {
      process.send({ ...counts });
    } else if (m.stop) {
      for (const s of sockets) s.destroy();
      process.send({ stopped: true }, () => process.exit(0));
    }
  });
  process.send({ ready: true });
}

// ---- server and coordinator (Deno or Bun) ---------------------------------------------------

function args(argv) {
  const o = { sessions: 10_000, burst: 10, interval: 50, rounds: 5, procs: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in o)) throw new Error(`unknown option ${argv[i]} (expected ${Object.keys(o)})`);
    o[key] = Number(argv[i + 1]);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const macrotask = () => new Promise((r) => setTimeout(r, 0));

async function run(o, mergePushes) {
  const { App } = await import("../../src/nano.ts");
  const app = new App({
    port: 0,
    host: "127.0.0.1",
    heartbeatInterval: 0,
    maxOutboundMessages: 1 << 20,
    logger: { error: console.error, warn: () => {} },
    mergePushes,
  });
  const group = app.group("all");
  app.handle("bench.join", (session) => ({ joined: group.add(session) }));
  const { port } = await app.listen();
  const per = Math.ceil(o.sessions / o.procs);
  const node = process.env.WEFT_NODE ?? "node";
  const workers = [];
  for (let i = 0; i < o.procs; i++) {
    const n = Math.min(per, o.sessions - i * per);
    // spawn with an ipc channel rather than fork: Deno's fork passes its own `run` arguments.
    workers.push(spawn(node, [fileURLToPath(import.meta.url), "worker", String(port), String(n)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }));
  }
  const next = (w) => new Promise((r) => w.once("message", r));
  const all = async (msg) => {
    const answers = workers.map(next);
    if (msg) { for (const w of workers) w.send(msg); }
    return await Promise.all(answers);
  };
  try {
    await all();
    for (const w of workers) w.send({ join: true });
    while (group.count() < o.sessions) await sleep(50);
    const rounds = [];
    for (let r = 0; r < o.rounds; r++) {
      for (const w of workers) w.send({ reset: true });
      await sleep(300);
      const expected = o.sessions * o.burst;
      const start = now();
      const cpu0 = process.cpuUsage();
      for (let b = 0; b < o.burst; b++) {
        group.broadcast("onBench", { round: r, n: b, text: "hello, everyone" });
        await macrotask();
      }
      let reports;
      for (;;) {
        reports = await all({ report: true });
        if (reports.reduce((s, x) => s + x.pushes, 0) >= expected) break;
        if (now() - start > 30_000) throw new Error(`round ${r}: pushes missing`);
        await sleep(5);
      }
      const cpu = process.cpuUsage(cpu0);
      rounds.push({
        cpuMs: (cpu.user + cpu.system) / 1000,
        messages: reports.reduce((s, x) => s + x.messages, 0),
        pushes: reports.reduce((s, x) => s + x.pushes, 0),
        ms: Math.max(...reports.map((x) => x.last)) - start,
      });
    }
    return {
      mode: mergePushes ? `merged (${mergePushes} ms)` : "unmerged",
      runtime: "Deno" in globalThis ? `deno ${Deno.version.deno}` : `bun ${globalThis.Bun.version}`,
      sessions: o.sessions,
      burst: o.burst,
      pushes: median(rounds.map((x) => x.pushes)),
      wsMessages: median(rounds.map((x) => x.messages)),
      serverCpuMs: Math.round(median(rounds.map((x) => x.cpuMs)) * 10) / 10,
      lastPushMs: Math.round(median(rounds.map((x) => x.ms)) * 10) / 10,
      cpuRounds: rounds.map((x) => Math.round(x.cpuMs)),
    };
  } finally {
    await all({ stop: true });
    await app.close({ timeout: 2000 });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === "worker") {
  process.on("disconnect", () => process.exit(0));
  await worker(Number(argv[1]), Number(argv[2]));
} else {
  const o = args(argv);
  const results = [];
  for (const merge of [0, o.interval]) {
    const r = await run(o, merge);
    console.log(JSON.stringify(r));
    results.push(r);
  }
  console.log(
    "| mode | pushes | ws messages | server CPU per round (ms) | first broadcast → last push (ms) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.mode} | ${r.pushes} | ${r.wsMessages} | ${r.serverCpuMs} | ${r.lastPushMs} |`,
    );
  }
  process.exit(0);
}
