/**
 * `weft/nano/client/runtime`: connectors for the nano client that dial through weft's own
 * Deno and Bun transports — raw TCP pomelo (`tcpConnector`, as pomelo's hybrid connector and
 * nano's TCP listener speak it) and any scheme a transport registry holds (`transportConnector`:
 * `tls+tcp://`, `ipc://`, `inproc://`, weft's own `ws://`). Kept apart from `weft/nano/client`
 * so that entry stays browser-safe.
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import { connect } from "@weft/weft/nano/client";
 * import { tcpConnector } from "@weft/weft/nano/client/runtime";
 * import assert from "node:assert/strict";
 *
 * await using app = new App({ port: 0, host: "127.0.0.1" });
 * app.handle("echo.say", (_session, body: unknown) => body);
 * const { port } = await app.listen();
 * const client = await connect(`tcp://127.0.0.1:${port}`, { connector: tcpConnector() });
 * assert.deepEqual(await client.request("echo.say", { hi: 1 }), { hi: 1 });
 * await client.close();
 * ```
 * @module
 */

export { tcpConnector, transportConnector } from "./nano/client/runtime_connectors.ts";
export type { ClientConnection, ConnectionEvents, Connector } from "./nano/client/connector.ts";
// transportConnector takes a registry: the runtime machinery to build one comes with it.
export * from "./runtime.ts";
