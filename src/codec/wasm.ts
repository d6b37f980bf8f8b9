/**
 * Loads the wasm codec core synchronously from the embedded base64 bytes and manages its
 * fixed linear memory. Only `src/codec/` knows that wasm exists.
 *
 * Memory never grows (16 MiB, set at build time), so the views made here stay valid for the
 * life of the instance. Everything above `heap_base()` is carved by a small first-fit
 * {@link Arena}; shared scratch regions (decode windows, frame indexes, encode buffers) are
 * named and created once per instance with {@link Codec.region}. JavaScript is single-threaded
 * and every codec call is synchronous, so one instance can serve every socket in a program.
 * @module
 */

import { WASM_BASE64 } from "./_wasm_bytes.ts";
import { decodeBase64 } from "./base64.ts";
import { WeftError } from "../core/errors.ts";

/** The exports every build has; each family's TS face declares its own routines. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
}

/** A region of linear memory: byte offset and length. */
export interface Region {
  readonly ptr: number;
  readonly size: number;
}

const ALIGN = 16;

/**
 * A first-fit allocator over `[base, limit)` of linear memory, with coalescing on free.
 * Used for long-lived structures (route dictionaries, rings), never per message.
 *
 * @example
 * ```ts
 * import { Arena } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const arena = new Arena(1024, 4096);
 * const a = arena.alloc(100);
 * const b = arena.alloc(100);
 * assert.notEqual(a, b);
 * arena.free(a);
 * assert.equal(arena.alloc(50), a); // first fit reuses the hole
 * ```
 */
export class Arena {
  // Free blocks as [ptr, size], sorted by ptr.
  #free: Array<[number, number]>;
  #sizes = new Map<number, number>();

  /** Manages the bytes from `base` (rounded up to 16) to `limit`. */
  constructor(base: number, limit: number) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    this.#free = [[start, limit - start]];
  }

  /** Reserves `size` bytes (16-byte aligned); throws `WeftError("EAGAIN")` when full. */
  alloc(size: number): number {
    const need = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    for (let i = 0; i < this.#free.length; i++) {
      const block = this.#free[i]!;
      if (block[1] < need) continue;
      const ptr = block[0];
      if (block[1] === need) this.#free.splice(i, 1);
      else this.#free[i] = [ptr + need, block[1] - need];
      this.#sizes.set(ptr, need);
      return ptr;
    }
    throw new WeftError(
      "EAGAIN",
      `codec memory exhausted: wanted ${size} bytes, largest free block is ${this.largestFree()}`,
    );
  }

  /** Returns a block from {@link Arena.alloc}; freeing twice or a foreign pointer throws. */
  free(ptr: number): void {
    const size = this.#sizes.get(ptr);
    if (size === undefined) throw new WeftError("EINVAL", `codec arena: ${ptr} is not allocated`);
    this.#sizes.delete(ptr);
    let i = 0;
    while (i < this.#free.length && this.#free[i]![0] < ptr) i++;
    this.#free.splice(i, 0, [ptr, size]);
    // Coalesce with the next and previous blocks.
    const next = this.#free[i + 1];
    if (next && ptr + size === next[0]) {
      this.#free[i] = [ptr, size + next[1]];
      this.#free.splice(i + 1, 1);
    }
    const prev = this.#free[i - 1];
    const cur = this.#free[i]!;
    if (prev && prev[0] + prev[1] === cur[0]) {
      this.#free[i - 1] = [prev[0], prev[1] + cur[1]];
      this.#free.splice(i, 1);
    }
  }

  /** The size of the largest free block, in bytes. */
  largestFree(): number {
    return this.#free.reduce((m, b) => Math.max(m, b[1]), 0);
  }
}

/**
 * One instance of the codec core: its exports, views of its memory, and its allocator.
 *
 * @example
 * ```ts
 * import { Codec } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const codec = new Codec();
 * const scratch = codec.region("example.scratch", 64);
 * codec.u8.set([1, 2, 3], scratch.ptr);
 * assert.deepEqual([...codec.u8.subarray(scratch.ptr, scratch.ptr + 3)], [1, 2, 3]);
 * assert.equal(codec.region("example.scratch", 64).ptr, scratch.ptr); // named, made once
 * ```
 */
export class Codec {
  /** The raw wasm exports; each family's face narrows this to its own interface. */
  readonly exports: CoreExports & Record<string, unknown>;
  /** A byte view of all of linear memory (never detached: memory does not grow). */
  readonly u8: Uint8Array;
  /** A 32-bit view of linear memory, for frame indexes and status words. */
  readonly i32: Int32Array;
  /** A DataView over linear memory. */
  readonly view: DataView;
  /** The allocator for everything above the module's static data. */
  readonly arena: Arena;
  #regions = new Map<string, Region>();

  /** Instantiates the embedded module synchronously (about a millisecond). */
  constructor(bytes: Uint8Array = decodeBase64(WASM_BASE64)) {
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, {});
    this.exports = instance.exports as unknown as CoreExports & Record<string, unknown>;
    const buffer = this.exports.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.view = new DataView(buffer);
    this.arena = new Arena(this.exports.heap_base(), buffer.byteLength);
  }

  /** A named scratch region, allocated on first request and shared afterwards. */
  region(name: string, size: number): Region {
    const found = this.#regions.get(name);
    if (found) {
      if (found.size < size) {
        throw new WeftError("EINVAL", `codec region ${name} has ${found.size} bytes, not ${size}`);
      }
      return found;
    }
    const region = { ptr: this.arena.alloc(size), size };
    this.#regions.set(name, region);
    return region;
  }
}

let shared: Codec | undefined;

/**
 * The codec instance shared by default. It holds only scratch state used synchronously inside
 * one call, plus long-lived structures that their owners free, so sharing is safe; pass your own
 * {@link Codec} where isolation matters (tests, several apps with large dictionaries).
 *
 * @example
 * ```ts
 * import { Codec, sharedCodec } from "./wasm.ts";
 * import { PomeloEncoder } from "./pomelo_encoder.ts";
 * import { RouteDictionary } from "./route_dictionary.ts";
 * import assert from "node:assert/strict";
 * const dictionary = new RouteDictionary(["onChat"]); // no codec given: it lives in the shared one
 * new PomeloEncoder({ dictionary, codec: sharedCodec() }); // the same memory: fine
 * assert.throws(() => new PomeloEncoder({ dictionary, codec: new Codec() }), { code: "EINVAL" });
 * dictionary.dispose();
 * ```
 */
export function sharedCodec(): Codec {
  return shared ??= new Codec();
}
