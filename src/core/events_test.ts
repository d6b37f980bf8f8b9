/**
 * The socket event stream stays bounded whether or not anyone reads it (count-based).
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { EventStream, type SocketEvent } from "./events.ts";

const event = (i: number): SocketEvent => ({
  type: "accept",
  endpoint: "tcp://127.0.0.1:5555",
  remoteAddress: `tcp://127.0.0.1:${i}`,
});

async function drain(events: EventStream): Promise<SocketEvent[]> {
  events.end();
  const out: SocketEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

// A server whose events nobody reads must not keep one per connection: the soak's heap crept
// while three sockets' unread streams filled (tools/soak, bench/README.md "Soak").
test("an unread event stream keeps the newest 1,024 events, not one per event", async () => {
  const events = new EventStream();
  let heard = 0;
  events.on("accept", () => heard++); // listeners do not read the stream
  for (let i = 0; i < 5000; i++) events.emit(event(i));
  const kept = await drain(events);
  assert.equal(heard, 5000);
  assert.equal(kept.length, 1024);
  assert.equal(kept[0]!.remoteAddress, `tcp://127.0.0.1:${5000 - 1024}`);
  assert.equal(kept.at(-1)!.remoteAddress, "tcp://127.0.0.1:4999");
});

test("a stream that is being read keeps nothing", async () => {
  const events = new EventStream();
  let read = 0;
  const reader = (async () => {
    for await (const _ of events) read++;
  })();
  for (let i = 0; i < 5000; i++) {
    events.emit(event(i));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0)); // the reader takes them
  }
  events.end();
  await reader;
  assert.equal(read, 5000);
  assert.equal((await drain(events)).length, 0);
});
