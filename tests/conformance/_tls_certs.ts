/**
 * Throwaway certificates for the TLS tests, made with `openssl` in a temp dir: a self-signed
 * server certificate for `localhost` and `127.0.0.1` (P-256, one day), and an unrelated one to
 * play a wrong CA. The server certificate is its own root, so dialers pass it as `caCerts`.
 *
 * It is marked `CA:FALSE`: rustls (Deno) refuses a CA certificate used as a server's own
 * (`CaUsedAsEndEntity`), which is what `openssl req -x509` makes by default.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The PEM texts a TLS test needs. */
export interface TestCerts {
  /** The server's certificate (also the root dialers trust). */
  readonly cert: string;
  /** The server's private key. */
  readonly key: string;
  /** A certificate that did not sign the server's (a wrong CA). */
  readonly wrongCa: string;
}

function selfSigned(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-days",
    "1",
    "-keyout",
    key,
    "-out",
    cert,
  ], { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
  if (r.status !== 0) {
    throw new Error(`openssl req failed (${r.status}): ${r.stderr?.toString() ?? r.error}`);
  }
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/**
 * Makes fresh test certificates, or returns `undefined` when `openssl` cannot run (the caller
 * then skips loudly with `requirePeer(t, "openssl")`).
 *
 * @example
 * ```ts
 * import { makeTestCerts } from "./_tls_certs.ts";
 * import assert from "node:assert/strict";
 * const certs = makeTestCerts();
 * if (certs) assert.match(certs.cert, /BEGIN CERTIFICATE/);
 * ```
 */
export function makeTestCerts(): TestCerts | undefined {
  const probe = spawnSync("openssl", ["version"], { stdio: "ignore" });
  if (probe.status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "weft-tls-"));
  try {
    const server = selfSigned(dir, "server", "localhost");
    const wrong = selfSigned(dir, "wrong", "weft-wrong-ca");
    return { cert: server.cert, key: server.key, wrongCa: wrong.cert };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
