/**
 * A small command-line parser for the `weft` command: long flags (`--name value`,
 * `--name=value`), a few short aliases, repeatable flags, `--` to end flags. Errors are
 * {@link UsageError}s whose message says what to do.
 * @module
 */

import { closestName } from "../core/suggest.ts";

/** How a flag takes values. */
export type FlagKind = "boolean" | "string" | "list";

/** One flag a command accepts. */
export interface FlagSpec {
  /** The kind of value: none, one (the last wins) or many (repeatable). */
  readonly kind: FlagKind;
  /** A one-letter alias, e.g. `"h"` for `-h`. */
  readonly short?: string;
}

/** What {@link parseArgs} returns. */
export interface ParsedArgs {
  /** Boolean flags that were given. */
  readonly booleans: ReadonlySet<string>;
  /** The last value of each single-valued flag. */
  readonly strings: ReadonlyMap<string, string>;
  /** Every value of each repeatable flag, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** Arguments that are not flags. */
  readonly positionals: readonly string[];
}

/**
 * A mistake on the command line; the message says what to do. The command prints it with a
 * pointer to `--help` and exits with status 2.
 *
 * @example
 * ```ts
 * import { parseArgs, UsageError } from "./args.ts";
 * import assert from "node:assert/strict";
 * const specs = { bind: { kind: "list" }, raw: { kind: "boolean" } } as const;
 * assert.throws(() => parseArgs(["--bnd", "tcp://*:5555"], specs), UsageError); // a typo
 * assert.throws(() => parseArgs(["--bind"], specs), { name: "UsageError", message: /expects a value/ });
 * assert.throws(() => parseArgs(["--raw=yes"], specs), /--raw takes no value/);
 * ```
 */
export class UsageError extends Error {
  /** Builds a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `argv` against the flags a command accepts.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 * const args = parseArgs(["--bind", "tcp://*:5555", "-n", "3", "--raw", "hello"], {
 *   bind: { kind: "list" },
 *   count: { kind: "string", short: "n" },
 *   raw: { kind: "boolean" },
 * });
 * assert.deepEqual(args.lists.get("bind"), ["tcp://*:5555"]);
 * assert.equal(args.strings.get("count"), "3");
 * assert.ok(args.booleans.has("raw"));
 * assert.deepEqual(args.positionals, ["hello"]);
 * ```
 */
export function parseArgs(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
): ParsedArgs {
  const booleans = new Set<string>();
  const strings = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`unknown option ${arg}${didYouMean(arg.slice(1), specs)}`);
      name = long;
    } else {
      positionals.push(arg);
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}${didYouMean(name, specs)}`);
    if (spec.kind === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got "${inline}")`);
      booleans.add(name);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} expects a value`);
      value = argv[++i]!;
    }
    if (spec.kind === "string") strings.set(name, value);
    else {
      const list = lists.get(name) ?? [];
      list.push(value);
      lists.set(name, list);
    }
  }
  return { booleans, strings, lists, positionals };
}

/** "; did you mean --x?" for the flag nearest to `name`, or "" when none is near. */
function didYouMean(name: string, specs: Readonly<Record<string, FlagSpec>>): string {
  const byShort = Object.entries(specs).find(([, s]) => s.short?.toLowerCase() === name);
  const near = name.length === 1 ? byShort?.[0] : closestName(name, Object.keys(specs));
  return near ? `; did you mean --${near}?` : "";
}

/**
 * Reads a non-negative integer flag (or `fallback` when absent).
 *
 * @example
 * ```ts
 * import { intFlag, parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 * const args = parseArgs(["--count", "5"], { count: { kind: "string" } });
 * assert.equal(intFlag(args, "count", -1), 5);
 * ```
 */
export function intFlag(args: ParsedArgs, name: string, fallback: number): number {
  const text = args.strings.get(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`--${name} expects a whole number ≥ 0, got "${text}"`);
  }
  return Number(text);
}
