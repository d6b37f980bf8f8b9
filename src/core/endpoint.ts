/**
 * Endpoint URLs: `tcp://host:port`, `tcp://[::1]:port`, `ipc:///path`, `inproc://name`,
 * `ws://host:port/path`. Parsed once, when a socket binds or connects.
 * @module
 */

import { WeftError } from "./errors.ts";

/** A parsed endpoint. */
export interface Endpoint {
  /** The text as given, e.g. `tcp://127.0.0.1:0`. */
  readonly url: string;
  /** `tcp`, `ipc`, `inproc`, `ws`, `wss`, … (lower case). */
  readonly scheme: string;
  /** Host for network schemes (IPv6 without brackets; `*` means every interface). */
  readonly host: string;
  /** Port for network schemes; 0 when ephemeral (`:0` or `:*`). */
  readonly port: number;
  /** Path: the socket file for `ipc`, the name for `inproc`, the URL path for `ws`. */
  readonly path: string;
}

const NETWORK = new Set(["tcp", "ws", "wss", "tls+tcp"]);

/**
 * Parses an endpoint URL. Throws `WeftError("EINVAL")` naming what was expected.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "./endpoint.ts";
 * import assert from "node:assert/strict";
 * const ep = parseEndpoint("tcp://[::1]:*");
 * assert.equal(ep.host, "::1");
 * assert.equal(ep.port, 0);
 * assert.equal(parseEndpoint("ipc:///tmp/weft.sock").path, "/tmp/weft.sock");
 * assert.equal(parseEndpoint("inproc://jobs").path, "jobs");
 * ```
 */
export function parseEndpoint(url: string): Endpoint {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!m) {
    throw new WeftError("EINVAL", `expected an endpoint like tcp://host:port, got "${url}"`);
  }
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (!NETWORK.has(scheme)) {
    if (rest.length === 0) {
      throw new WeftError("EINVAL", `expected a path or name after ${scheme}://, got "${url}"`);
    }
    return { url, scheme, host: "", port: 0, path: rest };
  }
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);
  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0 || authority[close + 1] !== ":") {
      throw new WeftError("EINVAL", `expected [ipv6]:port in "${url}"`);
    }
    host = authority.slice(1, close);
    portText = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon < 0) {
      if (scheme === "ws" || scheme === "wss") {
        return { url, scheme, host: authority, port: scheme === "ws" ? 80 : 443, path };
      }
      throw new WeftError("EINVAL", `expected host:port in "${url}"`);
    }
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
  }
  if (host.length === 0) throw new WeftError("EINVAL", `expected a host in "${url}"`);
  const port = portText === "*" ? 0 : Number(portText);
  if (!/^\d+$/.test(portText === "*" ? "0" : portText) || port > 65535) {
    throw new WeftError(
      "EINVAL",
      `expected a port in 0..65535 or *, got "${portText}" in "${url}"`,
    );
  }
  return { url, scheme, host, port, path };
}

/** Formats a network endpoint back to text (brackets IPv6 hosts). */
export function formatEndpoint(scheme: string, host: string, port: number, path = ""): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${h}:${port}${path === "/" ? "" : path}`;
}

/**
 * The address a listener binds for an endpoint's host: `*` (every interface) is `0.0.0.0`.
 *
 * @example
 * ```ts
 * import { bindHost, parseEndpoint } from "./endpoint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bindHost(parseEndpoint("tcp://*:5555").host), "0.0.0.0");
 * assert.equal(bindHost(parseEndpoint("tcp://[::1]:5555").host), "::1");
 * ```
 */
export function bindHost(host: string): string {
  return host === "*" ? "0.0.0.0" : host;
}
