/**
 * The `weft` command's window on the runtime: arguments, stdin, stdout, stderr, files, Ctrl-C
 * and exit. Everything else in src/cli/ is runtime-neutral and takes a {@link CliIo}, so tests
 * can drive the commands in-process with a fake one. This is the only file of the command
 * that names `Deno.*` or `Bun.*`.
 * @module
 */

import { isatty } from "node:tty";

/** What the commands need from the runtime. */
export interface CliIo {
  /** Command-line arguments after the program name. */
  readonly args: readonly string[];
  /** Standard input as chunks (read at most once). */
  stdin(): AsyncIterable<Uint8Array>;
  /** Whether standard input is a terminal (then two-way sockets don't read it). */
  stdinIsTerminal(): boolean;
  /** Whether standard error is a terminal (then commands say when they wait). Default false. */
  stderrIsTerminal?(): boolean;
  /** Writes to standard output (resolves when the runtime has taken the bytes). */
  write(bytes: Uint8Array): Promise<void>;
  /** Writes a line of text to standard error. */
  error(line: string): Promise<void>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Calls `fn` with the signal's name on Ctrl-C (SIGINT) or SIGTERM; returns a function that
   * stops listening.
   */
  onInterrupt(fn: (signal: InterruptSignal) => void): () => void;
  /** An environment variable (for `env:NAME` key arguments); undefined when unset. */
  env?(name: string): string | undefined;
}

interface DenoLike {
  args: string[];
  stdin: { readable: ReadableStream<Uint8Array> };
  stdout: { write(p: Uint8Array): Promise<number> };
  stderr: { write(p: Uint8Array): Promise<number> };
  readFile(path: string): Promise<Uint8Array>;
  env: { get(name: string): string | undefined };
  addSignalListener(signal: string, fn: () => void): void;
  removeSignalListener(signal: string, fn: () => void): void;
  exit(code: number): never;
  unrefTimer(id: number): void;
  exitCode: number;
}

interface BunLike {
  argv: string[];
  stdin: { stream(): ReadableStream<Uint8Array> };
  stdout: unknown;
  stderr: unknown;
  write(destination: unknown, data: Uint8Array): Promise<number>;
  file(path: string): { bytes(): Promise<Uint8Array> };
}

interface ProcessLike {
  env: Record<string, string | undefined>;
  on(signal: string, fn: () => void): void;
  off(signal: string, fn: () => void): void;
  exit(code: number): never;
  exitCode: number | undefined;
}

const encoder = new TextEncoder();
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** The signals {@link CliIo.onInterrupt} reports. */
export type InterruptSignal = typeof SIGNALS[number];

/** One listener per signal that calls `fn` with that signal's name. */
function perSignal(fn: (signal: InterruptSignal) => void): [InterruptSignal, () => void][] {
  return SIGNALS.map((s) => [s, () => fn(s)]);
}

async function writeAll(write: (p: Uint8Array) => Promise<number>, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await write(bytes.subarray(at));
}

function denoIo(deno: DenoLike): CliIo {
  return {
    args: deno.args,
    stdin: () => deno.stdin.readable,
    stdinIsTerminal: () => isatty(0),
    stderrIsTerminal: () => isatty(2),
    write: (bytes) => writeAll((p) => deno.stdout.write(p), bytes),
    error: (line) => writeAll((p) => deno.stderr.write(p), encoder.encode(line + "\n")),
    readFile: (path) => deno.readFile(path),
    env: (name) => deno.env.get(name),
    onInterrupt(fn) {
      const listeners = perSignal(fn);
      for (const [s, l] of listeners) deno.addSignalListener(s, l);
      return () => listeners.forEach(([s, l]) => deno.removeSignalListener(s, l));
    },
  };
}

function bunIo(bun: BunLike, process: ProcessLike): CliIo {
  return {
    // argv[0] is the runtime, argv[1] the script (also in a --compile'd binary).
    args: bun.argv.slice(2),
    stdin: () => bun.stdin.stream(),
    stdinIsTerminal: () => isatty(0),
    stderrIsTerminal: () => isatty(2),
    write: async (bytes) => void await bun.write(bun.stdout, bytes),
    error: async (line) => void await bun.write(bun.stderr, encoder.encode(line + "\n")),
    readFile: (path) => bun.file(path).bytes(),
    env: (name) => process.env[name],
    onInterrupt(fn) {
      const listeners = perSignal(fn);
      for (const [s, l] of listeners) process.on(s, l);
      return () => listeners.forEach(([s, l]) => process.off(s, l));
    },
  };
}

const runtime = globalThis as unknown as { Deno?: DenoLike; Bun?: BunLike; process?: ProcessLike };

/**
 * The real runtime's I/O (Deno or Bun).
 *
 * @example
 * ```ts
 * import { runtimeIo } from "./io.ts";
 * import assert from "node:assert/strict";
 * const io = runtimeIo(); // Deno's or Bun's, whichever runs this
 * const self = new URL(import.meta.url).pathname;
 * assert.match(new TextDecoder().decode(await io.readFile(self)), /runtimeIo/);
 * const stop = io.onInterrupt(() => {}); // Ctrl-C handler, removed again
 * stop();
 * ```
 */
export function runtimeIo(): CliIo {
  if (runtime.Bun && runtime.process) return bunIo(runtime.Bun, runtime.process);
  if (runtime.Deno) return denoIo(runtime.Deno);
  throw new Error("weft: expected to run on Deno or Bun");
}

/**
 * Ends the program with `code` once pending output has been flushed: the exit code is set and
 * the runtime exits by itself when idle; if something (a pending stdin read, a lingering
 * connection) keeps it busy longer than `graceMs`, it exits anyway.
 *
 * @example
 * ```ts ignore
 * import { exitWhenIdle } from "./io.ts";
 * exitWhenIdle(0, 2000);
 * ```
 */
export function exitWhenIdle(code: number, graceMs: number): void {
  const deno = runtime.Deno;
  if (runtime.Bun && runtime.process) {
    const process = runtime.process;
    process.exitCode = code;
    const timer = setTimeout(() => process.exit(code), graceMs) as unknown as { unref?(): void };
    timer.unref?.();
  } else if (deno) {
    deno.exitCode = code;
    const timer = setTimeout(() => deno.exit(code), graceMs);
    deno.unrefTimer(timer as unknown as number);
  }
}
