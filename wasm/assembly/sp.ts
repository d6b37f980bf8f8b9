// SP (nanomsg/nng) message framing: see wasm/README.md for the ABI and src/codec/sp.ts for the
// TS face. tcp: length u64 BE + payload; ipc: type byte (1) + length u64 BE + payload.
// The 8-byte connection header belongs to the protocol layer, not here.
import { BAD_TYPE, TOO_LARGE } from "./status";

// Why a decode call stopped (status word 2); the same codes as zmtp_decode.
const STOP_WINDOW: i32 = 0;
const STOP_HEADER: i32 = 1;
const STOP_BODY: i32 = 2;
const STOP_INDEX: i32 = 3;

/**
 * Decodes the messages at the start of a stream whose first `len` bytes are visible at `inp`
 * and whose known bytes run to `avail` (≥ len); payloads ending past `len` but not past
 * `avail` are indexed without being read. `ipc` ≠ 0 expects the type byte.
 * Index entries are 3 i32 words: 0, payload offset (from inp), payload length — the layout
 * of zmtp_decode, so the TS side shares one loop. Returns the number of entries or a negative
 * status; the status block is the one zmtp_decode fills (flags word 3 is always 0).
 */
export function sp_decode(
  inp: usize,
  len: u32,
  avail: u32,
  idx: usize,
  cap: u32,
  maxBody: u32,
  ipc: u32,
  st: usize,
): i32 {
  const hdr: u32 = ipc ? 9 : 8;
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
    if (ipc && load<u8>(inp + pos) != 1) return fail(st, pos, n, BAD_TYPE);
    if (len - pos < hdr) {
      stop = avail - pos < hdr ? STOP_HEADER : STOP_WINDOW;
      break;
    }
    const at = inp + pos + (hdr - 8);
    const hi = bswap<u32>(load<u32>(at));
    const size = bswap<u32>(load<u32>(at + 4));
    if (hi != 0 || size > maxBody) return fail(st, pos, n, TOO_LARGE);
    const body = pos + hdr;
    if (<u64>body + <u64>size > <u64>avail) {
      store<i32>(st, 0, 12);
      store<i32>(st, <i32>hdr, 16);
      store<i32>(st, <i32>size, 20);
      stop = STOP_BODY;
      break;
    }
    const e = idx + (<usize>n) * 12;
    store<i32>(e, 0);
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
 * Writes the length headers of `count` messages into a burst the TS side is laying out from
 * `out`. Index entries are 2 i32 words: payload length (u32), header offset from `out`; the TS
 * side leaves an 8-byte (tcp) or 9-byte (ipc) gap there. Returns the header bytes written.
 */
export function sp_encode(idx: usize, count: u32, out: usize, ipc: u32): i32 {
  for (let i: u32 = 0; i < count; i++) {
    const e = idx + (<usize>i) * 8;
    let at = out + <usize>load<u32>(e, 4);
    if (ipc) {
      store<u8>(at, 1);
      at += 1;
    }
    store<u32>(at, 0);
    store<u32>(at + 4, bswap<u32>(load<u32>(e)));
  }
  return <i32>(count * (ipc ? 9 : 8));
}
