// Route tables for pomelo: the route dictionary (route bytes ↔ u16 code) and the route intern
// cache that lets the TS side decode each distinct uncompressed route to a string once.
// Both live in memory the TS side allocates (src/codec/route_dictionary.ts, pomelo.ts).

// Dictionary block, u32 words: [0] hash mask (slots − 1, slots a power of two),
// [1] highest code, [2] pointer to the code array (highest code + 1 record pointers, 0 = none),
// [3] pointer to the hash slots (record pointers, 0 = empty, linear probing).
// Record: u32 hash, u32 code, u8 length, route bytes.

/** FNV-1a over [p, p + n). */
export function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    h = (h ^ <u32>load<u8>(p + <usize>i)) * 0x01000193;
  }
  return h;
}

@inline
function sameBytes(a: usize, b: usize, n: i32): bool {
  let i = 0;
  while (i + 4 <= n) {
    if (load<u32>(a + <usize>i) != load<u32>(b + <usize>i)) return false;
    i += 4;
  }
  while (i < n) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
    i++;
  }
  return true;
}

/** Whether the dictionary holds `code`. */
export function dictHasCode(dict: usize, code: i32): bool {
  if (<u32>code > load<u32>(dict, 4)) return false;
  return load<u32>(<usize>load<u32>(dict, 8) + (<usize>code << 2)) != 0;
}

/** The dictionary code + 1 of the route [p, p + n) with hash `h`, or 0 when absent. */
export function dictCodeOf(dict: usize, p: usize, n: i32, h: u32): i32 {
  const mask = load<u32>(dict);
  const slots = <usize>load<u32>(dict, 12);
  let i = h & mask;
  while (true) {
    const rec = <usize>load<u32>(slots + (<usize>i << 2));
    if (rec == 0) return 0;
    if (load<u32>(rec) == h && <i32>load<u8>(rec, 8) == n && sameBytes(rec + 9, p, n)) {
      return <i32>load<u32>(rec, 4) + 1;
    }
    i = (i + 1) & mask;
  }
}

/**
 * Adds the record at `rec` (code and route written by the caller) to the dictionary `dict`.
 * Returns 0, or -1 when the route or the code is already present (the caller checks first).
 */
export function pomelo_dict_add(dict: usize, rec: usize): i32 {
  const n = <i32>load<u8>(rec, 8);
  const code = load<u32>(rec, 4);
  const h = hashBytes(rec + 9, n);
  store<u32>(rec, h);
  if (code > load<u32>(dict, 4)) return -1;
  const codeSlot = <usize>load<u32>(dict, 8) + (<usize>code << 2);
  if (load<u32>(codeSlot) != 0) return -1;
  const mask = load<u32>(dict);
  const slots = <usize>load<u32>(dict, 12);
  let i = h & mask;
  while (true) {
    const at = slots + (<usize>i << 2);
    const other = <usize>load<u32>(at);
    if (other == 0) {
      store<u32>(at, <u32>rec);
      store<u32>(codeSlot, <u32>rec);
      return 0;
    }
    if (load<u32>(other) == h && <i32>load<u8>(other, 8) == n && sameBytes(other + 9, rec + 9, n)) {
      return -1;
    }
    i = (i + 1) & mask;
  }
}

// Intern cache: u32 stamp counter, then CACHE_SLOTS slots of CACHE_SLOT_BYTES:
// u32 stamp (0 = empty), u32 length, 256 route bytes. Direct-mapped by hash.
export const CACHE_SLOTS: i32 = 256;
export const CACHE_MASK: u32 = 255;
const CACHE_SLOT_BYTES: usize = 264;

/**
 * Finds or stores the route [p, p + n) (hash `h`) in the cache and returns the slot's stamp.
 * A new stamp on every store lets the TS side tell a cached string from a stale one.
 */
export function intern(cache: usize, p: usize, n: i32, h: u32): u32 {
  const s = cache + 4 + <usize>(h & CACHE_MASK) * CACHE_SLOT_BYTES;
  const stamp = load<u32>(s);
  if (stamp != 0 && load<i32>(s, 4) == n && sameBytes(s + 8, p, n)) return stamp;
  let next = load<u32>(cache) + 1;
  if (next == 0) next = 1;
  store<u32>(cache, next);
  store<u32>(s, next);
  store<i32>(s, n, 4);
  memory.copy(s + 8, p, <usize>n);
  return next;
}
