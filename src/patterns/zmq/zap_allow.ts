/**
 * A ready-made authenticator for the common cases: who may connect, by address, by PLAIN
 * username and password, and by CURVE public key (the checks pyzmq's `zmq.auth` makes).
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { ZapReply, ZapRequest } from "../../protocol/zmtp/mod.ts";
import type { Authenticator } from "./security.ts";

/** What {@link allowList} lets in. Each list left out allows everything of its kind. */
export interface AllowListOptions {
  /** Peer addresses allowed (IPs for tcp, as the request carries them); others get 400. */
  readonly addresses?: Iterable<string>;
  /** PLAIN logins allowed: username → password. Without it, PLAIN logins are refused. */
  readonly plain?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /**
   * CURVE client public keys allowed (32 bytes, or 40 characters of Z85), or `"any"` for
   * every key (the "Stonehouse" pattern: encrypted, not authenticated). Without it, CURVE
   * clients are refused.
   */
  readonly curve?: Iterable<string | Uint8Array> | "any";
}

const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const text = new TextDecoder();

/** RFC 32 Z85 of a 32-byte key (private: the CURVE code exports the general one). */
function z85(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let n = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>>
      0;
    let chunk = "";
    for (let j = 0; j < 5; j++) {
      chunk = Z85[n % 85]! + chunk;
      n = Math.floor(n / 85);
    }
    out += chunk;
  }
  return out;
}

function keyText(key: string | Uint8Array): string {
  if (typeof key === "string") {
    if (key.length !== 40 || [...key].some((c) => !Z85.includes(c))) {
      throw new WeftError(
        "EINVAL",
        `allowList curve: expected a 40-character Z85 key or 32 bytes, got "${key}"`,
      );
    }
    return key;
  }
  if (key.length !== 32) {
    throw new WeftError(
      "EINVAL",
      `allowList curve: expected a 32-byte key or 40 characters of Z85, got ${key.length} bytes`,
    );
  }
  return z85(key);
}

const refuse = (statusText: string): ZapReply => ({ status: 400, statusText });

/**
 * An {@link Authenticator} from lists: the address first (when `addresses` is given), then the
 * mechanism's own check — PLAIN against `plain` (the user id is the username), CURVE against
 * `curve` (the user id is the key in Z85), NULL always. Refusals are 400 with a reason the
 * server's `handshake:error` event shows (the client sees only "400", as with libzmq).
 *
 * @example
 * ```ts
 * import { allowList, Rep, Req } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep({
 *   plainServer: true,
 *   authenticate: allowList({ addresses: ["127.0.0.1"], plain: { ann: "s3cret" } }),
 * });
 * await rep.bind("tcp://127.0.0.1:0");
 * await using req = new Req({ plainUsername: "ann", plainPassword: "s3cret" });
 * req.connect(rep.lastEndpoint!);
 * await req.send("hi");
 * const [msg] = await rep.receive();
 * assert.equal(new TextDecoder().decode(msg), "hi");
 * ```
 */
export function allowList(options: AllowListOptions): Authenticator {
  const addresses = options.addresses === undefined ? undefined : new Set(options.addresses);
  const plain = options.plain === undefined
    ? undefined
    : options.plain instanceof Map
    ? new Map(options.plain)
    : new Map(Object.entries(options.plain));
  const keys = options.curve;
  const curve: Set<string> | "any" | undefined = keys === "any"
    ? "any"
    : keys === undefined
    ? undefined
    : new Set([...keys].map(keyText));
  return (request: ZapRequest): ZapReply => {
    if (addresses !== undefined && !addresses.has(request.address)) {
      return refuse(`address ${request.address} is not allowed`);
    }
    switch (request.mechanism) {
      case "NULL":
        return { status: 200 };
      case "PLAIN": {
        if (plain === undefined) return refuse("PLAIN logins are not allowed");
        const user = text.decode(request.credentials[0]);
        const password = plain.get(user);
        if (password === undefined) return refuse(`unknown user "${user}"`);
        if (password !== text.decode(request.credentials[1])) {
          return refuse(`wrong password for "${user}"`);
        }
        return { status: 200, userId: user };
      }
      case "CURVE": {
        if (curve === undefined) return refuse("CURVE clients are not allowed");
        const key = request.credentials[0];
        if (key === undefined || key.length !== 32) return refuse("no CURVE key in the request");
        const id = z85(key);
        if (curve !== "any" && !curve.has(id)) return refuse(`CURVE key ${id} is not allowed`);
        return { status: 200, userId: id };
      }
      default:
        return refuse(`unknown mechanism ${request.mechanism}`);
    }
  };
}
