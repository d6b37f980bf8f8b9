/**
 * Helpers of the close/linger tests in the pattern suites: numbered payloads, a slow reader
 * that checks order, and a child process that sends, closes, awaits `closed` and exits
 * (`peers/close_sender.ts`, run by the same runtime as the test).
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { within } from "../_helpers.ts";

/** How many messages the close tests send: five times the default high-water mark (1000). */
export const CLOSE_N = 6000;

/** Message `i` of `size` bytes (≥ 4): its first four bytes are `i`, big-endian. */
export function numbered(i: number, size: number): Uint8Array {
  const m = new Uint8Array(size);
  new DataView(m.buffer).setUint32(0, i);
  return m;
}

/** The number `numbered` put in `m`. */
export function numberOf(m: Uint8Array): number {
  return new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(0);
}

/**
 * Reads `n` messages with `receive`, pausing a moment every 200 (a peer that reads slowly, so
 * the sender's pipe is back-pressured), and checks they are numbered 0…n-1 in order. Resolves
 * with how many arrived in order; stops at the first one out of place.
 */
export async function readSlowly(
  receive: () => Promise<Uint8Array>,
  n: number,
  size: number,
): Promise<number> {
  for (let i = 0; i < n; i++) {
    const m = await receive();
    if (m.length !== size || numberOf(m) !== i) {
      throw new Error(`message ${i}: got #${numberOf(m)} of ${m.length} bytes`);
    }
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 2));
  }
  return n;
}

/** What the sending child was told. */
export interface SenderArgs {
  /** `zmq` (a PUSH) or `sp` (a Push0). */
  family: "zmq" | "sp";
  /** Where it connects. */
  url: string;
  /** Messages to send, each {@link numbered}. */
  n: number;
  /** Bytes per message. */
  size: number;
  /** `fired`: every send at once, then awaited together; `awaited`: one after another. */
  mode: "fired" | "awaited";
  /** The socket's send high-water mark (ZeroMQ; 0 = none). Default 1000. */
  sendHighWaterMark?: number;
  /** Bind (listen on) `url` rather than connect to it; {@link Child.bound} tells where. */
  bind?: boolean;
}

/** A running child: its stdout lines as they come and its exit code. */
export interface Child {
  /** Resolves with the first stdout line that equals `line`. */
  line(line: string): Promise<void>;
  /** With {@link SenderArgs.bind}: resolves with the endpoint the child bound. */
  bound(): Promise<string>;
  /** The exit code (null when killed). */
  readonly exited: Promise<number | null>;
  /** stderr so far. */
  readonly stderr: () => string;
  /** Kills it if still running. */
  kill(): void;
}

const SENDER = fileURLToPath(new URL("./peers/close_sender.ts", import.meta.url));

/**
 * Starts `peers/close_sender.ts` in a child process of this runtime (Deno via
 * `Deno.execPath()`, Bun via `process.execPath`): it sends, calls `close()`, awaits `closed`
 * and exits at once.
 */
export function startSender(args: SenderArgs): Child {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const argv = [
    SENDER,
    args.family,
    args.url,
    String(args.n),
    String(args.size),
    args.mode,
    String(args.sendHighWaterMark ?? 1000),
    ...(args.bind ? ["bind"] : []),
  ];
  const child = deno
    ? spawn(deno.execPath(), ["run", "-A", "--quiet", ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    : spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiting: { line: string; resolve: () => void }[] = [];
  const check = () => {
    const lines = out.split("\n");
    for (const w of [...waiting]) {
      if (lines.includes(w.line)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (c: string) => {
    out += c;
    check();
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    line: (line) =>
      within(
        new Promise<void>((resolve) => {
          waiting.push({ line, resolve });
          check();
        }),
        `the sender to print ${line}`,
      ),
    bound: () =>
      within(
        new Promise<string>((resolve) => {
          const look = () => {
            const line = out.split("\n").slice(0, -1).find((l) => l.startsWith("bound "));
            if (line) resolve(line.slice("bound ".length));
            else child.stdout!.once("data", look);
          };
          look();
        }),
        "the sender to bind",
      ),
    exited,
    stderr: () => err,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
