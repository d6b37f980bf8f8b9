/**
 * SP socket constructors by nngcat's versioned protocol name, shared by `weft sp cat` and
 * `weft sp device`.
 * @module
 */

import {
  Bus0,
  Pair0,
  Pair1,
  Pub0,
  Pull0,
  Push0,
  Rep0,
  Req0,
  Respondent0,
  Sub0,
  Surveyor0,
} from "../sp.ts";
import type { SpOptions, SpSocket } from "../sp.ts";

/**
 * The SP socket classes by versioned name (`req0`, `pair1`…).
 *
 * @example
 * ```ts
 * import { SP_SOCKETS } from "./sp_sockets.ts";
 * import assert from "node:assert/strict";
 * await using req = new SP_SOCKETS.req0!({});
 * assert.equal(req.protocol, "req");
 * ```
 */
export const SP_SOCKETS: Readonly<Record<string, new (options: SpOptions) => SpSocket>> = {
  req0: Req0,
  rep0: Rep0,
  pub0: Pub0,
  sub0: Sub0,
  push0: Push0,
  pull0: Pull0,
  surveyor0: Surveyor0,
  respondent0: Respondent0,
  bus0: Bus0,
  pair0: Pair0,
  pair1: Pair1,
};
