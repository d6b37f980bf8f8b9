/**
 * The CURVE flags of `weft zmq cat|proxy|monitor` (`--curve-server`, `--curve-secret-key`,
 * `--curve-public-key`, `--curve-server-key`) and where a key may come from: the argument
 * itself (40 Z85 characters), a file (`@path`: a bare Z85 key, 32 raw bytes, or a libzmq/CZMQ
 * certificate with `secret-key = "…"` / `public-key = "…"` lines), or the environment
 * (`env:NAME`), so secret keys need not show in `ps`.
 * @module
 */

import { curvePublicKey, type SocketOptions, WeftError, z85Decode } from "../zmq.ts";
import { type FlagSpec, type ParsedArgs, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";

/** The CURVE flags, for a command's flag table; `prefix` names a proxy side (`backend-`). */
export function securityFlags(prefix = ""): Record<string, FlagSpec> {
  return {
    [`${prefix}curve-server`]: { kind: "boolean" },
    [`${prefix}curve-secret-key`]: { kind: "string" },
    [`${prefix}curve-public-key`]: { kind: "string" },
    [`${prefix}curve-server-key`]: { kind: "string" },
  };
}

/** The help lines for {@link securityFlags}. */
export const SECURITY_HELP =
  `CURVE (encryption and server authentication, libzmq-compatible; see "weft zmq keygen"):
  --curve-server         be a CURVE server (needs --curve-secret-key)
  --curve-secret-key KEY our secret key (a server's, or a client's own)
  --curve-public-key KEY a client's public key (optional: derived from the secret key)
  --curve-server-key KEY the server's public key: makes this socket a CURVE client
  KEY is 40 Z85 characters, @FILE (a key, or a curve certificate: secret-key = "…"),
  or env:NAME (an environment variable) — keep secret keys out of the command line.
`;

const CERT_FIELD = /^\s*(secret|public)-key\s*=\s*"([^"]{40})"\s*$/m;

/**
 * Reads one key argument: Z85 text, `@file` or `env:NAME`.
 *
 * @example
 * ```ts
 * import { readKey } from "./security_flags.ts";
 * import assert from "node:assert/strict";
 * const io = { env: (name: string) => name === "SERVER_KEY" ? "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7" : undefined };
 * assert.equal(await readKey("--curve-server-key", "env:SERVER_KEY", io as never), "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
 * ```
 */
export async function readKey(
  flag: string,
  value: string,
  io: CliIo,
): Promise<string | Uint8Array> {
  const field = flag.includes("secret") ? "secret" : "public";
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    const text = io.env?.(name);
    if (text === undefined || text === "") {
      throw new UsageError(`${flag} env:${name}: the environment variable ${name} is not set`);
    }
    return text.trim();
  }
  if (value.startsWith("@")) {
    const path = value.slice(1);
    let bytes: Uint8Array;
    try {
      bytes = await io.readFile(path);
    } catch (e) {
      throw new UsageError(`${flag} @${path}: cannot read the file (${(e as Error).message})`);
    }
    if (bytes.length === 32) return bytes;
    const text = new TextDecoder().decode(bytes);
    const trimmed = text.trim();
    if (trimmed.length === 40 && !trimmed.includes("\n")) return trimmed;
    // A libzmq/CZMQ certificate: take the field this flag wants.
    for (const line of text.split("\n")) {
      const m = CERT_FIELD.exec(line);
      if (m && m[1] === field) return m[2]!;
    }
    throw new UsageError(
      `${flag} @${path}: expected 40 Z85 characters, 32 bytes, or a certificate with a ` +
        `${field}-key = "…" line`,
    );
  }
  return value;
}

/**
 * The socket options the CURVE flags ask for (empty when none is given); a bad key is a
 * usage error naming the flag.
 *
 * @example
 * ```ts
 * import { securityOptions, securityFlags } from "./security_flags.ts";
 * import { parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 * const args = parseArgs(
 *   ["--curve-server", "--curve-secret-key", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"],
 *   securityFlags(),
 * );
 * const options = await securityOptions(args, {} as never);
 * assert.equal(options.curveServer, true);
 * ```
 */
export async function securityOptions(
  args: ParsedArgs,
  io: CliIo,
  prefix = "",
): Promise<SocketOptions> {
  const options: SocketOptions = {};
  if (args.booleans.has(`${prefix}curve-server`)) options.curveServer = true;
  const keys = [
    ["curve-secret-key", "curveSecretKey"],
    ["curve-public-key", "curvePublicKey"],
    ["curve-server-key", "curveServerKey"],
  ] as const;
  for (const [flag, option] of keys) {
    const value = args.strings.get(`${prefix}${flag}`);
    if (value === undefined) continue;
    const key = await readKey(`--${prefix}${flag}`, value, io);
    try {
      if (typeof key === "string") z85Decode(key); // check the alphabet here, naming the flag
      if (key.length !== 40 && key.length !== 32) throw new Error(`got ${key.length} characters`);
      options[option] = key;
    } catch (e) {
      throw new UsageError(
        `--${prefix}${flag} expects a 40-character Z85 key (see "weft zmq keygen"): ${
          e instanceof WeftError ? e.message : (e as Error).message
        }`,
      );
    }
  }
  if (options.curveSecretKey !== undefined && options.curvePublicKey === undefined) {
    // Derive it now so a bad secret key fails here, with the flag's name.
    curvePublicKey(options.curveSecretKey as string | Uint8Array);
  }
  return options;
}
