// Byte rings in linear memory: see src/codec/ring.ts for the TS face and why they exist.
// A ring's state is 4 i32 words at `ring`: head (read offset), used (bytes held), capacity,
// data pointer. Keeping `used` (not a tail) makes full and empty distinct without a spare byte.

/** Sets up an empty ring of `cap` bytes at `data` with its state at `ring`. */
export function ring_init(ring: usize, data: usize, cap: u32): void {
  store<u32>(ring, 0);
  store<u32>(ring, 0, 4);
  store<u32>(ring, cap, 8);
  store<u32>(ring, <u32>data, 12);
}

/** Appends up to `len` bytes from linear memory at `src`; returns how many fitted. */
export function ring_write(ring: usize, src: usize, len: u32): i32 {
  const head = load<u32>(ring);
  const used = load<u32>(ring, 4);
  const cap = load<u32>(ring, 8);
  const data = <usize>load<u32>(ring, 12);
  const free = cap - used;
  const n = len < free ? len : free;
  let tail = head + used;
  if (tail >= cap) tail -= cap;
  const first = n < cap - tail ? n : cap - tail;
  memory.copy(data + tail, src, first);
  memory.copy(data, src + first, n - first);
  store<u32>(ring, used + n, 4);
  return <i32>n;
}

/** Copies up to `len` bytes from the front of the ring to `dst`; `consume` ≠ 0 removes them. */
export function ring_read(ring: usize, dst: usize, len: u32, consume: u32): i32 {
  const head = load<u32>(ring);
  const used = load<u32>(ring, 4);
  const cap = load<u32>(ring, 8);
  const data = <usize>load<u32>(ring, 12);
  const n = len < used ? len : used;
  const first = n < cap - head ? n : cap - head;
  memory.copy(dst, data + head, first);
  memory.copy(dst + first, data, n - first);
  if (consume) {
    let h = head + n;
    if (h >= cap) h -= cap;
    // An empty ring restarts at 0 so the next write is contiguous.
    store<u32>(ring, used == n ? 0 : h);
    store<u32>(ring, used - n, 4);
  }
  return <i32>n;
}
