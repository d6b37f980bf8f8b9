/**
 * The pomelo/nano route dictionary: route ↔ u16 code, held in wasm memory so the codec can
 * compress and expand routes without leaving wasm, mirrored by JS maps for the API.
 * @module
 */

import { type Codec, sharedCodec } from "./wasm.ts";
import { WeftError } from "../core/errors.ts";
import { PomeloLimits, type RouteTable } from "./pomelo_types.ts";

interface DictExports {
  pomelo_dict_add(dict: number, rec: number): number;
}

const encoder = new TextEncoder();

/**
 * Options of {@link RouteDictionary}.
 *
 * @example
 * ```ts
 * import { RouteDictionary } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const dict = new RouteDictionary(["room.join"], {}); // the defaults: the shared wasm memory
 * assert.equal(dict.codeOf("room.join"), 1);
 * dict.dispose();
 * ```
 */
export interface RouteDictionaryOptions {
  /**
   * The codec instance whose memory holds the tables (default: the shared one); an internal
   * knob (tests isolate wasm memory with it).
   * @ignore
   */
  readonly codec?: Codec;
}

/**
 * Routes and their u16 codes. Build it from nano's `WithDictionary` map (`{ route: code }`) or
 * from pomelo's route list (codes 1..N in order). Duplicate routes or codes, codes outside
 * 0..65535 and routes longer than 255 UTF-8 bytes throw `WeftError("EINVAL")`.
 * Call {@link RouteDictionary.dispose} to give the wasm memory back.
 *
 * @example
 * ```ts
 * import { RouteDictionary } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const dict = new RouteDictionary(["Room.Join", "onChat"]);
 * assert.equal(dict.codeOf("onChat"), 2);
 * assert.equal(dict.routeOf(1), "Room.Join");
 * assert.equal(dict.codeOf("nope"), undefined);
 * dict.dispose();
 * ```
 */
export class RouteDictionary implements RouteTable {
  #codes = new Map<string, number>();
  #routes: (string | undefined)[] = [];
  #routeBytes = new Map<string, Uint8Array>();
  #codec: Codec;
  #ptr = 0;

  /** Builds the dictionary; see the class notes for what is rejected. */
  constructor(
    routes: Readonly<Record<string, number>> | readonly string[],
    options: RouteDictionaryOptions = {},
  ) {
    this.#codec = options.codec ?? sharedCodec();
    const entries: [string, number][] = Array.isArray(routes)
      ? (routes as readonly string[]).map((r, i) => [r, i + 1])
      : Object.entries(routes as Readonly<Record<string, number>>);
    let maxCode = 0;
    let recordBytes = 0;
    for (const [route, code] of entries) {
      if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
        throw new WeftError("EINVAL", `route code for ${route}: expected 0..65535, got ${code}`);
      }
      if (this.#codes.has(route)) {
        throw new WeftError("EINVAL", `route dictionary: route ${route} appears twice`);
      }
      if (this.#routes[code] !== undefined) {
        throw new WeftError(
          "EINVAL",
          `route dictionary: code ${code} given to both ${this.#routes[code]} and ${route}`,
        );
      }
      const bytes = encoder.encode(route);
      if (bytes.length > PomeloLimits.MAX_ROUTE) {
        throw new WeftError(
          "EINVAL",
          `route dictionary: expected routes of at most 255 UTF-8 bytes, got ${bytes.length}`,
        );
      }
      this.#codes.set(route, code);
      this.#routes[code] = route;
      this.#routeBytes.set(route, bytes);
      maxCode = Math.max(maxCode, code);
      recordBytes += (9 + bytes.length + 3) & ~3;
    }
    // Dense (packed) array: the decoder indexes it once per compressed message.
    const dense = Array.from({ length: maxCode + 1 }, (): string | undefined => undefined);
    for (const [route, code] of this.#codes) dense[code] = route;
    this.#routes = dense;
    this.#build(maxCode, recordBytes);
  }

  // Lays out header, code array, hash slots and records (see wasm/assembly/pomelo_routes.ts).
  #build(maxCode: number, recordBytes: number): void {
    let slots = 8;
    while (slots < this.#codes.size * 2) slots *= 2;
    const size = 16 + 4 * (maxCode + 1) + 4 * slots + recordBytes;
    const codec = this.#codec;
    const ptr = codec.arena.alloc(size);
    codec.u8.fill(0, ptr, ptr + size);
    const codesPtr = ptr + 16;
    const slotsPtr = codesPtr + 4 * (maxCode + 1);
    const view = codec.view;
    view.setUint32(ptr, slots - 1, true);
    view.setUint32(ptr + 4, maxCode, true);
    view.setUint32(ptr + 8, codesPtr, true);
    view.setUint32(ptr + 12, slotsPtr, true);
    const add = (codec.exports as unknown as DictExports).pomelo_dict_add;
    let rec = slotsPtr + 4 * slots;
    for (const [route, code] of this.#codes) {
      const bytes = this.#routeBytes.get(route)!;
      view.setUint32(rec + 4, code, true);
      codec.u8[rec + 8] = bytes.length;
      codec.u8.set(bytes, rec + 9);
      if (add(ptr, rec) !== 0) {
        codec.arena.free(ptr);
        throw new WeftError("EINVAL", `route dictionary: could not add ${route}`);
      }
      rec += (9 + bytes.length + 3) & ~3;
    }
    this.#ptr = ptr;
  }

  /** The number of routes. */
  get size(): number {
    return this.#codes.size;
  }

  /** The code of `route`, or undefined. */
  codeOf(route: string): number | undefined {
    return this.#codes.get(route);
  }

  /** The route of `code`, or undefined. */
  routeOf(code: number): string | undefined {
    return this.#routes[code];
  }

  /** Routes indexed by code (undefined where no route has that code); do not modify. */
  get routesByCode(): readonly (string | undefined)[] {
    return this.#routes;
  }

  /** The UTF-8 bytes of a route in the dictionary (shared, do not modify), or undefined. */
  routeBytes(route: string): Uint8Array | undefined {
    return this.#routeBytes.get(route);
  }

  /** `{ route: code }`, e.g. for a handshake's `sys.dict`. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#codes);
  }

  /**
   * The codec whose memory holds the tables; for the codec, not for users.
   * @ignore
   */
  get codec(): Codec {
    return this.#codec;
  }

  /**
   * The wasm address of the tables (0 after dispose); for the codec, not for users.
   * @ignore
   */
  get pointer(): number {
    return this.#ptr;
  }

  /** Frees the wasm tables; the JS lookups keep working, the codec no longer uses them. */
  dispose(): void {
    if (this.#ptr === 0) return;
    this.#codec.arena.free(this.#ptr);
    this.#ptr = 0;
  }
}
