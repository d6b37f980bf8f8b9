/**
 * The hint lines `weft sp cat` prints after nngcat's own messages. nngcat's messages stay as
 * they are (scripts may match them); the line after says which option, what it got and what
 * would work, e.g. `Integer argument expected.` then
 * `hint: --count takes a whole number, e.g. --count 3 (got "x1")`.
 * @module
 */

import { closestName } from "../core/suggest.ts";

/** The flag as the user most likely typed it, from the parser's key. */
const FLAG_OF: Readonly<Record<string, string>> = {
  "listen-local": "--bind-local (-L)",
  "dial-local": "--connect-local (-l)",
  "listen-ipc": "--bind-ipc (-X)",
  "dial-ipc": "--connect-ipc (-x)",
  "delay": "--delay (-d)",
  "interval": "--interval (-i)",
  "count": "--count (-C)",
  "recv-maxsz": "--recv-maxsz (-Z)",
};

/** An example value per option that takes a number. */
const EXAMPLE: Readonly<Record<string, string>> = {
  "listen-local": "-L 5555",
  "dial-local": "-l 5555",
  "count": "--count 3",
  "delay": "--delay 1",
  "interval": "--interval 0.5",
  "send-timeout": "--send-timeout 5",
  "recv-timeout": "--recv-timeout 5",
  "recv-maxsz": "--recv-maxsz 1048576",
};

const SECONDS = new Set(["delay", "interval", "send-timeout", "recv-timeout"]);

/**
 * The hint for a message nngcat gives about one option's value (`Integer argument expected.`
 * for `--count x1`).
 *
 * @example
 * ```ts
 * import { optionHint } from "./sp_cat_hints.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   optionHint("Integer argument expected.", "count", "x1"),
 *   'hint: --count (-C) takes a whole number, e.g. --count 3 (got "x1")',
 * );
 * ```
 */
export function optionHint(message: string, key: string, value: string): string | undefined {
  const flag = FLAG_OF[key] ?? `--${key}`;
  const example = EXAMPLE[key];
  if (!example || !/^(Empty integer|Integer) argument/.test(message)) return undefined;
  const what = SECONDS.has(key)
    ? "seconds (nngcat's unit; weft also takes a fraction, and -d is the delay, not data: " +
      "data is -D/--data)"
    : "a whole number";
  const limit = message.includes("too large")
    ? (SECONDS.has(key) ? " of at most 86400" : " in range")
    : "";
  return `hint: ${flag} takes ${what}${limit}, e.g. ${example} (got "${value}")`;
}

/** Hints for nngcat's messages that say the same whatever the options. */
const BY_MESSAGE: readonly (readonly [RegExp, string])[] = [
  [/^No protocol specified/, "give one, e.g. --req0 (see weft sp cat --help for the list)"],
  [/^Only one protocol/, "keep one of --req0, --rep0, --pub0, --sub0, --push0, --pull0…"],
  [
    /^No address specified/,
    "give --dial URL or --listen URL, e.g. --listen tcp://127.0.0.1:5555",
  ],
  [/^Protocol requires either --file or --data/, 'add --data TEXT (or --file PATH; "-" is stdin)'],
  [
    /^Protocol does not support --file or --data/,
    "this protocol only receives: drop --data/--file",
  ],
  [
    /^Protocol does not support --format/,
    "this protocol only sends, so it prints nothing: drop the format",
  ],
  [/^Protocol does not support --subscribe/, "--subscribe is for --sub0 only"],
  [/^Protocol does not support --interval/, "--interval is for protocols that send: drop it"],
  [/^Option --interval requires/, "add --data TEXT (or --file PATH) to send every interval"],
  [
    /^Format may be specified only once/,
    "keep one of --ascii, --quoted, --hex, --msgpack, --raw, --format",
  ],
  [/^Invalid format/, "--format takes no, ascii, hex, msgpack, quoted or raw"],
  [/^Data \(--file, --data\)/, "give either --data or --file, once"],
  [
    / \((--[a-z]+)\) may be specified only once/,
    "give each TLS file once (the last one is not kept)",
  ],
  [
    /^Options --(count|async) and --compat/,
    "--compat (nanomsg's behaviour) excludes --count and --async",
  ],
  [
    /^Protocol does not support --compat/,
    "--compat is for --pair0 (or --pair); pair1 has no compat mode",
  ],
  [/: Address in use$/, "another socket or program listens there: stop it or pick another port"],
  [
    /: Connection refused$/,
    "nothing listens there yet: start the listener first, or add --async to keep dialing",
  ],
  [
    /^Unable to create dialer for [a-z+]+:\/\/\*/,
    'dial a host: "*" means every interface, which only --listen can use',
  ],
  [
    /: Address invalid$/,
    "check the URL: tcp://host:port, ipc:///path, ws://host:port/path or inproc://name",
  ],
];

/**
 * The hint for one of nngcat's messages, or undefined.
 *
 * @example
 * ```ts
 * import { messageHint } from "./sp_cat_hints.ts";
 * import assert from "node:assert/strict";
 * assert.match(messageHint("No address specified.")!, /^hint: give --dial URL/);
 * ```
 */
export function messageHint(message: string): string | undefined {
  const found = BY_MESSAGE.find(([pattern]) => pattern.test(message));
  return found ? `hint: ${found[1]}` : undefined;
}

/**
 * The hint for nng's option parser's messages: the nearest option for an invalid one, a value
 * for one that needs it.
 *
 * @example
 * ```ts
 * import { parserHint } from "./sp_cat_hints.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parserHint("Option --lisen is invalid.", ["listen", "dial"]), "hint: did you mean --listen?");
 * ```
 */
export function parserHint(message: string, names: readonly string[]): string | undefined {
  const invalid = /^Option (-{1,2})([^=:\s]+).* is invalid\.$/.exec(message);
  if (invalid) {
    const near = invalid[1] === "--" ? closestName(invalid[2]!, names) : undefined;
    return near
      ? `hint: did you mean --${near}?`
      : "hint: see weft sp cat --help for nngcat's options";
  }
  const needs = /^Option (\S+) requires argument\.$/.exec(message);
  if (needs) return `hint: ${needs[1]} takes a value, e.g. ${needs[1]} VALUE`;
  if (/is ambiguous/.test(message)) return "hint: write the option in full";
  return undefined;
}
