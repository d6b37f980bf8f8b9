/**
 * ZeroMQ security options (NULL and PLAIN; zeromq.js's names) and the choice of the mechanism
 * and authenticator for each new connection.
 *
 * Who answers a server's ZAP question, in order: the socket's `authenticate` callback; else a
 * handler bound at `inproc://zeromq.zap.01` in the socket's inproc namespace (RFC 27, as libzmq);
 * else nobody — which accepts NULL and refuses PLAIN (libzmq fails a PLAIN handshake without a
 * ZAP handler: a password nobody checks is no protection).
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { booleanOption, describeValue } from "../../core/options.ts";
import type { OptionCheck } from "../../core/options.ts";
import type { Mechanism, ZapContext, ZapReply, ZapRequest } from "../../protocol/zmtp/mod.ts";
import {
  MAX_PLAIN_CREDENTIAL,
  NullMechanism,
  PlainClientMechanism,
  PlainServerMechanism,
} from "../../protocol/zmtp/mod.ts";
import type { TransportRegistry } from "../../transport/types.ts";
import { askZapHandler, ZAP_ENDPOINT } from "./zap_handler.ts";
import { curveMechanism, type CurveOptions } from "./curve_security.ts";

/**
 * Decides whether a connecting peer may in (RFC 27's ZAP, as a function): status 200 accepts,
 * 300/400/500 refuse. May answer at once or with a promise; a throw or a rejection counts as
 * 500 and never reaches your code as an exception.
 */
export type Authenticator = (request: ZapRequest) => ZapReply | Promise<ZapReply>;

/** The security options of every ZeroMQ socket (zeromq.js's names, plus `authenticate`). */
export interface SecurityOptions {
  /** Be the PLAIN server: clients must log in (checked by `authenticate` or a ZAP handler). */
  plainServer?: boolean;
  /** Be a PLAIN client with this username (at most 255 bytes as UTF-8); `null` resets to NULL. */
  plainUsername?: string | null;
  /** The PLAIN client's password (at most 255 bytes as UTF-8; needs `plainUsername`). */
  plainPassword?: string | null;
  /** The ZAP domain sent to the authenticator (at most 255 bytes). With NULL, setting it asks a bound ZAP handler, as libzmq. */
  zapDomain?: string;
  /**
   * Checks connecting peers: PLAIN and CURVE servers ask it for every login, NULL sockets for
   * every connection. Named for what it does (zeromq.js has no callback; libzmq's equivalent
   * is a ZAP handler, which {@link serveZap} provides).
   */
  authenticate?: Authenticator | null;
}

/** Resolved values of {@link SecurityOptions}. */
export interface SecurityValues {
  /** PLAIN server role. */
  plainServer: boolean;
  /** PLAIN client username, or undefined when not a PLAIN client. */
  plainUsername: string | undefined;
  /** PLAIN client password. */
  plainPassword: string | undefined;
  /** ZAP domain; empty by default. */
  zapDomain: string;
  /** The authenticator callback, if any. */
  authenticate: Authenticator | undefined;
}

/** The defaults: NULL, no authenticator, empty domain. */
export const SECURITY_DEFAULTS: Readonly<SecurityValues> = Object.freeze({
  plainServer: false,
  plainUsername: undefined,
  plainPassword: undefined,
  zapDomain: "",
  authenticate: undefined,
});

const utf8 = new TextEncoder();

function shortString(max: number, nullable: boolean): OptionCheck<string | undefined> {
  return (name, value) => {
    if (nullable && (value === null || value === undefined)) return undefined;
    if (typeof value !== "string") {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected a string${nullable ? " (or null)" : ""}, got ${
          describeValue(value)
        }`,
      );
    }
    const bytes = utf8.encode(value).length;
    if (bytes > max) {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected at most ${max} bytes as UTF-8, got ${bytes}`,
      );
    }
    return value;
  };
}

/** The checks of {@link SecurityValues}. */
export const SECURITY_RULES: {
  readonly [K in keyof SecurityValues]: OptionCheck<SecurityValues[K]>;
} = Object.freeze({
  plainServer: booleanOption,
  plainUsername: shortString(MAX_PLAIN_CREDENTIAL, true),
  plainPassword: shortString(MAX_PLAIN_CREDENTIAL, true),
  zapDomain: shortString(255, false) as OptionCheck<string>,
  authenticate: (name: string, value: unknown) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== "function") {
      throw new WeftError(
        "EINVAL",
        `option ${name}: expected a function (request) => ({ status: 200 | 300 | 400 | 500 }), ` +
          `got ${describeValue(value)}`,
      );
    }
    return value as Authenticator;
  },
});

/**
 * Checks that the security options agree with each other: a socket is a PLAIN server or a
 * PLAIN client, not both, and a password needs a username. Throws `EINVAL` saying which.
 *
 * @example
 * ```ts
 * import { checkSecurity, SECURITY_DEFAULTS } from "./security.ts";
 * import assert from "node:assert/strict";
 * checkSecurity({ ...SECURITY_DEFAULTS, plainServer: true });
 * assert.throws(
 *   () => checkSecurity({ ...SECURITY_DEFAULTS, plainServer: true, plainUsername: "ann" }),
 *   { code: "EINVAL", message: /server .* or a PLAIN client/ },
 * );
 * ```
 */
export function checkSecurity(values: SecurityValues & Partial<CurveOptions>): void {
  const client = values.plainUsername !== undefined || values.plainPassword !== undefined;
  const curve = values.curveServer === true || (values.curveServerKey ?? null) !== null;
  if (curve && (values.plainServer || client)) {
    throw new WeftError(
      "EINVAL",
      "options curve* and plain*: a socket speaks one mechanism, CURVE (curveServer or " +
        "curveServerKey) or PLAIN (plainServer or plainUsername), not both",
    );
  }
  if (values.plainServer && client) {
    throw new WeftError(
      "EINVAL",
      "options plainServer and plainUsername/plainPassword: a socket is a PLAIN server " +
        "(plainServer: true, checking logins) or a PLAIN client (plainUsername and " +
        "plainPassword, logging in), not both",
    );
  }
  if (values.plainPassword !== undefined && values.plainUsername === undefined) {
    throw new WeftError(
      "EINVAL",
      "option plainPassword: expected plainUsername too (a PLAIN client sends both)",
    );
  }
}

/** What {@link securityFor} needs to know of the connection and the socket. */
export interface ConnectionContext {
  /** The peer's address as the transport reports it (`tcp://127.0.0.1:51234`). */
  readonly remoteAddress: string;
  /** The local socket's routing id (RFC 27 "identity"). */
  readonly routingId: Uint8Array;
  /** The socket's transports (where a ZAP handler may be bound at inproc://zeromq.zap.01). */
  readonly transports: TransportRegistry;
  /** How long to wait for a ZAP handler's reply, ms (the handshake limit; 0 = no limit). */
  readonly timeoutMs: number;
}

/** A mechanism and the authenticator the session should ask. */
export interface ConnectionSecurity {
  /** The mechanism for the new connection. */
  readonly mechanism: Mechanism;
  /** Who answers its `authenticate` steps (undefined when it asks none). */
  readonly authenticate?: Authenticator;
}

/**
 * The address a ZAP request carries: the IP for tcp (libzmq sends no port), the transport's
 * address otherwise.
 *
 * @example
 * ```ts
 * import { zapAddress } from "./security.ts";
 * import assert from "node:assert/strict";
 * assert.equal(zapAddress("tcp://127.0.0.1:51234"), "127.0.0.1");
 * assert.equal(zapAddress("tcp://[::1]:51234"), "::1");
 * assert.equal(zapAddress("ipc:///tmp/a.sock"), "ipc:///tmp/a.sock");
 * ```
 */
export function zapAddress(remoteAddress: string): string {
  const m = /^(?:tcp|tls\+tcp|ws|wss):\/\/(?:\[([^\]]*)\]|([^:/]*))(?::\d+)?/.exec(remoteAddress);
  if (m === null) return remoteAddress;
  return m[1] ?? m[2] ?? remoteAddress;
}

/**
 * The mechanism for a new connection from the socket's options: PLAIN server, PLAIN client,
 * or NULL (asking the authenticator when one is set or `zapDomain` is given, as libzmq's
 * NULL does with `ZMQ_ZAP_DOMAIN`). CURVE joins here from its own file.
 *
 * @example
 * ```ts
 * import { SECURITY_DEFAULTS, securityFor } from "./security.ts";
 * import { createRegistry } from "../../transport/registry.ts";
 * import assert from "node:assert/strict";
 * const context = {
 *   remoteAddress: "tcp://127.0.0.1:5000",
 *   routingId: new Uint8Array(0),
 *   transports: createRegistry([]),
 *   timeoutMs: 30000,
 * };
 * assert.equal(securityFor({ ...SECURITY_DEFAULTS }, context).mechanism.name, "NULL");
 * const plain = securityFor({ ...SECURITY_DEFAULTS, plainServer: true }, context);
 * assert.equal(plain.mechanism.name, "PLAIN");
 * assert.ok(plain.mechanism.asServer);
 * ```
 */
export function securityFor(
  values: SecurityValues & Partial<CurveOptions>,
  context: ConnectionContext,
): ConnectionSecurity {
  const zap: ZapContext = {
    domain: values.zapDomain,
    address: zapAddress(context.remoteAddress),
    routingId: context.routingId,
  };
  const curve = curveMechanism(curveOptionsOf(values), zap);
  if (curve !== undefined) {
    // A CURVE server asks after INITIATE (with the client's long-term key); nobody there = accept.
    return curve.asServer
      ? { mechanism: curve, authenticate: authenticatorOf(values, context) }
      : { mechanism: curve };
  }
  if (values.plainServer) {
    return {
      mechanism: new PlainServerMechanism(zap),
      authenticate: authenticatorOf(values, context),
    };
  }
  if (values.plainUsername !== undefined) {
    return {
      mechanism: new PlainClientMechanism(values.plainUsername, values.plainPassword ?? ""),
    };
  }
  if (values.authenticate === undefined && values.zapDomain === "") {
    return { mechanism: new NullMechanism() };
  }
  return { mechanism: new NullMechanism({ zap }), authenticate: authenticatorOf(values, context) };
}

/**
 * The mechanism the options choose, by its greeting name (`NULL`, `PLAIN`, `CURVE`): over ws it
 * names the ZWS 2.0 subprotocol (`ZWS2.0/CURVE`…).
 *
 * @example
 * ```ts
 * import { mechanismNameOf, SECURITY_DEFAULTS } from "./security.ts";
 * import assert from "node:assert/strict";
 * assert.equal(mechanismNameOf({ ...SECURITY_DEFAULTS, plainServer: true }), "PLAIN");
 * assert.equal(mechanismNameOf(SECURITY_DEFAULTS), "NULL");
 * ```
 */
export function mechanismNameOf(values: SecurityValues & Partial<CurveOptions>): string {
  if (values.curveServer === true || (values.curveServerKey ?? null) !== null) return "CURVE";
  if (values.plainServer || values.plainUsername !== undefined) return "PLAIN";
  return "NULL";
}

/** The CURVE options, defaulted (callers that know no CURVE may leave them out). */
function curveOptionsOf(values: Partial<CurveOptions>): CurveOptions {
  return {
    curveServer: values.curveServer ?? false,
    curveSecretKey: values.curveSecretKey ?? null,
    curvePublicKey: values.curvePublicKey ?? null,
    curveServerKey: values.curveServerKey ?? null,
  };
}

/** What answers when nobody is there to ask: NULL and CURVE pass, PLAIN is refused. */
function unanswered(request: ZapRequest): ZapReply {
  if (request.mechanism !== "PLAIN") return { status: 200 };
  return {
    status: 500,
    statusText: `no authenticator: a PLAIN server needs the authenticate option or a ZAP ` +
      `handler bound at ${ZAP_ENDPOINT} (as libzmq does)`,
  };
}

/** The socket's callback, else the RFC 27 handler bound in its inproc namespace, else nobody. */
function authenticatorOf(values: SecurityValues, context: ConnectionContext): Authenticator {
  const callback = values.authenticate;
  if (callback !== undefined) return callback;
  return async (request) =>
    (await askZapHandler(context.transports, request, context.timeoutMs)) ?? unanswered(request);
}
