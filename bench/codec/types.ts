/**
 * The shape of a codec benchmark case. Each group has a "wasm" case (the wasm-backed face in
 * src/codec/) and a "reference" case (the pure-TS twin in src/codec/_reference/) doing the
 * same work, so the runners can print their ratio.
 * @module
 */

/** One benchmark row half: a group compares its "wasm" and "reference" cases. */
export interface BenchCase {
  /** What is measured, shared by the two implementations. */
  group: string;
  /** Which implementation. */
  name: "wasm" | "reference";
  /** One iteration. */
  fn: () => void;
}
