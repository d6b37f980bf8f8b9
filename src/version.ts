/**
 * weft's version, written once: deno.json's `version` (what JSR publishes) copied here by
 * `deno task version --write`; `deno task version` fails if this file or package.json differs.
 * @module
 */

/**
 * weft's version (semver), as published.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`weft ${VERSION}`); // what `weft --version` prints
 * ```
 */
export const VERSION = "0.1.0";
