// A short seeded fuzz run of the ZMTP decoders (frames, greeting, commands, session); the long
// run is `npm run fuzz -- --family zmtp`. See tests/fuzz/_harness.ts.
import { test } from "node:test";
import { shortRun } from "./_harness.ts";
import { zmtpTargets } from "./_zmtp.ts";

shortRun(test, zmtpTargets);
