// Z85 (RFC 32) and CURVE keys: the RFC test case, libzmq's test key pairs (each secret's X25519
// public key is its published public key), and typed errors for bad input.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z85Decode, z85Encode } from "./z85.ts";
import { curveKeyPair, curvePublicKey, toCurveKey } from "./keys.ts";
import { hex } from "../../../../tests/_helpers.ts";

/** libzmq's doc/zmq_curve.adoc "TEST KEY VALUES". */
const LIBZMQ_KEYS = [
  {
    publicHex: "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518",
    publicZ85: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
    secretHex: "7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888",
    secretZ85: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
  },
  {
    publicHex: "54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652",
    publicZ85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    secretHex: "8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7",
    secretZ85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
  },
];

describe("Z85 (RFC 32)", () => {
  test("the RFC test case both ways", () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    assert.equal(z85Encode(bytes), "HelloWorld");
    assert.deepEqual(z85Decode("HelloWorld"), bytes);
  });

  test("libzmq's test keys: hex ↔ Z85", () => {
    for (const k of LIBZMQ_KEYS) {
      assert.equal(z85Encode(hex(k.publicHex.toLowerCase())), k.publicZ85);
      assert.equal(z85Encode(hex(k.secretHex.toLowerCase())), k.secretZ85);
      assert.deepEqual(z85Decode(k.secretZ85), hex(k.secretHex.toLowerCase()));
    }
  });

  test("round trips the extremes", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    assert.deepEqual(z85Decode(z85Encode(all)), all);
    assert.equal(z85Encode(new Uint8Array([255, 255, 255, 255])), "%nSc0");
    assert.equal(z85Encode(new Uint8Array(0)), "");
  });

  test("bad lengths, characters and overflow are EINVAL naming the problem", () => {
    assert.throws(() => z85Encode(new Uint8Array(3)), { code: "EINVAL", message: /multiple of 4/ });
    assert.throws(() => z85Decode("Hello!"), { code: "EINVAL", message: /multiple of 5/ });
    assert.throws(() => z85Decode('Hell"'), { code: "EINVAL", message: /position 4/ });
    assert.throws(() => z85Decode("Hellé"), { code: "EINVAL", message: /Z85 characters/ });
    assert.throws(() => z85Decode("%nSc1"), { code: "EINVAL", message: /exceeds 32 bits/ });
  });
});

describe("CURVE keys", () => {
  test("curvePublicKey(secret) is libzmq's public key for both test pairs", () => {
    for (const k of LIBZMQ_KEYS) {
      assert.equal(curvePublicKey(k.secretZ85), k.publicZ85);
      assert.equal(curvePublicKey(hex(k.secretHex.toLowerCase())), k.publicZ85);
    }
  });

  test("curveKeyPair gives fresh, matching Z85 pairs", () => {
    const a = curveKeyPair();
    const b = curveKeyPair();
    assert.equal(a.publicKey.length, 40);
    assert.equal(a.secretKey.length, 40);
    assert.notEqual(a.secretKey, b.secretKey);
    assert.equal(curvePublicKey(a.secretKey), a.publicKey);
  });

  test("toCurveKey takes 32 bytes or 40 Z85 characters and nothing else", () => {
    const bytes = hex(LIBZMQ_KEYS[0]!.publicHex.toLowerCase());
    const copy = toCurveKey("curvePublicKey", bytes);
    assert.deepEqual(copy, bytes);
    bytes[0] = 0; // the option keeps its own copy
    assert.equal(copy[0], 0xbb);
    assert.throws(() => toCurveKey("curveServerKey", new Uint8Array(33)), {
      code: "EINVAL",
      message: /option curveServerKey: expected a 32-byte key or 40 Z85 characters, got 33 bytes/,
    });
    assert.throws(() => toCurveKey("curveServerKey", "abc"), { message: /got 3 characters/ });
    assert.throws(() => toCurveKey("curveSecretKey", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~"), {
      code: "EINVAL",
      message: /option curveSecretKey: z85Decode: expected Z85 characters/,
    });
    assert.throws(() => toCurveKey("curveSecretKey", 42), {
      code: "EINVAL",
      message: /got number/,
    });
  });
});
