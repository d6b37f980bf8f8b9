/**
 * The environment a clustered weft/nano process is started with — by `weft nano cluster`, or by
 * hand, systemd, a container… — read into the App's `cluster`, `reusePort` and `port` options:
 *
 * | variable          | meaning                                                        |
 * | ----------------- | -------------------------------------------------------------- |
 * | `WEFT_NATS_URL`   | NATS server(s), comma-separated; absent: not clustered          |
 * | `WEFT_SERVER_TYPE`| this node's server type (`gate`, `chat`…), required with NATS   |
 * | `WEFT_NODE_ID`    | this node's id, unique in the cluster, required with NATS       |
 * | `WEFT_FRONTEND`   | `1` holds client connections (default), `0` a backend           |
 * | `WEFT_REUSE_PORT` | `1` binds the client port with SO_REUSEPORT (default `0`)       |
 * | `PORT`            | the client port                                                |
 * @module
 */

import { WeftError } from "../../core/errors.ts";

/** The `cluster` option of a nano App, as {@link clusterEnv} reads it. */
export interface ClusterEnvOptions {
  /** NATS server URL(s), comma-separated as given (`nats://127.0.0.1:4222`). */
  readonly nats: string;
  /** The node's server type: the first word of the routes it serves (`chat.room.join`). */
  readonly serverType: string;
  /** The node's id, unique in the cluster. */
  readonly nodeId: string;
  /** Whether the node holds client connections (a gate). */
  readonly frontend: boolean;
}

/** What {@link clusterEnv} returns. */
export interface ClusterEnv {
  /** The App's `cluster` option; undefined when `WEFT_NATS_URL` is absent (one process). */
  readonly cluster?: ClusterEnvOptions;
  /** The App's `reusePort` option (`WEFT_REUSE_PORT`). */
  readonly reusePort: boolean;
  /** The client port (`PORT`), when given. */
  readonly port?: number;
}

/** The environment, as `process.env` has it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A name usable in a NATS subject token and a route's first word. */
const NAME = /^[A-Za-z0-9_-]+$/;
const NATS_SCHEMES = new Set(["nats:", "tls:", "ws:", "wss:"]);

function processEnv(): Environment {
  return (globalThis as { process?: { env: Environment } }).process?.env ?? {};
}

function invalid(name: string, expected: string, value: string): WeftError {
  return new WeftError("EINVAL", `${name}: expected ${expected}, got '${value}'`);
}

function flag(env: Environment, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw invalid(name, "1 or 0 (true or false)", value);
}

function nameVar(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new WeftError(
      "EINVAL",
      `${name}: expected a name (letters, digits, _ or -) with WEFT_NATS_URL set, got nothing`,
    );
  }
  if (!NAME.test(value)) throw invalid(name, "a name of letters, digits, _ or -", value);
  return value;
}

function natsUrls(value: string): string {
  for (const part of value.split(",")) {
    let url: URL | undefined;
    try {
      url = new URL(part.trim());
    } catch {
      url = undefined;
    }
    if (!url || !NATS_SCHEMES.has(url.protocol) || url.hostname === "") {
      throw invalid(
        "WEFT_NATS_URL",
        "nats://host:port (or tls://, ws://, wss://; comma-separated)",
        value,
      );
    }
  }
  return value;
}

/**
 * Reads the cluster environment (`process.env` by default): the App's `cluster` option (or
 * undefined without `WEFT_NATS_URL`), `reusePort` and `port`. Bad values throw a `WeftError`
 * (`EINVAL`) naming the variable and what it expects; so do node variables set without
 * `WEFT_NATS_URL`, which would otherwise be silently ignored.
 *
 * @example
 * ```ts
 * import { clusterEnv } from "./env.ts";
 * import assert from "node:assert/strict";
 * // What `weft nano cluster` gives its first gate process:
 * const env = clusterEnv({
 *   WEFT_NATS_URL: "nats://127.0.0.1:4222",
 *   WEFT_SERVER_TYPE: "gate",
 *   WEFT_NODE_ID: "gate-1-3f2a",
 *   WEFT_FRONTEND: "1",
 *   WEFT_REUSE_PORT: "1",
 *   PORT: "3250",
 * });
 * assert.deepEqual(env, {
 *   cluster: { nats: "nats://127.0.0.1:4222", serverType: "gate", nodeId: "gate-1-3f2a", frontend: true },
 *   reusePort: true,
 *   port: 3250,
 * });
 * assert.equal(clusterEnv({}).cluster, undefined); // one process, no NATS
 * assert.throws(() => clusterEnv({ PORT: "http" }), { code: "EINVAL", message: /PORT/ });
 * ```
 */
export function clusterEnv(env: Environment = processEnv()): ClusterEnv {
  const reusePort = flag(env, "WEFT_REUSE_PORT", false);
  const portText = env.PORT;
  let port: number | undefined;
  if (portText !== undefined && portText !== "") {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      throw invalid("PORT", "a port number 0..65535", portText);
    }
  }
  const base = port === undefined ? { reusePort } : { reusePort, port };
  const nats = env.WEFT_NATS_URL;
  if (nats === undefined || nats === "") {
    const stray = ["WEFT_SERVER_TYPE", "WEFT_NODE_ID", "WEFT_FRONTEND"].filter((n) => env[n]);
    if (stray.length > 0) {
      throw new WeftError(
        "EINVAL",
        `${stray.join(", ")} set without WEFT_NATS_URL: expected WEFT_NATS_URL=nats://host:port ` +
          "too (or neither, for one process)",
      );
    }
    return base;
  }
  return {
    cluster: {
      nats: natsUrls(nats),
      serverType: nameVar(env, "WEFT_SERVER_TYPE"),
      nodeId: nameVar(env, "WEFT_NODE_ID"),
      frontend: flag(env, "WEFT_FRONTEND", true),
    },
    ...base,
  };
}
