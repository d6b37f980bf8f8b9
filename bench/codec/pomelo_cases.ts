/**
 * Codec benchmark cases for pomelo: decode and encode of batches of DATA messages, wasm-backed
 * face vs the pure-TS reference, with and without route compression.
 * @module
 */

import {
  MessageType,
  PomeloDecoder,
  PomeloEncoder,
  type PomeloMessage,
  type PomeloMessageInit,
  type PomeloSink,
  RouteDictionary,
} from "../../src/codec/pomelo.ts";
import * as ref from "../../src/codec/_reference/pomelo.ts";
import type { BenchCase } from "./types.ts";

const ROUTES = ["Room.Join", "Room.Leave", "chat.say", "onChat", "game.move", "game.state"];

function json(size: number, seed: number): Uint8Array {
  const text = `{"seq":${seed},"pad":"${"x".repeat(Math.max(0, size - 20))}"}`;
  return new TextEncoder().encode(text.slice(0, size).padEnd(size, " "));
}

function batch(count: number, bodySize: number): PomeloMessageInit[] {
  return Array.from({ length: count }, (_, i) => ({
    type: i % 2 === 0 ? MessageType.REQUEST : MessageType.PUSH,
    id: 1000 + i,
    route: ROUTES[i % ROUTES.length]!,
    body: json(bodySize, i),
  }));
}

// Reads what a protocol layer would read, so neither side can skip work.
function countingSink(): PomeloSink & { n: number } {
  const sink = {
    n: 0,
    packet: (_type: number, body: Uint8Array) => {
      sink.n += body.length;
    },
    message: (m: PomeloMessage) => {
      sink.n += m.body.length + m.route.length + m.id;
    },
  };
  return sink;
}

function rows(): BenchCase[] {
  const dictionary = new RouteDictionary(ROUTES);
  const shapes: [string, number, number][] = [
    ["256 × 16 B", 256, 16],
    ["64 × 1 KiB", 64, 1024],
    ["1 × 64 KiB", 1, 65536],
  ];
  const out: BenchCase[] = [];
  for (const compressed of [false, true]) {
    const dict = compressed ? dictionary : undefined;
    const tag = compressed ? "dict" : "plain";
    for (const [label, count, size] of shapes) {
      const messages = batch(count, size);
      const wire = ref.encodeMessages(messages, dict);
      const maxBody = 1 << 20;
      const wasmDecoder = new PomeloDecoder(dict ? { maxBody, dictionary: dict } : { maxBody });
      const refDecoder = new ref.ReferencePomeloDecoder(
        dict ? { maxBody, dictionary: dict } : { maxBody },
      );
      const sink = countingSink();
      out.push(
        {
          group: `pomelo decode ${label} (${tag})`,
          name: "wasm",
          fn: () => void wasmDecoder.feed(wire, sink),
        },
        {
          group: `pomelo decode ${label} (${tag})`,
          name: "reference",
          fn: () => void refDecoder.feed(wire, sink),
        },
      );
      const encoder = new PomeloEncoder(dict ? { dictionary: dict } : {});
      out.push(
        {
          group: `pomelo encode ${label} (${tag})`,
          name: "wasm",
          fn: () => void encoder.encodeMessages(messages),
        },
        {
          group: `pomelo encode ${label} (${tag})`,
          name: "reference",
          fn: () => void ref.encodeMessages(messages, dict),
        },
      );
    }
  }
  return out;
}

/** The pomelo rows, in group order (wasm then reference). */
export const cases: BenchCase[] = rows();
