// A short seeded fuzz run of the SP decoders (frames tcp/ipc, connection header, backtrace,
// session); the long run is `npm run fuzz -- --family sp`. See tests/fuzz/_harness.ts.
import { test } from "node:test";
import { shortRun } from "./_harness.ts";
import { spTargets } from "./_sp.ts";

shortRun(test, spTargets);
