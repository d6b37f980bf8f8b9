// A short seeded fuzz run of the WebSocket decoders (frames both directions, HTTP heads, the
// server upgrade); the long run is `npm run fuzz -- --family ws`. See tests/fuzz/_harness.ts.
import { test } from "node:test";
import { shortRun } from "./_harness.ts";
import { wsTargets } from "./_ws.ts";

shortRun(test, wsTargets);
