// Test helpers (no tests here) for the pomelo session tests: NetEase's own codec (npm
// pomelo-protocol 0.1.6, CommonJS, untyped) with the types the tests use, and a packet framer.
import pomeloModule from "pomelo-protocol";

/** One package as pomelo-protocol decodes it (`body` null when empty). */
export interface PomeloPackage {
  type: number;
  body: Uint8Array | null;
}

/** The parts of pomelo-protocol 0.1.6 the tests use. */
export interface PomeloProtocol {
  Package: {
    encode(type: number, body?: Uint8Array): Uint8Array;
    decode(bytes: Uint8Array): PomeloPackage | PomeloPackage[];
  };
  Message: {
    encode(
      id: number,
      type: number,
      compressRoute: number | boolean,
      route: string | number | null,
      msg: Uint8Array,
    ): Uint8Array;
    decode(bytes: Uint8Array): {
      id: number;
      type: number;
      compressRoute: number;
      route: string | number;
      body: Uint8Array;
    };
  };
  strencode(s: string): Uint8Array;
  strdecode(b: Uint8Array): string;
}

export const pomelo = pomeloModule as unknown as PomeloProtocol;

const te = new TextEncoder();

/** A packet framed by hand: type, u24 length, body (a string is sent as UTF-8). */
export function packet(type: number, body: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const b = typeof body === "string" ? te.encode(body) : body;
  return new Uint8Array([type, b.length >> 16, (b.length >> 8) & 255, b.length & 255, ...b]);
}
