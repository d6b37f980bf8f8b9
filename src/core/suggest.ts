/**
 * "Did you mean …?": the closest known name to a mistyped one, for option objects and command
 * flags alike. Known cross-family spellings (nng's `recvTimeout` on a ZeroMQ socket) are looked
 * up first; otherwise the nearest name by edit distance, if it is near enough to be a typo.
 * @module
 */

/**
 * The Levenshtein distance between two names, ignoring case (`recvtimeout` and `RecvTimeout`
 * are 0 apart).
 *
 * @example
 * ```ts
 * import { editDistance } from "./suggest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(editDistance("recieveTimeout", "receiveTimeout"), 2);
 * assert.equal(editDistance("Linger", "linger"), 0);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution);
    }
    previous = row;
  }
  return previous[y.length]!;
}

/**
 * The known name `name` was most likely meant to be: its entry in `aliases` (another family's
 * spelling), else the nearest of `known` within a typo's distance (a third of the name, at
 * least 2), else `undefined`. Ties go to the earlier name in `known`.
 *
 * @example
 * ```ts
 * import { closestName } from "./suggest.ts";
 * import assert from "node:assert/strict";
 * const known = ["sendTimeout", "receiveTimeout", "linger"];
 * assert.equal(closestName("recvTimeout", known, { recvTimeout: "receiveTimeout" }), "receiveTimeout");
 * assert.equal(closestName("lingr", known), "linger");
 * assert.equal(closestName("colour", known), undefined);
 * ```
 */
export function closestName(
  name: string,
  known: Iterable<string>,
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  if (Object.hasOwn(aliases, name)) return aliases[name];
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
