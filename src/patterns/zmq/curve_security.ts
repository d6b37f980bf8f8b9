/**
 * CURVE for a ZeroMQ socket: which role its options ask for (server with `curveServer`, client
 * with `curveServerKey`), the checks that catch an incomplete set of keys before any connection
 * is tried, and the mechanism each new connection gets.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { Mechanism } from "../../protocol/zmtp/mechanism.ts";
import type { ZapContext } from "../../protocol/zmtp/zap.ts";
import { publicKeyOf } from "../../protocol/zmtp/curve/box.ts";
import { CurveClientMechanism } from "../../protocol/zmtp/curve/client.ts";
import { sameBytes } from "../../protocol/zmtp/curve/common.ts";
import type { RandomSource } from "../../protocol/zmtp/curve/keys.ts";
import { CurveServerMechanism } from "../../protocol/zmtp/curve/server.ts";

/**
 * Public keys derived from secret keys, by the option's own array (a new value is a new array):
 * an X25519 base multiplication saved on every connection of a server or key-only client.
 */
const derived = new WeakMap<Uint8Array, Uint8Array>();

function publicOf(secret: Uint8Array): Uint8Array {
  let pub = derived.get(secret);
  if (pub === undefined) derived.set(secret, pub = publicKeyOf(secret));
  return pub;
}

/** The CURVE options as resolved on a socket. */
export interface CurveOptions {
  /** Be a CURVE server. */
  readonly curveServer: boolean;
  /** Our long-term secret key. */
  readonly curveSecretKey: Uint8Array | null;
  /** Our long-term public key (optional: derived from the secret key). */
  readonly curvePublicKey: Uint8Array | null;
  /** The server's public key (a client's). */
  readonly curveServerKey: Uint8Array | null;
}

/**
 * Checks that the CURVE options make a whole role; `EINVAL` saying what is missing otherwise.
 * Returns the role: `"server"`, `"client"` or `null` (no CURVE).
 *
 * @example
 * ```ts
 * import { checkCurveOptions } from "./curve_security.ts";
 * import { curveKeyPair } from "../../protocol/zmtp/curve/keys.ts";
 * import { z85Decode } from "../../protocol/zmtp/curve/z85.ts";
 * import assert from "node:assert/strict";
 * const none = { curveServer: false, curveSecretKey: null, curvePublicKey: null, curveServerKey: null };
 * assert.equal(checkCurveOptions(none), null);
 * const secret = z85Decode(curveKeyPair().secretKey);
 * assert.equal(checkCurveOptions({ ...none, curveServer: true, curveSecretKey: secret }), "server");
 * // A client that knows its own keys but not the server's cannot start a handshake.
 * assert.throws(() => checkCurveOptions({ ...none, curveSecretKey: secret }), { code: "EINVAL" });
 * ```
 */
export function checkCurveOptions(o: CurveOptions): "server" | "client" | null {
  const anyKey = o.curveSecretKey !== null || o.curvePublicKey !== null ||
    o.curveServerKey !== null;
  if (!o.curveServer && !anyKey) return null;
  if (o.curveServer) {
    if (o.curveServerKey !== null) {
      throw new WeftError(
        "EINVAL",
        "CURVE: expected either curveServer: true (a server) or curveServerKey (a client), " +
          "got both",
      );
    }
    if (o.curveSecretKey === null) {
      throw new WeftError(
        "EINVAL",
        "CURVE: curveServer: true needs curveSecretKey (the server's secret key)",
      );
    }
    checkPair(o);
    return "server";
  }
  if (o.curveServerKey === null) {
    throw new WeftError(
      "EINVAL",
      "CURVE: keys are set but there is no role: a client needs curveServerKey (the server's " +
        "public key), a server needs curveServer: true",
    );
  }
  if (o.curveSecretKey === null) {
    throw new WeftError(
      "EINVAL",
      "CURVE: a client (curveServerKey set) needs curveSecretKey (its own secret key; make a " +
        "pair with curveKeyPair())",
    );
  }
  checkPair(o);
  return "client";
}

function checkPair(o: CurveOptions): void {
  if (o.curvePublicKey !== null && !sameBytes(o.curvePublicKey, publicOf(o.curveSecretKey!))) {
    throw new WeftError(
      "EINVAL",
      "CURVE: curvePublicKey is not the public key of curveSecretKey (leave it out to derive it)",
    );
  }
}

/**
 * The CURVE mechanism for one new connection, or undefined when the socket does not use
 * CURVE (the session then speaks NULL). The role comes from the options only, whichever side
 * dialled (libzmq never trusts the greeting's as-server octet). A server puts `zap` (domain,
 * the peer's address, our routing id) in the authentication request it makes after INITIATE.
 *
 * @example
 * ```ts
 * import { curveMechanism } from "./curve_security.ts";
 * import { curveKeyPair } from "../../protocol/zmtp/curve/keys.ts";
 * import { z85Decode } from "../../protocol/zmtp/curve/z85.ts";
 * import assert from "node:assert/strict";
 * const server = curveKeyPair();
 * const m = curveMechanism({
 *   curveServer: false,
 *   curveSecretKey: z85Decode(curveKeyPair().secretKey),
 *   curvePublicKey: null,
 *   curveServerKey: z85Decode(server.publicKey),
 * });
 * assert.equal(m?.name, "CURVE");
 * assert.equal(m?.asServer, false);
 * ```
 */
export function curveMechanism(
  o: CurveOptions,
  zap?: ZapContext,
  random?: RandomSource,
): Mechanism | undefined {
  const role = checkCurveOptions(o);
  if (role === null) return undefined;
  const extra = random ? { random } : {};
  if (role === "server") {
    return new CurveServerMechanism({
      secretKey: o.curveSecretKey!,
      publicKey: publicOf(o.curveSecretKey!),
      ...(zap ? { domain: zap.domain, address: zap.address, routingId: zap.routingId } : {}),
      ...extra,
    });
  }
  return new CurveClientMechanism({
    serverKey: o.curveServerKey!,
    secretKey: o.curveSecretKey!,
    publicKey: o.curvePublicKey ?? publicOf(o.curveSecretKey!),
    ...extra,
  });
}
