/**
 * Status codes returned by the wasm codec core (and by its TS reference twins). Routines return
 * a count (≥ 0) on success or one of these negative codes; they never trap and never read
 * outside the input they were given.
 * @module
 */

import { ErrorCode } from "../core/errors.ts";

/** Negative results of the codec routines. Must match `wasm/assembly/status.ts`. */
export const CodecStatus = {
  /** ZMTP flags byte with a reserved bit (0xF8) set, or COMMAND with MORE. */
  BAD_FLAGS: -1,
  /** A length above the configured maximum, above the built-in u32 cap, or not allocatable. */
  TOO_LARGE: -2,
  /** A type byte outside its range (pomelo packet type ∉ 1..5, SP ipc type ≠ 1, message type > 3). */
  BAD_TYPE: -3,
  /** A base-128 varint that runs past the end of its message or over 5 bytes. */
  TRUNCATED_VARINT: -4,
  /** A compressed route code that the dictionary does not hold. */
  UNKNOWN_ROUTE: -5,
  /** Structurally invalid content (e.g. a route length past the end of the message). */
  MALFORMED: -6,
  /** A route longer than 255 bytes, or a dictionary entry that does not fit. */
  ROUTE_TOO_LONG: -7,
  /** The output region given to an encoder is too small for the burst. */
  NO_SPACE: -8,
} as const;

/** One of the {@link CodecStatus} values. */
export type CodecStatus = typeof CodecStatus[keyof typeof CodecStatus];

/** A readable name for a codec status, for event and error messages. */
export function describeStatus(status: number): string {
  switch (status) {
    case CodecStatus.BAD_FLAGS:
      return "reserved or contradictory flag bits set";
    case CodecStatus.TOO_LARGE:
      return "length above the limit";
    case CodecStatus.BAD_TYPE:
      return "type byte out of range";
    case CodecStatus.TRUNCATED_VARINT:
      return "truncated or over-long varint";
    case CodecStatus.UNKNOWN_ROUTE:
      return "unknown route code";
    case CodecStatus.MALFORMED:
      return "malformed structure";
    case CodecStatus.ROUTE_TOO_LONG:
      return "route longer than 255 bytes";
    case CodecStatus.NO_SPACE:
      return "output region too small";
    default:
      return `codec status ${status}`;
  }
}

/** The {@link ErrorCode} a codec status maps to when it becomes a connection error. */
export function statusErrorCode(status: number): ErrorCode {
  return status === CodecStatus.TOO_LARGE ? ErrorCode.EMSGSIZE : ErrorCode.EPROTO;
}

/**
 * The built-in cap on a ZMTP frame or SP message length, in octets (4 GiB − 1): the codec reads
 * lengths as u32, whatever the 64-bit wire field allows, and no option can raise it.
 */
export const BUILT_IN_MAX_LENGTH = 0xffffffff;

/** The configured limit a length was checked against, for {@link describeTooLarge}. */
export interface ConfiguredLimit {
  /** The option's name as the user sets it (`maxMessageSize`, `recvMaxSize`, `maxBody`). */
  readonly option: string;
  /** Its value in octets, or undefined when it is unset (no limit but the built-in one). */
  readonly value: number | undefined;
}

/**
 * Words a refused length accurately: which limit it broke and where that limit comes from —
 * the option the user set, weft's built-in {@link BUILT_IN_MAX_LENGTH} cap, or the runtime's
 * refusal to allocate a buffer that large. `claimed` is the exact claim (a bigint: wire fields
 * are up to 64 bits), or undefined when it is not known.
 *
 * @example
 * ```ts
 * import { describeTooLarge } from "./status.ts";
 * import assert from "node:assert/strict";
 * const unset = { option: "maxMessageSize", value: undefined };
 * assert.equal(
 *   describeTooLarge("message frames", 1n << 62n, unset),
 *   "expected message frames of at most 4294967295 octets (weft's built-in cap: lengths are " +
 *     "read as 32 bits; maxMessageSize is unset), got 4611686018427387904",
 * );
 * assert.equal(
 *   describeTooLarge("a message", 2000n, { option: "recvMaxSize", value: 1024 }),
 *   "expected a message of at most 1024 octets (recvMaxSize), got 2000",
 * );
 * ```
 */
export function describeTooLarge(
  what: string,
  claimed: bigint | number | undefined,
  limit: ConfiguredLimit,
): string {
  const length = claimed === undefined ? undefined : BigInt(claimed);
  const got = length === undefined ? "a larger one" : String(length);
  const max = limit.value;
  if (max !== undefined && (length === undefined || length > BigInt(max))) {
    return `expected ${what} of at most ${max} octets (${limit.option}), got ${got}`;
  }
  if (length === undefined || length > BigInt(BUILT_IN_MAX_LENGTH)) {
    const unset = max === undefined ? `; ${limit.option} is unset` : "";
    return `expected ${what} of at most ${BUILT_IN_MAX_LENGTH} octets (weft's built-in cap: ` +
      `lengths are read as 32 bits${unset}), got ${got}`;
  }
  return `could not allocate ${what} of ${got} octets (the runtime refused a buffer that ` +
    `large${max === undefined ? `; set ${limit.option} to refuse such claims earlier` : ""})`;
}

/**
 * Words any decoder failure for an error event: {@link describeTooLarge} for `TOO_LARGE` (with
 * the decoder's `refusedLength`), {@link describeStatus} for the rest.
 *
 * @example
 * ```ts
 * import { CodecStatus, describeFailure } from "./status.ts";
 * import assert from "node:assert/strict";
 * const limit = { option: "maxBody", value: 1024 };
 * assert.equal(
 *   describeFailure(CodecStatus.TOO_LARGE, "a packet body", 1025, limit),
 *   "expected a packet body of at most 1024 octets (maxBody), got 1025",
 * );
 * assert.equal(describeFailure(CodecStatus.BAD_TYPE, "a packet body", undefined, limit), "type byte out of range");
 * ```
 */
export function describeFailure(
  status: number,
  what: string,
  claimed: bigint | number | undefined,
  limit: ConfiguredLimit,
): string {
  return status === CodecStatus.TOO_LARGE
    ? describeTooLarge(what, claimed, limit)
    : describeStatus(status);
}
