/**
 * The `weft` command's entry point (`deno task weft …`, or the single-file binary built with
 * `npm run build:cli`). See {@link weft} for the commands.
 * @module
 */

import { exitWhenIdle, runtimeIo } from "./io.ts";
import { weft } from "./weft.ts";

const EXIT_GRACE_MS = 1500;

if (import.meta.main) {
  const io = runtimeIo();
  const status = await weft(io.args, io);
  exitWhenIdle(status, EXIT_GRACE_MS);
}
