/**
 * `weft zmq keygen`: prints a new CURVE key pair in Z85, as libzmq's `curve_keygen` does (or as
 * JSON with `--json`), for `--curve-*` flags, `curveSecretKey`/`curveServerKey` options, or
 * libzmq and zeromq.js peers.
 * @module
 */

import { curveKeyPair } from "../zmq.ts";
import { parseArgs, UsageError } from "./args.ts";
import type { FlagSpec } from "./args.ts";
import type { CliIo } from "./io.ts";

const KEYGEN_HELP = `weft zmq keygen — make a CURVE key pair (Z85, as libzmq's curve_keygen)

Usage:
  weft zmq keygen [--json]

  --json                 print {"publicKey": "…", "secretKey": "…"} on one line
  -h, --help             this help

Give the public key to peers (clients: --curve-server-key); keep the secret key to the
socket that owns it (--curve-secret-key @FILE or env:NAME keeps it out of ps and history).

Example:
  weft zmq keygen --json > server.json
`;

const FLAGS: Record<string, FlagSpec> = {
  json: { kind: "boolean" },
  help: { kind: "boolean", short: "h" },
};

/**
 * Runs `weft zmq keygen`; returns the exit status.
 *
 * @example
 * ```ts
 * import { zmqKeygen } from "./keygen.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const io = { write: async (b: Uint8Array) => void out.push(new TextDecoder().decode(b)) };
 * assert.equal(await zmqKeygen(["--json"], io as never), 0);
 * assert.equal(JSON.parse(out.join("")).publicKey.length, 40);
 * ```
 */
export async function zmqKeygen(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const encoder = new TextEncoder();
  if (args.booleans.has("help")) {
    await io.write(encoder.encode(KEYGEN_HELP));
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  }
  const pair = curveKeyPair();
  const text = args.booleans.has("json")
    ? JSON.stringify({ publicKey: pair.publicKey, secretKey: pair.secretKey }) + "\n"
    : `== CURVE PUBLIC KEY ==\n${pair.publicKey}\n== CURVE SECRET KEY ==\n${pair.secretKey}\n`;
  await io.write(encoder.encode(text));
  return 0;
}
