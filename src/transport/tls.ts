/**
 * What the Deno and Bun TLS transports (`tls+tcp://`, nng's name) share: their constructor
 * options, how per-call settings combine with them, and the errors they raise.
 *
 * Where settings go: server credentials (`cert`, `key`) belong to the server's setup, so they
 * are usually given once to the transport's constructor (and so to a registry); trust roots
 * (`caCerts`) and the name to verify (`hostname`) may be given there too, for every dial, or per
 * dial in {@link DialOptions.tls}. Per-call fields win over the constructor's, field by field.
 * @module
 */

import { WeftError } from "../core/errors.ts";
import type { DialOptions, TlsOptions } from "./types.ts";

/** Constructor options of the TLS transports: defaults for every dial and listen. */
export interface TlsTransportOptions extends TlsOptions {
  /**
   * A TLS handshake not done within this many ms fails (dial: `ETIMEDOUT`; accept: the
   * connection is dropped). A dial's `connectTimeoutMs`, when set, bounds connect and handshake
   * together instead. Default 10 000.
   */
  readonly handshakeTimeoutMs?: number;
}

/** The default TLS handshake deadline, in milliseconds. */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The settings for one call: the transport's, overridden field by field by the call's.
 *
 * @example
 * ```ts
 * import { mergeTls } from "./tls.ts";
 * import assert from "node:assert/strict";
 * const merged = mergeTls({ cert: "C", key: "K", caCerts: ["A"] }, { caCerts: ["B"] });
 * assert.deepEqual(merged, { cert: "C", key: "K", caCerts: ["B"] });
 * ```
 */
export function mergeTls(base: TlsOptions, call: TlsOptions | undefined): TlsOptions {
  if (!call) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(call)) if (v !== undefined) out[k] = v;
  return out as TlsOptions;
}

/**
 * The server credentials a TLS listener needs, or a `WeftError("EINVAL")` saying where to put
 * them.
 *
 * @example
 * ```ts
 * import { listenerCredentials } from "./tls.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(listenerCredentials({ cert: "C", key: "K" }, "tls+tcp://*:1"), {
 *   cert: "C",
 *   key: "K",
 * });
 * assert.throws(() => listenerCredentials({}, "tls+tcp://*:1"), { code: "EINVAL" });
 * ```
 */
export function listenerCredentials(
  tls: TlsOptions,
  url: string,
): { cert: string; key: string } {
  if (!tls.cert || !tls.key) {
    const missing = [!tls.cert ? "cert" : "", !tls.key ? "key" : ""].filter(Boolean).join(" and ");
    throw new WeftError(
      "EINVAL",
      `expected a PEM certificate and key to listen on ${url}, got no ${missing} ` +
        `(pass { cert, key } to the TLS transport or in ListenOptions.tls)`,
    );
  }
  return { cert: tls.cert, key: tls.key };
}

/**
 * The deadline for one dial: `connectTimeoutMs` when set (connect and handshake together),
 * else the transport's handshake timeout.
 *
 * @example
 * ```ts
 * import { dialDeadlineMs } from "./tls.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dialDeadlineMs({}, { connectTimeoutMs: 500 }), 500);
 * assert.equal(dialDeadlineMs({ handshakeTimeoutMs: 7 }, {}), 7);
 * assert.equal(dialDeadlineMs({}, undefined), 10_000);
 * ```
 */
export function dialDeadlineMs(
  options: TlsTransportOptions,
  dial: DialOptions | undefined,
): number {
  const connect = dial?.connectTimeoutMs ?? 0;
  return connect > 0 ? connect : options.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
}

/**
 * The error for a failed TLS handshake (untrusted or misnamed certificate, a peer that does not
 * speak TLS): `EPROTO`, naming the endpoint, the runtime's reason and what to check.
 *
 * @example
 * ```ts
 * import { tlsHandshakeError } from "./tls.ts";
 * import assert from "node:assert/strict";
 * const err = tlsHandshakeError("tls+tcp://h:1", "invalid peer certificate: UnknownIssuer");
 * assert.equal(err.code, "EPROTO");
 * assert.match(err.message, /tls\+tcp:\/\/h:1.*UnknownIssuer/);
 * ```
 */
export function tlsHandshakeError(url: string, reason: string, cause?: unknown): WeftError {
  return new WeftError(
    "EPROTO",
    `TLS handshake with ${url} failed: ${reason} (expected a server certificate signed by a ` +
      `trusted root — caCerts or the runtime's — for the dialed name)`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The error for a dial whose connect and TLS handshake did not finish in time.
 *
 * @example
 * ```ts
 * import { tlsTimeoutError } from "./tls.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tlsTimeoutError("tls+tcp://h:1", 5).code, "ETIMEDOUT");
 * ```
 */
export function tlsTimeoutError(url: string, ms: number): WeftError {
  return new WeftError(
    "ETIMEDOUT",
    `connect and TLS handshake with ${url} did not complete within ${ms} ms`,
  );
}
