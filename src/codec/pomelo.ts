/**
 * The pomelo/nano codec: packets (`type + u24 length + body`), messages inside DATA packets
 * (flag, varint id, route or route code, body) and the route dictionary. Decoding runs in
 * wasm, one call per window of a received chunk; see wasm/assembly/pomelo.ts.
 *
 * @example
 * ```ts
 * import { MessageType, PomeloDecoder, PomeloEncoder, RouteDictionary } from "./pomelo.ts";
 * import assert from "node:assert/strict";
 * const dictionary = new RouteDictionary(["onChat"]);
 * const bytes = new PomeloEncoder({ dictionary }).encodeMessage({
 *   type: MessageType.PUSH,
 *   route: "onChat",
 *   body: new Uint8Array([0x7b, 0x7d]),
 * });
 * assert.deepEqual([...bytes], [4, 0, 0, 5, 0x07, 0, 1, 0x7b, 0x7d]);
 * const seen: string[] = [];
 * new PomeloDecoder({ dictionary }).feed(bytes, {
 *   packet: () => {},
 *   message: (m) => seen.push(m.route),
 * });
 * assert.deepEqual(seen, ["onChat"]);
 * dictionary.dispose();
 * ```
 * @module
 */

export * from "./pomelo_types.ts";
export { PomeloDecoder, type PomeloDecoderOptions } from "./pomelo_decoder.ts";
export { encodePacket, PomeloEncoder, type PomeloEncoderOptions } from "./pomelo_encoder.ts";
export { RouteDictionary, type RouteDictionaryOptions } from "./route_dictionary.ts";
