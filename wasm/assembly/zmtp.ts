// ZMTP 3.x framing: see wasm/README.md for the ABI and src/codec/zmtp.ts for the TS face.
// frame = flags(1) size(1 | 8, u64 BE when flags & LONG) body(size).
// All pointers are absolute addresses in linear memory owned by the TS side; nothing here
// allocates, and decode never reads outside [inp, inp + len).
import { BAD_FLAGS, TOO_LARGE } from "./status";

const MORE: u32 = 0x01;
const LONG: u32 = 0x02;
const COMMAND: u32 = 0x04;
const RESERVED: u32 = 0xf8;

// Why a decode call stopped (status word 2).
// 0: the visible window is used up but the stream has more bytes: call again at `consumed`.
// 1: an incomplete header at `consumed` ends the stream: carry those bytes to the next chunk.
// 2: a frame whose body runs past the stream end: header in words 3..5.
// 3: the index is full: call again at `consumed`.
const STOP_WINDOW: i32 = 0;
const STOP_HEADER: i32 = 1;
const STOP_BODY: i32 = 2;
const STOP_INDEX: i32 = 3;

/**
 * Decodes the frames at the start of a stream whose first `len` bytes are visible at `inp`
 * and whose known bytes run to `avail` (≥ len). A body that ends past `len` but not past
 * `avail` is indexed without being read (the TS side still holds those bytes), so large
 * bodies never need to be copied into linear memory.
 * Index entries are 3 i32 words: flags, body offset (from inp), body length.
 * Returns the number of entries (≤ cap) or a negative status. The status block gets
 *   [0] bytes consumed (may exceed len after a skipped body; on error: offset of the bad frame)
 *   [1] entries written (also before an error)
 *   [2] why decoding stopped (see STOP_*)
 *   [3] flags, [4] header length, [5] body length of the incomplete frame (STOP_BODY)
 * `maxBody` is compared as u32 (0xFFFFFFFF: anything below 4 GiB).
 */
export function zmtp_decode(
  inp: usize,
  len: u32,
  avail: u32,
  idx: usize,
  cap: u32,
  maxBody: u32,
  st: usize,
): i32 {
  let pos: u32 = 0;
  let n: u32 = 0;
  let stop = STOP_WINDOW;
  while (true) {
    if (n >= cap) {
      stop = STOP_INDEX;
      break;
    }
    if (pos >= len) {
      stop = pos >= avail ? STOP_HEADER : STOP_WINDOW;
      break;
    }
    const flags = <u32>load<u8>(inp + pos);
    if ((flags & RESERVED) != 0 || (flags & (COMMAND | MORE)) == (COMMAND | MORE)) {
      return fail(st, pos, n, BAD_FLAGS);
    }
    let hdr: u32 = 2;
    let size: u32 = 0;
    if (flags & LONG) {
      hdr = 9;
      if (len - pos < 9) {
        stop = avail - pos < 9 ? STOP_HEADER : STOP_WINDOW;
        break;
      }
      const hi = bswap<u32>(load<u32>(inp + pos + 1));
      size = bswap<u32>(load<u32>(inp + pos + 5));
      if (hi != 0) return fail(st, pos, n, TOO_LARGE);
    } else {
      if (len - pos < 2) {
        stop = avail - pos < 2 ? STOP_HEADER : STOP_WINDOW;
        break;
      }
      size = <u32>load<u8>(inp + pos + 1);
    }
    if (size > maxBody) return fail(st, pos, n, TOO_LARGE);
    const body = pos + hdr;
    // u64 arithmetic: body + size may pass 2^32.
    if (<u64>body + <u64>size > <u64>avail) {
      store<i32>(st, <i32>(flags & (MORE | COMMAND)), 12);
      store<i32>(st, <i32>hdr, 16);
      store<i32>(st, <i32>size, 20);
      stop = STOP_BODY;
      break;
    }
    const e = idx + (<usize>n) * 12;
    store<i32>(e, <i32>(flags & (MORE | COMMAND)));
    store<i32>(e, <i32>body, 4);
    store<i32>(e, <i32>size, 8);
    n++;
    pos = body + size;
  }
  store<i32>(st, <i32>pos);
  store<i32>(st, <i32>n, 4);
  store<i32>(st, stop, 8);
  return <i32>n;
}

function fail(st: usize, pos: u32, n: u32, status: i32): i32 {
  store<i32>(st, <i32>pos);
  store<i32>(st, <i32>n, 4);
  return status;
}

/**
 * Writes the headers of `count` frames into a burst the TS side is laying out from `out`.
 * Index entries are 3 i32 words: flags, body length (u32), header offset from `out`; the TS
 * side leaves a gap of 2 bytes (body ≤ 255) or 9 bytes there and places the body after it, so
 * the layout (and which bodies are copied at all) is its business. Flags may carry MORE and
 * COMMAND only (LONG is set here); anything else, or COMMAND with MORE, returns BAD_FLAGS with
 * the bad entry's number in status word 0. Returns the header bytes written.
 */
export function zmtp_encode(idx: usize, count: u32, out: usize, st: usize): i32 {
  let written: i32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const e = idx + (<usize>i) * 12;
    const flags = load<u32>(e);
    const size = load<u32>(e, 4);
    const at = out + <usize>load<u32>(e, 8);
    if ((flags & ~(MORE | COMMAND)) != 0 || flags == (MORE | COMMAND)) {
      store<i32>(st, <i32>i);
      return BAD_FLAGS;
    }
    if (size <= 255) {
      store<u8>(at, <u8>flags);
      store<u8>(at + 1, <u8>size);
      written += 2;
    } else {
      store<u8>(at, <u8>(flags | LONG));
      store<u32>(at + 1, 0);
      store<u32>(at + 5, bswap<u32>(size));
      written += 9;
    }
  }
  return written;
}
