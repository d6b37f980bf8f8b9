/**
 * Close semantics, run by the ZeroMQ and SP pattern suites on every transport they cover:
 * with `linger` ≠ 0, `close(); await closed` loses nothing `send()` accepted (fired at once or
 * awaited one by one, 16 B and 1 KiB, five times the high-water mark, to a peer that reads
 * slowly, through a dialer still waiting for its listener, and in a child process that exits
 * right after `closed`); `linger` 0 and a finite linger let go of a peer that never reads; and
 * a peer's last messages arrive even when its FIN comes in the same read as its handshake.
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pull, Push } from "../../src/zmq.ts";
import { Pull0, Push0, SpProtocols } from "../../src/sp.ts";
import { route } from "../../src/core/route.ts";
import { buildGreeting } from "../../src/protocol/zmtp/greeting.ts";
import { readyCommand } from "../../src/protocol/zmtp/command.ts";
import { buildHeader } from "../../src/protocol/sp/header.ts";
import { wsSubprotocol } from "../../src/protocol/sp/ids.ts";
import { SpFrameEncoder } from "../../src/codec/sp.ts";
import type { TransportRegistry } from "../../src/transport/types.ts";
import { concat, within } from "../_helpers.ts";
import { CLOSE_N, numbered, numberOf, readSlowly, startSender } from "./_close.ts";

/** The transport under test, as the pattern suites describe it. */
export interface CloseConfig {
  /** Shown in test names. */
  name: string;
  /** A fresh endpoint to bind. */
  endpoint(): string;
  /** The registry the sockets use. */
  transports(): TransportRegistry;
}

/** The sending and receiving side of one family, reduced to what the close tests need. */
interface Sender {
  connect(url: string): Promise<void>;
  send(m: Uint8Array): Promise<void>;
  close(): void;
  readonly closed: Promise<void>;
}
interface Receiver {
  bind(url: string): Promise<string>;
  receive(): Promise<Uint8Array>;
  close(): void;
  readonly closed: Promise<void>;
}
interface Family {
  name: "zmq" | "sp";
  sender(transports: TransportRegistry, linger: number, hwm?: number): Sender;
  receiver(transports: TransportRegistry, hwm?: number): Receiver;
  /** A whole conversation from a sender: handshake, then `messages` (wire bytes per write). */
  conversation(messages: Uint8Array[], framing: "bytes" | "messages", ipc: boolean): Uint8Array[];
  /** ws subprotocols a raw dialer offers. */
  protocols: string[];
  /**
   * Whether `got` holds the receiver's whole handshake. A peer closes only after reading it:
   * closing with unread bytes makes the kernel reset the connection and drop what the peer
   * had not sent yet, whoever the receiver is.
   */
  heardHandshake(got: Uint8Array, framing: "bytes" | "messages"): boolean;
}

const te = new TextEncoder();

const zmq: Family = {
  name: "zmq",
  sender(transports, linger, hwm) {
    const push = new Push({
      transports,
      linger,
      ...(hwm !== undefined ? { sendHighWaterMark: hwm } : {}),
    });
    return {
      connect: (url) => Promise.resolve(push.connect(url)),
      send: (m) => push.send(m),
      close: () => push.close(),
      get closed() {
        return push.closed;
      },
    };
  },
  receiver(transports, hwm) {
    const pull = new Pull({ transports, linger: 0, ...(hwm ? { receiveHighWaterMark: hwm } : {}) });
    return {
      bind: async (url) => (await pull.bind(url), pull.lastEndpoint!),
      receive: async () => (await pull.receive())[0]!,
      close: () => pull.close(),
      get closed() {
        return pull.closed;
      },
    };
  },
  conversation(messages, framing) {
    const ready = readyCommand([["Socket-Type", te.encode("PUSH")]]);
    if (framing === "messages") {
      // ZWS 2.0: no greeting, one frame per message behind its flag octet (0x02 = COMMAND).
      return [
        concat(Uint8Array.of(0x02), ready),
        ...messages.map((m) => concat(Uint8Array.of(0), m)),
      ];
    }
    const parts = [buildGreeting(), new Uint8Array([0x04, ready.length]), ready];
    for (const m of messages) {
      if (m.length < 256) parts.push(new Uint8Array([0x00, m.length]));
      else {
        const head = new Uint8Array(9);
        head[0] = 0x02;
        new DataView(head.buffer).setBigUint64(1, BigInt(m.length));
        parts.push(head);
      }
      parts.push(m);
    }
    return [concat(...parts)]; // one write: the FIN follows in the same read
  },
  protocols: ["ZWS2.0/NULL"],
  heardHandshake: (got, framing) =>
    framing === "messages"
      ? got.length > 0 // ZWS: the READY is the first message
      : got.length >= 66 && got.length >= 66 + got[65]!, // greeting, READY
};

const sp: Family = {
  name: "sp",
  sender(transports, linger) {
    const push = new Push0({ transports, linger, reconnectTime: 20 });
    return {
      connect: (url) => push.dial(url),
      send: (m) => push.send(m),
      close: () => push.close(),
      get closed() {
        return push.closed;
      },
    };
  },
  receiver(transports, hwm) {
    const pull = new Pull0({ transports, linger: 0, ...(hwm ? { recvBuffer: hwm } : {}) });
    return {
      bind: async (url) => (await pull.listen(url), pull.lastEndpoint!),
      receive: () => pull.recv(),
      close: () => pull.close(),
      get closed() {
        return pull.closed;
      },
    };
  },
  conversation(messages, framing, ipc) {
    if (framing === "messages") return messages; // ws: no header, one message per write
    const out: Uint8Array[] = [buildHeader(SpProtocols.push0.id)];
    const encoder = new SpFrameEncoder({ ipc });
    for (const m of messages) encoder.add(m);
    encoder.flush((bytes) => out.push(bytes.slice()));
    return [concat(...out)]; // one write: the FIN follows in the same read
  },
  protocols: [wsSubprotocol(SpProtocols.push0.peerName)],
  heardHandshake: (got, framing) => framing === "messages" || got.length >= 8,
};

/** Adds the close tests of `family` to the suite being declared. */
export function closeTests(familyName: "zmq" | "sp", config: CloseConfig): void {
  const family = familyName === "zmq" ? zmq : sp;
  const scheme = config.endpoint().split(":")[0]!;
  const crossProcess = scheme === "tcp" || scheme === "ipc" || scheme === "ws";

  /** A bound receiver and a connected sender (linger -1), closed at the end of `body`. */
  async function pair(
    body: (s: Sender, r: Receiver) => Promise<void>,
    linger = -1,
    receiveHwm?: number,
  ): Promise<void> {
    const r = family.receiver(config.transports(), receiveHwm);
    const s = family.sender(config.transports(), linger);
    try {
      const url = await r.bind(config.endpoint());
      await s.connect(url);
      await body(s, r);
    } finally {
      s.close();
      r.close();
    }
  }

  for (const size of [16, 1024]) {
    for (const mode of ["fired", "awaited"] as const) {
      test(`close: ${CLOSE_N} × ${size} B (${mode}) all reach a slow reader after close(); await closed`, async () => {
        await pair(async (s, r) => {
          const reading = readSlowly(r.receive, CLOSE_N, size);
          if (mode === "fired") {
            const sends: Promise<void>[] = [];
            for (let i = 0; i < CLOSE_N; i++) sends.push(s.send(numbered(i, size)));
            await within(Promise.all(sends), "every send to resolve");
          } else {
            for (let i = 0; i < CLOSE_N; i++) await s.send(numbered(i, size));
          }
          s.close();
          await within(s.closed, "closed to settle after the flush");
          assert.equal(await within(reading, "the reader to get every message"), CLOSE_N);
        });
      });
    }
  }

  test("close: linger 0 and a finite linger let go of a peer that never reads", async () => {
    for (const linger of [0, 50]) {
      await pair(
        async (s) => {
          // The peer reads nothing: these fill its socket buffers and the sender's pipe.
          const sends: Promise<void>[] = [];
          for (let i = 0; i < 2000; i++) {
            const sent = s.send(numbered(i, 1024));
            sent.catch(() => {}); // those still waiting at close fail with ECLOSED
            sends.push(sent);
          }
          await within(Promise.all(sends.slice(0, 100)), "the first sends");
          s.close();
          await within(s.closed, `closed to settle with linger ${linger}`);
          await Promise.allSettled(sends);
        },
        linger,
        1,
      );
    }
  });

  if (family.name === "zmq") {
    test("close: a dialer whose listener appears later still delivers everything", async () => {
      const probe = family.receiver(config.transports());
      const url = await probe.bind(config.endpoint());
      probe.close();
      await probe.closed;
      const s = family.sender(config.transports(), -1, 0);
      const r = family.receiver(config.transports());
      try {
        await s.connect(url);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < CLOSE_N; i++) sends.push(s.send(numbered(i, 16)));
        await within(Promise.all(sends), "every send to resolve (no high-water mark)");
        s.close();
        await r.bind(url);
        const reading = readSlowly(r.receive, CLOSE_N, 16);
        await within(s.closed, "closed to settle once the late peer took everything");
        assert.equal(await within(reading, "every message"), CLOSE_N);
      } finally {
        s.close();
        r.close();
      }
    });
  }

  if (crossProcess) childCloseTests(familyName, config);

  test("end of connection: a peer's last messages arrive, in order, with its FIN", async () => {
    // The receiver reads slowly (high-water mark 4): the FIN waits behind 50 messages.
    const r = family.receiver(config.transports(), 4);
    try {
      const url = await r.bind(config.endpoint());
      const to = route(config.transports(), url);
      const stream = await to.transport.dial(to.endpoint, { protocols: family.protocols });
      const messages = Array.from({ length: 50 }, (_, i) => numbered(i, i % 2 ? 1024 : 16));
      const framing = stream.framing ?? "bytes";
      let got: Uint8Array = new Uint8Array(0);
      const { promise: heard, resolve } = Promise.withResolvers<void>();
      stream.start({
        data(chunk) {
          got = concat(got, chunk);
          if (family.heardHandshake(got, framing)) resolve();
        },
        drain() {},
        end() {},
      });
      if (family.heardHandshake(got, framing)) resolve();
      for (const w of family.conversation(messages, framing, scheme === "ipc")) stream.write(w);
      await within(heard, "the receiver's handshake");
      stream.close(5000); // what was written goes first, then the FIN
      for (let i = 0; i < messages.length; i++) {
        const m = await within(r.receive(), `message ${i} of the closed peer`);
        assert.equal(numberOf(m), i);
        assert.equal(m.length, i % 2 ? 1024 : 16);
      }
    } finally {
      r.close();
    }
  });
}

/**
 * The child-process close tests alone (`close(); await closed; exit` in a second process):
 * part of {@link closeTests} on tcp, ipc and ws, and run on their own, many times, by
 * `tools/repeat.mjs` (through `close_child_runs.ts`).
 */
export function childCloseTests(familyName: "zmq" | "sp", config: CloseConfig): void {
  const family = familyName === "zmq" ? zmq : sp;
  const runs: { size: number; mode: "fired" | "awaited"; late?: boolean }[] = [
    { size: 16, mode: "fired" },
    { size: 1024, mode: "fired" },
    { size: 16, mode: "awaited" },
    { size: 1024, mode: "awaited" },
  ];
  if (family.name === "zmq") runs.push({ size: 16, mode: "fired", late: true });
  for (const { size, mode, late } of runs) {
    const what = late ? " to a listener that appears later" : "";
    test(`close: child process sends ${CLOSE_N} × ${size} B (${mode})${what}, close(); await closed; exit — all arrive`, async () => {
      const r = family.receiver(config.transports());
      let url = await r.bind(config.endpoint());
      let later: Receiver | undefined;
      if (late) {
        r.close();
        await r.closed;
        later = family.receiver(config.transports());
      }
      const child = startSender({
        family: family.name,
        url,
        n: CLOSE_N,
        size,
        mode,
        ...(late ? { sendHighWaterMark: 0 } : {}),
      });
      const receiver = later ?? r;
      try {
        if (later) {
          await child.line("closing");
          url = await later.bind(url);
        }
        const got = await within(readSlowly(receiver.receive, CLOSE_N, size), "every message");
        assert.equal(got, CLOSE_N);
        assert.equal(await within(child.exited, "the child to exit"), 0, child.stderr());
      } finally {
        child.kill();
        receiver.close();
      }
    });
  }
}
