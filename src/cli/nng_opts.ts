/**
 * Command-line options the way nng's tools parse them (`nng_opts_parse`, which nngcat uses), so
 * a command line written for nngcat means the same to `weft sp cat`: long options match any
 * unambiguous prefix (an exact name always wins), take their value as `--name=value`,
 * `--name:value` or the next argument; short options take theirs attached (`-D42`) or next;
 * no clustering; parsing stops at the first argument that is not an option (a lone `-` is
 * skipped and ends it too).
 * @module
 */

/** One option: its long name, optional one-letter alias, and whether it takes a value. */
export interface NngOptSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** A one-letter alias (`D` for `-D`). */
  readonly short?: string;
  /** Whether the option takes a value. */
  readonly arg?: boolean;
  /** What the caller gets back (several names may share one, e.g. `--bind` and `--listen`). */
  readonly key: string;
}

/** One parsed option, in command-line order. */
export interface NngOpt {
  /** The spec's key. */
  readonly key: string;
  /** Its value, for options that take one. */
  readonly value?: string;
}

/**
 * A command line nng's parser would refuse; the message is nngcat's own (e.g. `Option --x is
 * invalid.`).
 *
 * @example
 * ```ts
 * import { NngOptError, parseNngOpts } from "./nng_opts.ts";
 * import assert from "node:assert/strict";
 * const specs = [
 *   { name: "req0", key: "req0" },
 *   { name: "rep0", key: "rep0" },
 *   { name: "dial", key: "dial", arg: true },
 * ];
 * const ambiguous = new NngOptError("Option --re is ambiguous (specify in full).");
 * assert.throws(() => parseNngOpts(["--re"], specs), ambiguous); // nngcat's own words
 * assert.throws(() => parseNngOpts(["--dial"], specs), /Option --dial requires argument/);
 * assert.throws(() => parseNngOpts(["-y"], specs), NngOptError);
 * ```
 */
export class NngOptError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "NngOptError";
  }
}

/**
 * Parses `argv` as nng's `nng_opts_parse` does; returns the options in order and the
 * arguments left after the first non-option (which nngcat ignores).
 *
 * @example
 * ```ts
 * import { parseNngOpts } from "./nng_opts.ts";
 * import assert from "node:assert/strict";
 * const specs = [
 *   { name: "req0", key: "req0" },
 *   { name: "dial", key: "dial", arg: true },
 *   { name: "data", short: "D", key: "data", arg: true },
 * ];
 * const { opts } = parseNngOpts(["--req", "--dial=tcp://127.0.0.1:5555", "-Dhi"], specs);
 * assert.deepEqual(opts, [
 *   { key: "req0" },
 *   { key: "dial", value: "tcp://127.0.0.1:5555" },
 *   { key: "data", value: "hi" },
 * ]);
 * ```
 */
export function parseNngOpts(
  argv: readonly string[],
  specs: readonly NngOptSpec[],
): { opts: NngOpt[]; rest: string[] } {
  const opts: NngOpt[] = [];
  let i = 0;
  while (i < argv.length) {
    const full = argv[i]!;
    if (!full.startsWith("-")) break;
    if (full === "-") {
      i++;
      break;
    }
    const long = full.startsWith("--");
    const arg = long ? full.slice(2) : full.slice(1);
    const len = long ? lengthOfName(arg) : 1;
    const spec = long
      ? byPrefix(arg.slice(0, len), specs, full)
      : specs.find((s) => s.short === arg[0]);
    if (!spec) throw new NngOptError(`Option ${full} is invalid.`);
    if (!spec.arg) {
      // No clustering of short options, and no value for a flag.
      if (arg.length > len) throw new NngOptError(`Option ${full} is invalid.`);
      opts.push({ key: spec.key });
      i++;
      continue;
    }
    let value: string;
    if (arg.length > len) value = long ? arg.slice(len + 1) : arg.slice(len);
    else {
      if (i + 1 >= argv.length) throw new NngOptError(`Option ${full} requires argument.`);
      value = argv[++i]!;
    }
    opts.push({ key: spec.key, value });
    i++;
  }
  return { opts, rest: argv.slice(i) as string[] };
}

/** Where a long option's name ends (`=` or `:` start its value). */
function lengthOfName(arg: string): number {
  const m = /[=:]/.exec(arg);
  return m ? m.index : arg.length;
}

function byPrefix(name: string, specs: readonly NngOptSpec[], full: string): NngOptSpec {
  const exact = specs.find((s) => s.name === name);
  if (exact) return exact;
  const matches = specs.filter((s) => s.name.startsWith(name));
  if (matches.length === 0) throw new NngOptError(`Option ${full} is invalid.`);
  if (matches.length > 1) throw new NngOptError(`Option ${full} is ambiguous (specify in full).`);
  return matches[0]!;
}
