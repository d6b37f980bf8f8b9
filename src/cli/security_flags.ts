/**
 * The security flags of `weft zmq cat|proxy|monitor`: CURVE (`--curve-server`,
 * `--curve-secret-key`, `--curve-public-key`, `--curve-server-key`) and PLAIN (`--plain-user`,
 * `--plain-password`, `--plain-server` with `--plain-allow USER:PASSWORD`), and where a key or
 * password may come from: the argument itself, a file (`@path`: for keys a bare Z85 key, 32
 * raw bytes, or a libzmq/CZMQ certificate with `secret-key = "…"` / `public-key = "…"` lines)
 * or the environment (`env:NAME`), so secrets need not show in `ps`.
 * @module
 */

import { allowList, curvePublicKey, type SocketOptions, WeftError, z85Decode } from "../zmq.ts";
import { type FlagSpec, type ParsedArgs, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";

/** The CURVE and PLAIN flags, for a command's flag table; `prefix` names a proxy side (`backend-`). */
export function securityFlags(prefix = ""): Record<string, FlagSpec> {
  return {
    [`${prefix}curve-server`]: { kind: "boolean" },
    [`${prefix}curve-secret-key`]: { kind: "string" },
    [`${prefix}curve-public-key`]: { kind: "string" },
    [`${prefix}curve-server-key`]: { kind: "string" },
    [`${prefix}plain-server`]: { kind: "boolean" },
    [`${prefix}plain-allow`]: { kind: "list" },
    [`${prefix}plain-user`]: { kind: "string" },
    [`${prefix}plain-password`]: { kind: "string" },
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
PLAIN (a username and password in clear text: for trusted networks only):
  --plain-user NAME      log in as NAME: makes this socket a PLAIN client
  --plain-password PW    the password (PW, @FILE or env:NAME)
  --plain-server         be a PLAIN server, checking logins against --plain-allow
  --plain-allow U:P      let user U in with password P (repeatable; also @FILE or env:NAME
                         holding one USER:PASSWORD per line, # for comments)
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
  let bytes: string | Uint8Array;
  try {
    bytes = await readSecret(flag, value, io);
  } catch (e) {
    // A Z85 key may itself start with "@" or "env:" ('@' and ':' are Z85 digits): when no such
    // file or variable exists, 40 characters of Z85 are the key.
    if (isZ85Key(value)) return value;
    throw e;
  }
  if (typeof bytes === "string") return bytes.trim(); // the argument, or env:NAME
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
    `${flag} ${value}: expected 40 Z85 characters, 32 bytes, or a certificate with a ` +
      `${field}-key = "…" line`,
  );
}

function isZ85Key(text: string): boolean {
  if (text.length !== 40) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads one secret argument as given: `env:NAME` (the variable's text), `@path` (the file's
 * bytes), or the argument's own text. An unset variable or unreadable file is a usage error
 * naming the flag.
 *
 * @example
 * ```ts
 * import { readSecret } from "./security_flags.ts";
 * import assert from "node:assert/strict";
 * const io = { env: (name: string) => name === "PW" ? "s3cret" : undefined };
 * assert.equal(await readSecret("--plain-password", "env:PW", io as never), "s3cret");
 * assert.equal(await readSecret("--plain-password", "hunter2", io as never), "hunter2");
 * ```
 */
export async function readSecret(
  flag: string,
  value: string,
  io: CliIo,
): Promise<string | Uint8Array> {
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    const text = io.env?.(name);
    if (text === undefined || text === "") {
      throw new UsageError(`${flag} env:${name}: the environment variable ${name} is not set`);
    }
    return text;
  }
  if (value.startsWith("@")) {
    const path = value.slice(1);
    try {
      return await io.readFile(path);
    } catch (e) {
      throw new UsageError(`${flag} @${path}: cannot read the file (${(e as Error).message})`);
    }
  }
  return value;
}

/** A secret as text: a file's content without its final line break. */
async function readText(flag: string, value: string, io: CliIo): Promise<string> {
  const secret = await readSecret(flag, value, io);
  if (typeof secret === "string") return secret;
  return new TextDecoder().decode(secret).replace(/\r?\n$/, "");
}

/**
 * The PLAIN allow-list from `--plain-allow` values: each `USER:PASSWORD`, or `@FILE` /
 * `env:NAME` holding one such line per user (blank lines and `#` comments skipped).
 *
 * @example
 * ```ts
 * import { plainUsers } from "./security_flags.ts";
 * import assert from "node:assert/strict";
 * const io = { env: (name: string) => name === "USERS" ? "# staff\nann:s3cret\nbob:pw:with:colons\n" : undefined };
 * const users = await plainUsers("--plain-allow", ["admin:secret", "env:USERS"], io as never);
 * assert.deepEqual([...users], [["admin", "secret"], ["ann", "s3cret"], ["bob", "pw:with:colons"]]);
 * ```
 */
export async function plainUsers(
  flag: string,
  values: readonly string[],
  io: CliIo,
): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  for (const value of values) {
    const text = await readText(flag, value, io);
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const colon = line.indexOf(":");
      if (colon <= 0) {
        throw new UsageError(
          `${flag} expects USER:PASSWORD (one per line in a file), got ${
            JSON.stringify(line.length > 40 ? line.slice(0, 40) + "…" : line)
          }`,
        );
      }
      users.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return users;
}

/** The PLAIN options the flags ask for; a flag without its partner is a usage error. */
async function plainOptions(args: ParsedArgs, io: CliIo, prefix: string): Promise<SocketOptions> {
  const flag = (name: string) => `--${prefix}${name}`;
  const server = args.booleans.has(`${prefix}plain-server`);
  const allow = args.lists.get(`${prefix}plain-allow`) ?? [];
  const user = args.strings.get(`${prefix}plain-user`);
  const password = args.strings.get(`${prefix}plain-password`);
  if (server && allow.length === 0) {
    throw new UsageError(
      `${flag("plain-server")} needs ${flag("plain-allow")} USER:PASSWORD (who may log in)`,
    );
  }
  if (!server && allow.length > 0) {
    throw new UsageError(
      `${flag("plain-allow")} is for a PLAIN server: add ${flag("plain-server")}`,
    );
  }
  if (server && user !== undefined) {
    throw new UsageError(
      `${flag("plain-server")} and ${flag("plain-user")}: a socket is a PLAIN server or a ` +
        `PLAIN client, not both`,
    );
  }
  if (password !== undefined && user === undefined) {
    throw new UsageError(`${flag("plain-password")} needs ${flag("plain-user")} too`);
  }
  if (server) {
    const users = await plainUsers(flag("plain-allow"), allow, io);
    return { plainServer: true, authenticate: allowList({ plain: users }) };
  }
  if (user === undefined) return {};
  return {
    plainUsername: await readText(flag("plain-user"), user, io),
    plainPassword: password === undefined
      ? ""
      : await readText(flag("plain-password"), password, io),
  };
}

/**
 * The socket options the CURVE and PLAIN flags ask for (empty when none is given); a bad key,
 * a flag without its partner, or both mechanisms at once is a usage error naming the flag.
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
  const plain = await plainOptions(args, io, prefix);
  if (Object.keys(plain).length > 0 && Object.keys(options).length > 0) {
    throw new UsageError(
      `--${prefix}curve-* and --${prefix}plain-*: a socket speaks one mechanism, CURVE or PLAIN`,
    );
  }
  return { ...options, ...plain };
}
