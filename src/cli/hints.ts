/**
 * What the `weft` command says when something goes wrong: each failure names what was wrong,
 * the value, and what to do next. The commands' own usage errors say it themselves; this file
 * adds the "what to do" to the library's errors (a port in use, nothing listening) and refuses
 * endpoints that cannot work before a socket tries them.
 * @module
 */

import { WeftError } from "../core/errors.ts";
import { UsageError } from "./args.ts";

/** `*` or `0.0.0.0`/`::` as the host of a tcp-like URL: "every interface", bind only. */
const WILDCARD_HOST = /^[a-z0-9+]+:\/\/(\*|0\.0\.0\.0|\[::\])(:|\/|$)/i;

/**
 * Whether `url` names every interface (`tcp://*:5555`), which a socket can bind but not
 * connect to.
 *
 * @example
 * ```ts
 * import { isWildcardUrl } from "./hints.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isWildcardUrl("tcp://*:5555"));
 * assert.ok(!isWildcardUrl("tcp://127.0.0.1:5555"));
 * ```
 */
export function isWildcardUrl(url: string): boolean {
  return WILDCARD_HOST.test(url);
}

/**
 * The address a wildcard URL most likely meant to reach: the same port on this machine.
 *
 * @example
 * ```ts
 * import { loopbackFor } from "./hints.ts";
 * import assert from "node:assert/strict";
 * assert.equal(loopbackFor("tcp://*:5555"), "tcp://127.0.0.1:5555");
 * ```
 */
export function loopbackFor(url: string): string {
  return url.replace(WILDCARD_HOST, (_m, _host, after) => {
    const scheme = url.slice(0, url.indexOf("://"));
    return `${scheme}://127.0.0.1${after}`;
  });
}

/**
 * Refuses a wildcard URL given to connect (or dial), with the reason and the likely fix.
 *
 * @example
 * ```ts
 * import { checkConnectUrl } from "./hints.ts";
 * import assert from "node:assert/strict";
 * checkConnectUrl("tcp://127.0.0.1:5555", "--connect");
 * assert.throws(() => checkConnectUrl("tcp://*:5555", "--connect"), /127\.0\.0\.1:5555/);
 * ```
 */
export function checkConnectUrl(url: string, flag: string): void {
  if (!isWildcardUrl(url)) return;
  throw new UsageError(
    `${flag} ${url}: "*" means every interface, which only a bind can use; ` +
      `connect to a host, e.g. ${flag} ${loopbackFor(url)}`,
  );
}

/** The port of a tcp-like URL in a message, if it has one. */
function portIn(text: string): string | undefined {
  return /:\/\/[^\s/]*:(\d+)/.exec(text)?.[1];
}

/**
 * What to do about a failure, as one line (or undefined when the message says it already).
 *
 * @example
 * ```ts
 * import { hintFor } from "./hints.ts";
 * import { WeftError } from "../core/errors.ts";
 * import assert from "node:assert/strict";
 * const clash = new WeftError("EADDRINUSE", "bind to tcp://127.0.0.1:5555 failed: address in use");
 * assert.match(hintFor(clash)!, /port 5555/);
 * ```
 */
export function hintFor(error: unknown): string | undefined {
  if (!(error instanceof WeftError)) return undefined;
  const port = portIn(error.message);
  switch (error.code) {
    case "EADDRINUSE":
      return port
        ? `another socket or program is listening on port ${port}: stop it, pick another ` +
          `port, or bind port 0 to let the system choose (-v prints the port it chose)`
        : "another socket or program is bound there: stop it or pick another address";
    case "ECONNREFUSED":
      return "nothing is listening there yet: start the peer first, or drop --timeout to keep retrying";
    case "ENOTSUP":
      return "the endpoint's scheme is not one this command knows: use tcp://, ipc:// or inproc://";
    default:
      return undefined;
  }
}

/**
 * The lines `weft` prints for a failure: the message once (with its code, unless the message
 * already ends with it), then the hint, if any.
 *
 * @example
 * ```ts
 * import { failureLines } from "./hints.ts";
 * import { WeftError } from "../core/errors.ts";
 * import assert from "node:assert/strict";
 * const err = new WeftError("EADDRINUSE", "bind to tcp://127.0.0.1:5555 failed: address in use (EADDRINUSE)");
 * const [first, hint] = failureLines(err);
 * assert.equal(first, "weft: bind to tcp://127.0.0.1:5555 failed: address in use (EADDRINUSE)");
 * assert.match(hint!, /^hint: .*port 5555/);
 * ```
 */
export function failureLines(error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const tagged = typeof code === "string" && !message.includes(`(${code})`)
    ? `${message} (${code})`
    : message;
  const hint = hintFor(error);
  return hint ? [`weft: ${tagged}`, `hint: ${hint}`] : [`weft: ${tagged}`];
}
