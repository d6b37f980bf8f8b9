// A short seeded fuzz run of the PLAIN and CURVE handshakes (mutated and split conversations
// against a session server or client); the long run is `npm run fuzz -- --family zmtp`. See
// tests/fuzz/_zmtp_security.ts.
import { test } from "node:test";
import { shortRun } from "./_harness.ts";
import { zmtpSecurityTargets } from "./_zmtp_security.ts";

shortRun(test, zmtpSecurityTargets);
