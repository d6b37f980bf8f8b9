// pomelo/nano packets and messages: see wasm/README.md for the ABI and
// src/codec/pomelo.ts for the TS face. All pointers are absolute addresses in linear memory
// owned by the TS side; nothing here allocates or reads outside [input, input + length).
import { BAD_TYPE, MALFORMED, TOO_LARGE, TRUNCATED_VARINT, UNKNOWN_ROUTE } from "./status";
import { CACHE_MASK, dictCodeOf, dictHasCode, hashBytes, intern } from "./pomelo_routes";

export { pomelo_dict_add } from "./pomelo_routes";

// One decoded packet in the index: ENTRY_WORDS i32 words (offsets relative to the input).
//  0 packet type (1..5)        1 packet body offset      2 packet body length
//  3 message flag byte          4 id, low 32 bits         5 id, high bits (0..7)
//  6 message body offset        7 dictionary code + 1 (0: route not in the dictionary)
//  8 route offset               9 route length | (cache slot << 8)
// 10 cache stamp (0: not cached)   11 spare
const ENTRY_WORDS: i32 = 12;
const ENTRY_BYTES: i32 = ENTRY_WORDS * 4;

/**
 * Decodes the complete packets at the start of [inp, inp + len) into the index at `idx`
 * (at most `cap` entries); DATA packets also get their message header decoded.
 * Returns the number of entries, or a negative status. The status block gets
 *   [0] bytes consumed (on error: the offset of the offending packet)
 *   [1] type of the incomplete packet that follows, or 0 when fewer than 4 bytes remain
 *   [2] body length of that incomplete packet, or -1
 *   [3] entries written before an error (0 on success)
 * `dict` is a route dictionary (0 for none), `cache` the route intern cache (0 for none).
 */
export function pomelo_decode(
  inp: usize,
  len: i32,
  idx: usize,
  cap: i32,
  st: usize,
  maxBody: i32,
  dict: usize,
  cache: usize,
): i32 {
  let p: i32 = 0;
  let n: i32 = 0;
  store<i32>(st, 0, 4);
  store<i32>(st, -1, 8);
  store<i32>(st, 0, 12);
  while (n < cap) {
    if (len - p < 4) break;
    const a = inp + <usize>p;
    const t = <i32>load<u8>(a);
    const blen = (<i32>load<u8>(a, 1) << 16) | (<i32>load<u8>(a, 2) << 8) | <i32>load<u8>(a, 3);
    if (t < 1 || t > 5) return fail(st, p, n, BAD_TYPE);
    if (blen > maxBody) return fail(st, p, n, TOO_LARGE);
    if (len - p - 4 < blen) {
      store<i32>(st, t, 4);
      store<i32>(st, blen, 8);
      break;
    }
    const e = idx + <usize>(n * ENTRY_BYTES);
    store<i32>(e, t);
    store<i32>(e, p + 4, 4);
    store<i32>(e, blen, 8);
    if (t == 4) {
      const r = decodeMessage(inp, p + 4, p + 4 + blen, e, dict, cache);
      if (r < 0) return fail(st, p, n, r);
    }
    p += 4 + blen;
    n++;
  }
  store<i32>(st, p);
  return n;
}

/**
 * Decodes one message header from [inp, inp + avail), where the message is `total` bytes long
 * (the body may lie outside the input). Fills one index entry at `e` (offsets relative to
 * `inp`, packet fields left alone). Returns 0, a negative status, or 1 when the header runs
 * past `avail` (call again with more: 262 bytes always cover a header). Used for packets
 * that are decoded outside the window.
 */
export function pomelo_decode_message(
  inp: usize,
  avail: i32,
  total: i32,
  e: usize,
  dict: usize,
  cache: usize,
): i32 {
  const end = total < avail ? total : avail;
  return decodeMessageBounded(inp, 0, end, total, e, dict, cache);
}

// A header cut short by the end of the input: malformed if the message ends there too,
// else "give me more" (1).
@inline
function short(end: i32, total: i32, status: i32): i32 {
  return end < total ? 1 : status;
}

function fail(st: usize, p: i32, n: i32, status: i32): i32 {
  store<i32>(st, p);
  store<i32>(st, n, 12);
  return status;
}

@inline
function decodeMessage(inp: usize, off: i32, end: i32, e: usize, dict: usize, cache: usize): i32 {
  return decodeMessageBounded(inp, off, end, end, e, dict, cache);
}

// Reads the header within [off, end); `total` is where the message really ends (≥ end) and
// decides whether a short read is a malformed message or merely outside the input.
function decodeMessageBounded(
  inp: usize,
  off: i32,
  end: i32,
  total: i32,
  e: usize,
  dict: usize,
  cache: usize,
): i32 {
  if (total - off < 1) return MALFORMED;
  let q = off;
  const flag = <i32>load<u8>(inp + <usize>q);
  q++;
  const type = (flag >> 1) & 7;
  if (type > 3) return BAD_TYPE;
  if (flag & 0xc0) return MALFORMED;
  let lo: u32 = 0;
  let hi: u32 = 0;
  if (type == 0 || type == 2) {
    let i = 0;
    while (true) {
      if (q >= end) return short(end, total, TRUNCATED_VARINT);
      const b = <u32>load<u8>(inp + <usize>q);
      q++;
      if (i < 4) lo |= (b & 0x7f) << (<u32>(7 * i));
      else {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      }
      if ((b & 0x80) == 0) break;
      i++;
      if (i == 5) return TRUNCATED_VARINT;
    }
  }
  let code: i32 = 0;
  let roff: i32 = 0;
  let rlen: i32 = 0;
  let slot: i32 = 0;
  let stamp: i32 = 0;
  if (type != 2) {
    if (flag & 1) {
      if (end - q < 2) return short(end, total, MALFORMED);
      const c = (<i32>load<u8>(inp + <usize>q) << 8) | <i32>load<u8>(inp + <usize>q, 1);
      q += 2;
      if (dict == 0 || !dictHasCode(dict, c)) return UNKNOWN_ROUTE;
      code = c + 1;
    } else {
      if (q >= end) return short(end, total, MALFORMED);
      rlen = <i32>load<u8>(inp + <usize>q);
      q++;
      if (end - q < rlen) return short(end, total, MALFORMED);
      roff = q;
      q += rlen;
      const rp = inp + <usize>roff;
      const h = hashBytes(rp, rlen);
      if (dict != 0) code = dictCodeOf(dict, rp, rlen, h);
      if (code == 0 && cache != 0) {
        slot = <i32>(h & CACHE_MASK);
        stamp = <i32>intern(cache, rp, rlen, h);
      }
    }
  }
  store<i32>(e, flag, 12);
  store<u32>(e, lo, 16);
  store<u32>(e, hi, 20);
  store<i32>(e, q, 24);
  store<i32>(e, code, 28);
  store<i32>(e, roff, 32);
  store<i32>(e, rlen | (slot << 8), 36);
  store<i32>(e, stamp, 40);
  return 0;
}

// Encode descriptors: ENC_WORDS i32 words each.
//  0 message type | (extra flag bits << 8)   1 id, low 32 bits    2 id, high bits (0..7)
//  3 route code + 1 (0: uncompressed)         4 route bytes pointer 5 route length (-1: none)
//  6 body pointer, or -1 when the caller inserts the body itself (then the output offset of
//    the body is written back here)           7 body length
const ENC_WORDS: i32 = 8;

/**
 * Encodes `count` messages described at `desc` as DATA packets into [out, out + cap).
 * Returns how many were encoded (fewer than `count` when the output is full); status block
 * [0] gets the bytes written. A message whose length exceeds 2^24 − 1 gives TOO_LARGE.
 */
export function pomelo_encode(desc: usize, count: i32, out: usize, cap: i32, st: usize): i32 {
  let w: i32 = 0;
  let n: i32 = 0;
  while (n < count) {
    const d = desc + <usize>(n * ENC_WORDS * 4);
    const tf = load<i32>(d);
    const type = tf & 7;
    const lo = load<u32>(d, 4);
    const hi = load<u32>(d, 8);
    const code = load<i32>(d, 12);
    const rptr = load<u32>(d, 16);
    const rlen = load<i32>(d, 20);
    const bptr = load<i32>(d, 24);
    const blen = load<i32>(d, 28);
    const hasId = type == 0 || type == 2;
    const hasRoute = type != 2 && rlen >= 0;
    let idLen = 0;
    if (hasId) idLen = varintLength(lo, hi);
    let routeLen = 0;
    if (hasRoute) routeLen = code != 0 ? 2 : 1 + rlen;
    const msgLen = 1 + idLen + routeLen + blen;
    if (msgLen > 0xffffff) {
      store<i32>(st, w);
      return TOO_LARGE;
    }
    const inline = bptr >= 0;
    const need = 4 + msgLen - (inline ? 0 : blen);
    if (cap - w < need) break;
    let o = out + <usize>w;
    store<u8>(o, 4);
    store<u8>(o, <u8>(msgLen >> 16), 1);
    store<u8>(o, <u8>(msgLen >> 8), 2);
    store<u8>(o, <u8>msgLen, 3);
    store<u8>(o, <u8>(((tf >> 8) & 0x30) | (type << 1) | (hasRoute && code != 0 ? 1 : 0)), 4);
    o += 5;
    if (hasId) {
      let v = lo;
      let h = hi;
      for (let i = 1; i < idLen; i++) {
        store<u8>(o, <u8>((v & 0x7f) | 0x80));
        o++;
        v = (v >>> 7) | (h << 25);
        h >>>= 7;
      }
      store<u8>(o, <u8>v);
      o++;
    }
    if (hasRoute) {
      if (code != 0) {
        const c = code - 1;
        store<u8>(o, <u8>(c >> 8));
        store<u8>(o, <u8>c, 1);
        o += 2;
      } else {
        store<u8>(o, <u8>rlen);
        memory.copy(o + 1, <usize>rptr, <usize>rlen);
        o += 1 + <usize>rlen;
      }
    }
    if (inline) {
      memory.copy(o, <usize>bptr, <usize>blen);
      o += <usize>blen;
    } else {
      store<i32>(d, <i32>(o - out), 24);
    }
    w = <i32>(o - out);
    n++;
  }
  store<i32>(st, w);
  return n;
}

@inline
function varintLength(lo: u32, hi: u32): i32 {
  if (hi != 0) return 5;
  if (lo < 0x80) return 1;
  if (lo < 0x4000) return 2;
  if (lo < 0x200000) return 3;
  if (lo < 0x10000000) return 4;
  return 5;
}
