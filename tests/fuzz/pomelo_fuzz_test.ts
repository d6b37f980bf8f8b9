// A short seeded fuzz run of the pomelo/nano decoders (packets and messages both ways, handshake
// JSON, route dictionary, server session); the long run is `npm run fuzz -- --family pomelo`.
import { test } from "node:test";
import { shortRun } from "./_harness.ts";
import { pomeloTargets } from "./_pomelo.ts";

shortRun(test, pomeloTargets);
