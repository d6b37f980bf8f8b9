/**
 * Gets Deno's process-wide signal handling set up while file descriptors are still free.
 *
 * Deno (2.9) starts listening for SIGUSR1 — to open the inspector on demand, as Node does — 500 ms
 * after startup (`spawn_sigusr1_inspector_listener`, cli/worker.rs). The first signal listener of
 * a process creates its signal pipe (a socketpair, two descriptors; ext/signals/lib.rs), and
 * when no descriptor is free at that moment Deno panics ("Too many open files") instead of
 * failing the listener. A server flooded with connections in its first half second would crash
 * rather than back off. Adding and removing one listener creates that pipe at once; later
 * listeners (Deno's SIGUSR1 one included) reuse it and need no descriptor.
 *
 * The listener is on SIGTERM, one of the three signals (SIGHUP, SIGTERM, SIGINT) the pipe's setup
 * hooks anyway, and it is gone before this returns: with no listener left, Deno carries out the
 * default action (the process ends by that signal), as it does for every Deno program that lives
 * past its first 500 ms. The one difference: that setup also replaces an inherited "ignore" of
 * those three signals (`nohup`) with the default, and now does so at the first listen instead of
 * at 500 ms. No-op on Bun, on Windows and after the first call.
 * @module
 */

let done = false;

/**
 * Sets up Deno's signal pipe now (once per process); called by every listener weft opens on Deno.
 *
 * @example
 * ```ts
 * import { setUpSignalsEarly } from "./signal_setup.ts";
 * import assert from "node:assert/strict";
 * setUpSignalsEarly(); // when a server starts listening, before descriptors can run out
 * // The program's own signal listeners work as before.
 * const heard = new Promise<string>((resolve) => {
 *   const once = () => (Deno.removeSignalListener("SIGUSR2", once), resolve("SIGUSR2"));
 *   Deno.addSignalListener("SIGUSR2", once);
 * });
 * const awake = setTimeout(() => {}, 10_000); // signal listeners alone keep no program alive
 * Deno.kill(Deno.pid, "SIGUSR2");
 * assert.equal(await heard, "SIGUSR2");
 * clearTimeout(awake);
 * ```
 */
export function setUpSignalsEarly(): void {
  if (done) return;
  done = true;
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (typeof deno?.addSignalListener !== "function" || deno.build.os === "windows") return;
  const nothing = () => {};
  try {
    deno.addSignalListener("SIGTERM", nothing);
    deno.removeSignalListener("SIGTERM", nothing);
  } catch {
    // Signals unavailable here (a sandbox, an embedder): there is nothing to set up.
  }
}
