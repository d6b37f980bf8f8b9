/**
 * weft: ZeroMQ (ZMTP 3.1), nanomsg/nng Scalability Protocols and pomelo/nano messaging for
 * Deno and Bun, sharing one hot path compiled from AssemblyScript to WebAssembly.
 *
 * This module re-exports every family's public API; import `@weft/weft/zmq`, `@weft/weft/sp`,
 * `@weft/weft/nano` or `@weft/weft/nano/client` for one family alone.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@weft/weft";
 * import assert from "node:assert/strict";
 * await using pull = new Pull();
 * await pull.bind("inproc://mod-example");
 * await using push = new Push();
 * push.connect("inproc://mod-example");
 * await push.send("hello");
 * const [frame] = await pull.receive();
 * assert.equal(new TextDecoder().decode(frame), "hello");
 * ```
 * @module
 */

export * from "./src/zmq.ts";
export * from "./src/sp.ts";
export * from "./src/nano.ts";
