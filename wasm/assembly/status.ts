// Negative results of every codec routine. Must match src/codec/status.ts (CodecStatus);
// a test in src/codec/status_test.ts compares the two.
export const BAD_FLAGS: i32 = -1;
export const TOO_LARGE: i32 = -2;
export const BAD_TYPE: i32 = -3;
export const TRUNCATED_VARINT: i32 = -4;
export const UNKNOWN_ROUTE: i32 = -5;
export const MALFORMED: i32 = -6;
export const ROUTE_TOO_LONG: i32 = -7;
export const NO_SPACE: i32 = -8;
