/**
 * The CurveZMQ client (RFC 26, libzmq 4.3's layouts): HELLO, WELCOME, INITIATE, READY, then
 * MESSAGE boxes both ways. The role comes from the socket's options, never from the peer's
 * greeting (libzmq always sends as-server 0).
 * @module
 */

import { parseError } from "../command.ts";
import type { FrameTransform, Mechanism, MechanismHost, MechanismStep } from "../mechanism.ts";
import { encodeMetadata, metadataSize, parseMetadata } from "../metadata.ts";
import { KEY_SIZE, open, precompute, seal } from "./box.ts";
import {
  commandBody,
  CurveCommand as Command,
  CurveTraffic,
  nonce,
  Prefix,
  readCounter,
  Size,
} from "./common.ts";
import { type RandomSource, systemRandom } from "./keys.ts";
import { defaultX25519, type X25519 } from "./x25519.ts";

/** Options of {@link CurveClientMechanism}: the three keys as 32 bytes each. */
export interface CurveClientOptions {
  /** The server's long-term public key (S). */
  readonly serverKey: Uint8Array;
  /** Our long-term public key (C). */
  readonly publicKey: Uint8Array;
  /** Our long-term secret key (c). */
  readonly secretKey: Uint8Array;
  /** Random bytes for the transient key and the vouch nonce (tests inject fixed ones). */
  readonly random?: RandomSource;
  /** The X25519 to use (default: WebCrypto's where the runtime has it, else `@noble/curves`). */
  readonly x25519?: X25519;
}

const Stage = { WELCOME: 0, READY: 1, DONE: 2 } as const;
type Stage = typeof Stage[keyof typeof Stage];

/** HELLO's version and 72 zero octets of padding (RFC 26 grammar; the prose's 70 is stale). */
const HELLO_VERSION_AND_PADDING = (() => {
  const b = new Uint8Array(74);
  b[0] = 1;
  return b;
})();

/**
 * The client side of CURVE. Short nonces: HELLO 1, INITIATE 2, then MESSAGEs from 3; the
 * server's must keep rising. A client never sends ERROR: anything wrong closes the connection
 * with the reason in the error event. Its X25519 work is asynchronous (WebCrypto), so `start`
 * and WELCOME answer with a `pending` step; the session sends HELLO and INITIATE once it
 * resolves.
 *
 * @example
 * ```ts
 * import { CurveClientMechanism } from "./client.ts";
 * import { z85Decode } from "./z85.ts";
 * import assert from "node:assert/strict";
 * const sent: Uint8Array[] = [];
 * const host = { sendCommand: (b: Uint8Array) => sent.push(b), metadata: [], validate: () => null };
 * const client = new CurveClientMechanism({
 *   serverKey: z85Decode("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
 *   publicKey: z85Decode("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
 *   secretKey: z85Decode("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
 * });
 * const step = client.start(host); // pending while X25519 runs
 * assert.equal(step.kind, "pending");
 * if (step.kind === "pending") (await step.next)();
 * assert.equal(sent[0]!.length, 200); // HELLO, always 200 octets
 * ```
 */
export class CurveClientMechanism implements Mechanism {
  /** Always `CURVE`. */
  readonly name = "CURVE";
  /** The greeting's as-server octet: 0 for a client. */
  readonly asServer = false;
  readonly #serverKey: Uint8Array;
  readonly #publicKey: Uint8Array;
  readonly #secretKey: Uint8Array;
  readonly #random: RandomSource;
  readonly #x25519: X25519;
  #transientSecret: Uint8Array = new Uint8Array(KEY_SIZE);
  #transientPublic: Uint8Array = new Uint8Array(KEY_SIZE);
  #key: Uint8Array | null = null;
  /** beforenm(S, C'): the HELLO and WELCOME boxes' key, wiped once WELCOME is read. */
  #helloKey: Uint8Array | null = null;
  #stage: Stage = Stage.WELCOME;
  #traffic: CurveTraffic | undefined;

  /** Takes the keys (copied by the caller's option parsing) and an optional random source. */
  constructor(options: CurveClientOptions) {
    this.#serverKey = options.serverKey;
    this.#publicKey = options.publicKey;
    this.#secretKey = options.secretKey;
    this.#random = options.random ?? systemRandom;
    this.#x25519 = options.x25519 ?? defaultX25519;
  }

  /** The MESSAGE transform (the session uses it only once the handshake is over). */
  readonly transform: FrameTransform = {
    encode: (frame) => this.#traffic!.encode(frame),
    decode: (frame) => this.#traffic?.decode(frame) ?? "CURVE: traffic before the handshake ended",
  };

  /** Draws the transient key pair; sends HELLO (short nonce 1) once its X25519 work is done. */
  start(host: MechanismHost): MechanismStep {
    const secret = this.#random(KEY_SIZE).slice();
    this.#transientSecret = secret;
    const x = this.#x25519;
    // HELLO and WELCOME are both boxed between C' and S: one X25519 serves the two.
    const next = Promise.all([x.publicKey(secret), precompute(x, this.#serverKey, secret)]).then(
      ([transientPublic, helloKey]) => () => {
        this.#transientPublic = transientPublic;
        this.#helloKey = helloKey;
        const helloNonce = nonce(Prefix.HELLO, 1);
        const signature = seal(helloKey, helloNonce, new Uint8Array(64));
        host.sendCommand(
          commandBody(
            Command.HELLO,
            HELLO_VERSION_AND_PADDING,
            transientPublic,
            helloNonce.subarray(16),
            signature,
          ),
        );
        return { kind: "continue" } as const;
      },
      () => () => this.#fail("CURVE: curveServerKey is a low-order point"),
    );
    return { kind: "pending", next };
  }

  /** WELCOME → INITIATE, then READY → ready; ERROR from the server ends the handshake. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep {
    if (name === Command.ERROR) {
      this.#wipe();
      const reason = parseError(data);
      return {
        kind: "error",
        // A ZAP status as the reason is a refusal of our key (EACCES, as PLAIN's); else EPROTO.
        ...(reason !== null && /^[345]00$/.test(reason) ? { code: "EACCES" as const } : {}),
        reason: reason === null
          ? "CURVE: malformed ERROR command from the server"
          : `CURVE: the server refused the handshake: ERROR "${reason}"`,
      };
    }
    if (this.#stage === Stage.WELCOME && name === Command.WELCOME) return this.#welcome(data, host);
    if (this.#stage === Stage.READY && name === Command.READY) return this.#ready(data, host);
    this.#wipe();
    const wanted = this.#stage === Stage.WELCOME ? "WELCOME" : "READY";
    return {
      kind: "error",
      reason: `CURVE: expected ${wanted} or ERROR from the server, got ${JSON.stringify(name)}`,
    };
  }

  #welcome(data: Uint8Array, host: MechanismHost): MechanismStep {
    if (data.length !== Size.WELCOME_DATA) {
      return this.#fail(`CURVE: expected a WELCOME of 168 octets, got ${data.length + 8}`);
    }
    const plain = open(
      this.#helloKey!,
      nonce(Prefix.WELCOME, data.subarray(0, 16)),
      data.subarray(16),
    );
    this.#helloKey!.fill(0);
    if (plain === null) {
      return this.#fail(
        "CURVE: the WELCOME box does not open: the server does not hold the secret key of " +
          "curveServerKey (wrong server key?)",
      );
    }
    const serverTransient = plain.slice(0, KEY_SIZE);
    const cookie = plain.slice(KEY_SIZE, KEY_SIZE + Size.COOKIE);
    plain.fill(0);
    const vouchNonce = this.#random(16).slice();
    const x = this.#x25519;
    // The traffic key beforenm(S', c') and the vouch's beforenm(S', c), side by side.
    const next = Promise.all([
      precompute(x, serverTransient, this.#transientSecret),
      precompute(x, serverTransient, this.#secretKey),
    ]).then(
      ([key, vouchKey]) => () => this.#initiate(key, vouchKey, vouchNonce, cookie, host),
      () => () => this.#fail("CURVE: the server's transient key is a low-order point"),
    );
    return { kind: "pending", next };
  }

  /** Sends INITIATE: our long-term key, the vouch, our metadata, boxed with the traffic key. */
  #initiate(
    key: Uint8Array,
    vouchKey: Uint8Array,
    vouchNonce: Uint8Array,
    cookie: Uint8Array,
    host: MechanismHost,
  ): MechanismStep {
    this.#key = key;
    // Vouch: Box[C' ‖ S](C → S'), proving we hold c for this very connection.
    const vouchPlain = new Uint8Array(2 * KEY_SIZE);
    vouchPlain.set(this.#transientPublic);
    vouchPlain.set(this.#serverKey, KEY_SIZE);
    const vouch = seal(vouchKey, nonce(Prefix.VOUCH, vouchNonce), vouchPlain);
    vouchKey.fill(0);
    const metadata = host.metadata;
    const inner = new Uint8Array(KEY_SIZE + Size.VOUCH + metadataSize(metadata));
    inner.set(this.#publicKey);
    inner.set(vouchNonce, KEY_SIZE);
    inner.set(vouch, KEY_SIZE + 16);
    encodeMetadata(metadata, inner, KEY_SIZE + Size.VOUCH);
    const initiateNonce = nonce(Prefix.INITIATE, 2);
    host.sendCommand(
      commandBody(
        Command.INITIATE,
        cookie,
        initiateNonce.subarray(16),
        seal(key, initiateNonce, inner),
      ),
    );
    this.#transientSecret.fill(0);
    this.#x25519.forget?.(this.#transientSecret);
    this.#stage = Stage.READY;
    return { kind: "continue" };
  }

  #ready(data: Uint8Array, host: MechanismHost): MechanismStep {
    if (data.length < Size.READY_DATA_MIN) {
      return this.#fail(`CURVE: expected a READY of at least 30 octets, got ${data.length + 6}`);
    }
    const n = readCounter(data, 0);
    if (n < 1) return this.#fail("CURVE: READY nonce 0 is not a valid short nonce");
    const plain = open(this.#key!, nonce(Prefix.READY, data.subarray(0, 8)), data.subarray(8));
    if (plain === null) return this.#fail("CURVE: the READY box does not authenticate");
    const parsed = parseMetadata(plain);
    if (!parsed.ok) return this.#fail(`CURVE: READY ${parsed.reason}`);
    const rejected = host.validate(parsed.properties);
    if (rejected !== null) return this.#fail(rejected); // a client never sends ERROR
    this.#traffic = new CurveTraffic(this.#key!, false, 2, n);
    this.#stage = Stage.DONE;
    return { kind: "ready", properties: parsed.properties };
  }

  #fail(reason: string): MechanismStep {
    this.#wipe();
    return { kind: "error", reason };
  }

  #wipe(): void {
    this.#transientSecret.fill(0);
    this.#x25519.forget?.(this.#transientSecret);
    this.#helloKey?.fill(0);
    this.#key?.fill(0);
    this.#stage = Stage.DONE;
  }
}
