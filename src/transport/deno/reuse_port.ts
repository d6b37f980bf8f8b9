/**
 * SO_REUSEPORT for Deno's own listeners. `Deno.listen({ reusePort: true })` is an unstable API:
 * without `--unstable-net`, Deno prints a notice and ends the process, so it is checked first
 * and refused with a typed error instead.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { ListenOptions } from "../types.ts";

/** Whether this Deno runs with `--unstable-net` (which also brings `Deno.listenDatagram`). */
function unstableNet(): boolean {
  return typeof (Deno as unknown as { listenDatagram?: unknown }).listenDatagram === "function";
}

/**
 * `{ reusePort: true }` to spread into `Deno.listen` options when `options.reusePort` asks for
 * it, `{}` otherwise; throws `ENOTSUP` when asked without `--unstable-net`.
 *
 * @example
 * ```ts
 * import { reusePortOption } from "./reuse_port.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(reusePortOption({}, "tcp://127.0.0.1:0"), {});
 * if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
 *   assert.throws(() => reusePortOption({ reusePort: true }, "tcp://127.0.0.1:0"), /--unstable-net/);
 * }
 * ```
 */
export function reusePortOption(
  options: ListenOptions | undefined,
  url: string,
): { reusePort?: true } {
  if (options?.reusePort !== true) return {};
  if (!unstableNet()) {
    throw new WeftError(
      "ENOTSUP",
      `reusePort on ${url}: Deno.listen takes it only under --unstable-net (run deno with ` +
        `--unstable-net, or listen through node:net, as weft/nano's App does)`,
    );
  }
  return { reusePort: true };
}
