// CURVE socket options: what they accept (32 bytes or 40 Z85 characters), what they read back
// (Z85, as zeromq.js), and the typed errors for an incomplete or inconsistent set of keys — at
// construction for a bad value, at bind/connect for a missing piece.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { curveKeyPair, Dealer, Pull, Push, Rep, Req, z85Decode } from "../../src/zmq.ts";

const server = curveKeyPair();
const client = curveKeyPair();

describe("CURVE options", () => {
  test("keys as bytes or Z85 read back as Z85; null clears", () => {
    using_(
      new Req({ curveServerKey: z85Decode(server.publicKey), curveSecretKey: client.secretKey }),
      (req) => {
        assert.equal(req.curveServerKey, server.publicKey);
        assert.equal(req.curveSecretKey, client.secretKey);
        assert.equal(req.curvePublicKey, null);
        assert.equal(req.curveServer, false);
        req.curvePublicKey = client.publicKey;
        assert.equal(req.curvePublicKey, client.publicKey);
        req.curvePublicKey = null;
        assert.equal(req.curvePublicKey, null);
      },
    );
  });

  test("a key of the wrong length or alphabet is EINVAL at once", () => {
    assert.throws(() => new Req({ curveServerKey: new Uint8Array(31) }), {
      code: "EINVAL",
      message: /option curveServerKey: expected a 32-byte key or 40 Z85 characters, got 31 bytes/,
    });
    assert.throws(() => new Rep({ curveSecretKey: server.secretKey.slice(1) }), {
      code: "EINVAL",
      message: /got 39 characters/,
    });
    assert.throws(() => new Rep({ curveSecretKey: "~".repeat(40) }), {
      code: "EINVAL",
      message: /Z85 characters/,
    });
    assert.throws(() => new Rep({ curveServer: 1 as unknown as boolean }), { code: "EINVAL" });
    using_(new Rep(), (rep) => {
      assert.throws(() => (rep.curveSecretKey = "short"), { code: "EINVAL" });
    });
  });

  test("a misspelt CURVE option names the right one", () => {
    assert.throws(
      () => new Req({ curveServerkey: server.publicKey } as unknown as Record<string, never>),
      { code: "EINVAL", message: /did you mean `curveServerKey`/ },
    );
  });

  test("a client without the server's key, or without its own secret key, is refused at connect", () => {
    using_(new Push({ curveSecretKey: client.secretKey }), (push) => {
      assert.throws(() => push.connect("tcp://127.0.0.1:5555"), {
        code: "EINVAL",
        message: /a client needs curveServerKey/,
      });
    });
    using_(new Push({ curveServerKey: server.publicKey }), (push) => {
      assert.throws(() => push.connect("tcp://127.0.0.1:5555"), {
        code: "EINVAL",
        message: /needs curveSecretKey/,
      });
    });
  });

  test("a server without its secret key, or with a server key too, is refused at bind", async () => {
    const pull = new Pull({ curveServer: true });
    try {
      await assert.rejects(pull.bind("tcp://127.0.0.1:0"), {
        code: "EINVAL",
        message: /curveServer: true needs curveSecretKey/,
      });
      pull.curveSecretKey = server.secretKey;
      pull.curveServerKey = server.publicKey;
      await assert.rejects(pull.bind("tcp://127.0.0.1:0"), { message: /got both/ });
    } finally {
      pull.close();
    }
  });

  test("a public key that is not the secret key's is refused", () => {
    using_(
      new Dealer({
        curveServerKey: server.publicKey,
        curveSecretKey: client.secretKey,
        curvePublicKey: server.publicKey,
      }),
      (dealer) => {
        assert.throws(() => dealer.connect("tcp://127.0.0.1:5555"), {
          code: "EINVAL",
          message: /curvePublicKey is not the public key of curveSecretKey/,
        });
      },
    );
  });
});

function using_<T extends { close(): void }>(socket: T, body: (s: T) => void): void {
  try {
    body(socket);
  } finally {
    socket.close();
  }
}
