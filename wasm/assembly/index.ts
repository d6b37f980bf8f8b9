// The weft codec core: the whole ABI of the wasm module. Every export takes and returns
// numbers only (pointers into linear memory, lengths, counts, negative status codes from
// ./status.ts). No i64 crosses the boundary (it would become a BigInt in JS). Memory is a
// fixed 16 MiB that never grows, so JS views of it stay valid; the TS side carves it into
// regions starting at heap_base() (see src/codec/wasm.ts). No routine allocates.

/** First free byte after the module's static data; the TS side owns everything above it. */
export function heap_base(): u32 {
  return <u32>__heap_base;
}

export * from "./zmtp";
export * from "./sp";
export * from "./pomelo";
export * from "./ring";
