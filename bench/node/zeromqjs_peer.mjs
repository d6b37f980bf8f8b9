// zeromqjs_peer: one end of a cross-process benchmark on zeromq.js (Node), the flags and JSON keys
// of `zmq_bench --role` and bench/zmq/peer.ts, so bench/zmq/compare.mjs can pair it with any of
// them:  node bench/node/zeromqjs_peer.mjs --role pull|push|rep|req --endpoint EP --size N --count N
import process from "node:process";
import * as zmq from "zeromq";

const o = {};
for (let i = 2; i < process.argv.length; i += 2) o[process.argv[i].slice(2)] = process.argv[i + 1];
const { role, endpoint } = o;
const size = Number(o.size ?? 16);
const count = Number(o.count ?? 100000);
const transport = endpoint.split(":")[0];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const line = (obj) => process.stdout.write(JSON.stringify({ impl: "zeromq.js", ...obj }) + "\n");
const pct = (s, p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];

if (role === "pull") {
  const pull = new zmq.Pull();
  await pull.bind(endpoint);
  let n = 0, t0 = 0, c0 = 0, last = 0;
  for await (const [msg] of pull) {
    if (n === 0) [t0, c0] = [performance.now(), cpu()];
    last = msg.length;
    if (++n === count) break;
  }
  const secs = (performance.now() - t0) / 1e3;
  const c = cpu() - c0;
  if (last !== size) throw new Error(`pull: got ${last} B, expected ${size}`);
  const rate = (count - 1) / secs;
  line({
    scenario: "push_pull",
    mode: "plain",
    transport,
    size,
    count: count - 1,
    seconds: +secs.toFixed(3),
    msg_per_s: Math.round(rate),
    mb_per_s: +(rate * size / 1e6).toFixed(1),
    cpu_ns_per_msg: Math.round(c * 1e9 / (count - 1)),
  });
  pull.close();
} else if (role === "push") {
  const push = new zmq.Push({ linger: -1 });
  push.connect(endpoint);
  const buf = Buffer.alloc(size, 0x78);
  for (let i = 0; i < count; i++) await push.send(buf);
  push.close(); // linger -1: the context waits at exit until PULL has everything
} else if (role === "rep") {
  const rep = new zmq.Reply();
  await rep.bind(endpoint);
  for await (const [msg] of rep) {
    await rep.send(msg);
    if (msg.length === 0) break;
  }
  rep.close();
} else if (role === "req") {
  const req = new zmq.Request();
  req.connect(endpoint);
  const buf = Buffer.alloc(size);
  for (let i = 0; i < 1000; i++) await req.send(buf), await req.receive();
  const rtt = new Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await req.send(buf);
    await req.receive();
    rtt[i] = (performance.now() - t0) * 1e3;
  }
  await req.send(Buffer.alloc(0));
  await req.receive();
  const sum = rtt.reduce((a, b) => a + b, 0);
  rtt.sort((a, b) => a - b);
  line({
    scenario: "req_rep",
    mode: "plain",
    transport,
    size,
    count,
    p50_us: +pct(rtt, 0.5).toFixed(1),
    p99_us: +pct(rtt, 0.99).toFixed(1),
    p999_us: +pct(rtt, 0.999).toFixed(1),
    max_us: +rtt[count - 1].toFixed(1),
    mean_us: +(sum / count).toFixed(1),
  });
  req.close();
} else {
  throw new Error(`zeromqjs_peer: bad --role ${role}`);
}
