/**
 * A child process for the close tests: connects a ZeroMQ PUSH or an SP Push0 to a URL, sends
 * numbered messages, prints `closing`, calls `close()`, awaits `closed`, prints `closed` and
 * exits at once — what a program does at its end. Whatever `send()` accepted must arrive.
 * With `bind` it binds (listens on) the URL instead and prints `bound <endpoint>` first.
 *
 *     close_sender.ts <zmq|sp> <url> <n> <size> <fired|awaited> <sendHighWaterMark> [bind]
 * @module
 */
import process from "node:process";
import { Push } from "../../../src/zmq.ts";
import { Push0 } from "../../../src/sp.ts";

const [family, url, n, size, mode, hwm, place] = process.argv.slice(2);
const count = Number(n);
const bytes = Number(size);

function numbered(i: number): Uint8Array {
  const m = new Uint8Array(bytes);
  new DataView(m.buffer).setUint32(0, i);
  return m;
}

let socket: Push | Push0;
if (family === "zmq") {
  const push = new Push({ sendHighWaterMark: Number(hwm), linger: -1 });
  if (place === "bind") {
    await push.bind(url!);
    console.log(`bound ${push.lastEndpoint}`);
  } else push.connect(url!);
  socket = push;
} else {
  const push = new Push0({ linger: -1 });
  if (place === "bind") {
    await push.listen(url!);
    console.log(`bound ${push.lastEndpoint}`);
  } else await push.dial(url!);
  socket = push;
}
if (mode === "fired") {
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) sends.push(socket.send(numbered(i)));
  await Promise.all(sends);
} else {
  for (let i = 0; i < count; i++) await socket.send(numbered(i));
}
console.log("closing");
socket.close();
await socket.closed;
console.log("closed");
process.exit(0);
