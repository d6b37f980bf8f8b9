/**
 * Connectors for the nano client built on weft's transports, for Deno and Bun programs: raw TCP
 * pomelo (as pomelo's hybrid connector and nano's TCP listener speak it), and any other scheme
 * a transport registry holds (ipc, inproc, weft's own ws). Browsers use the client's default
 * WebSocket connector instead; this file stays out of the browser bundle.
 * @module
 */

import type { ClientConnection, Connector } from "./connector.ts";
import { parseEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import { defaultTransports } from "../../transport/default.ts";
import { InprocNamespace } from "../../transport/inproc/inproc.ts";
import type { TransportRegistry } from "../../transport/types.ts";

/**
 * A connector that dials the URL's scheme in `registry` (e.g. `tcp://127.0.0.1:3250`) and
 * carries the client's packets on the resulting byte stream. Rejects with `WeftError`:
 * `ENOTSUP` for a scheme the registry lacks, else what the transport's dial rejects with.
 *
 * @example
 * ```ts
 * import { createRegistry, transportConnector } from "@weft/weft/nano/client/runtime";
 * import assert from "node:assert/strict";
 * const connector = transportConnector(createRegistry([]));
 * await assert.rejects(connector("tcp://127.0.0.1:1", { data() {}, close() {} }), {
 *   code: "ENOTSUP",
 * });
 * ```
 */
export function transportConnector(registry: TransportRegistry): Connector {
  return async (url, events) => {
    const endpoint = parseEndpoint(url);
    const transport = registry.get(endpoint.scheme);
    if (transport === undefined) {
      throw new WeftError(
        "ENOTSUP",
        `nano client: expected one of ${registry.schemes().join(", ")}, got ${url}`,
      );
    }
    const stream = await transport.dial(endpoint);
    let ended = false;
    stream.start({
      data: (chunk) => {
        if (!ended) events.data(chunk);
      },
      drain: () => {},
      end: (error) => {
        if (ended) return;
        ended = true;
        events.close(error);
      },
    });
    const connection: ClientConnection = {
      send: (bytes) => {
        if (!ended) stream.write(bytes);
      },
      close: () => {
        if (ended) return;
        ended = true;
        stream.close();
      },
    };
    return connection;
  };
}

/**
 * The raw-TCP connector for Deno and Bun: pass it as `connector` to reach a pomelo/nano
 * server's TCP port, e.g. `connect("tcp://127.0.0.1:3250", { connector: tcpConnector() })`.
 *
 * @example
 * ```ts
 * import { tcpConnector } from "@weft/weft/nano/client/runtime";
 * import { connect } from "@weft/weft/nano/client";
 * import assert from "node:assert/strict";
 * // Nothing listens on port 1: the client reports a typed error.
 * await assert.rejects(connect("tcp://127.0.0.1:1", { connector: tcpConnector() }));
 * ```
 */
export function tcpConnector(): Connector {
  return transportConnector(defaultTransports(new InprocNamespace()));
}
