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
  /** A length above the configured maximum (or above what the format allows). */
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
      return "length above the configured maximum";
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
