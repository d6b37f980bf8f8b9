/**
 * The CurveZMQ server (RFC 26, libzmq 4.3's layouts): HELLO → WELCOME (with a cookie sealed
 * by a key made for this connection only), INITIATE → the authenticator (ZAP, with the client's
 * long-term key) → READY, then MESSAGE boxes both ways.
 * @module
 */

import { encodeMetadata, metadataSize, parseMetadata } from "../metadata.ts";
import type { FrameTransform, Mechanism, MechanismHost, MechanismStep } from "../mechanism.ts";
import type { ZapReply } from "../zap.ts";
import { BOX_OVERHEAD, KEY_SIZE, open, precompute, publicKeyOf, seal } from "./box.ts";
import {
  commandBody,
  CurveCommand as Command,
  CurveTraffic,
  nonce,
  Prefix,
  readCounter,
  sameBytes,
  Size,
} from "./common.ts";
import { type RandomSource, systemRandom } from "./keys.ts";
import { defaultX25519, type X25519 } from "./x25519.ts";

/** Options of {@link CurveServerMechanism}. */
export interface CurveServerOptions {
  /** Our long-term secret key (s), 32 bytes. */
  readonly secretKey: Uint8Array;
  /** Our long-term public key (S); derived from the secret key when left out. */
  readonly publicKey?: Uint8Array;
  /** Random bytes for the transient key, the cookie key and the long nonces (tests inject). */
  readonly random?: RandomSource;
  /** The ZAP domain put in authentication requests (default empty). */
  readonly domain?: string;
  /** The peer's address for authentication requests (default empty). */
  readonly address?: string;
  /** Our routing id, sent as ZAP's "identity" (libzmq sends the server's own). */
  readonly routingId?: Uint8Array;
  /** The X25519 to use (default: WebCrypto's where the runtime has it, else `@noble/curves`). */
  readonly x25519?: X25519;
}

const Stage = { HELLO: 0, INITIATE: 1, AUTHENTICATING: 2, DONE: 3 } as const;
type Stage = typeof Stage[keyof typeof Stage];

const utf8 = new TextEncoder();

/**
 * The server side of CURVE. The cookie key is drawn fresh for each connection and wiped once
 * INITIATE is checked (or the handshake fails); the transient secret is wiped once the
 * precomputed key exists. Short nonces: READY 1, then MESSAGEs from 2; the client's must keep
 * rising from HELLO on. A bad HELLO closes without a word (the client may not know our key); a
 * refused client gets ERROR with the authenticator's status code, as libzmq sends it. Its
 * X25519 work is asynchronous (WebCrypto), so HELLO and INITIATE answer with a `pending` step.
 *
 * @example
 * ```ts
 * import { CurveServerMechanism } from "./server.ts";
 * import { z85Decode } from "./z85.ts";
 * import assert from "node:assert/strict";
 * const host = { sendCommand: () => {}, metadata: [], validate: () => null };
 * const server = new CurveServerMechanism({
 *   secretKey: z85Decode("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"),
 * });
 * server.start(host); // a server waits for HELLO
 * const hello = new Uint8Array(194); // version 1.0 and short nonce 1, but C' and box all zeros
 * hello[0] = 1;
 * hello[113] = 1;
 * const step = server.handshakeCommand("HELLO", hello, host);
 * assert.equal(step.kind, "pending"); // X25519 of the client's transient key runs first
 * const next = step.kind === "pending" ? (await step.next)() : step;
 * assert.equal(next.kind, "error"); // a low-order C': closed, no ERROR sent
 * ```
 */
export class CurveServerMechanism implements Mechanism {
  /** Always `CURVE`. */
  readonly name = "CURVE";
  /** The greeting's as-server octet. libzmq always sends 0, so roles never depend on it. */
  readonly asServer = true;
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;
  readonly #random: RandomSource;
  readonly #domain: string;
  readonly #address: string;
  readonly #routingId: Uint8Array;
  readonly #x25519: X25519;
  #stage: Stage = Stage.HELLO;
  #clientTransient: Uint8Array = new Uint8Array(KEY_SIZE);
  #transientSecret: Uint8Array = new Uint8Array(KEY_SIZE);
  #cookieKey: Uint8Array = new Uint8Array(KEY_SIZE);
  #key: Uint8Array | null = null;
  #peerNonce = 0;
  #traffic: CurveTraffic | undefined;

  /** Takes our secret key (copied by the caller's option parsing) and optional ZAP details. */
  constructor(options: CurveServerOptions) {
    this.#secretKey = options.secretKey;
    this.#publicKey = options.publicKey ?? publicKeyOf(options.secretKey);
    this.#random = options.random ?? systemRandom;
    this.#domain = options.domain ?? "";
    this.#address = options.address ?? "";
    this.#routingId = options.routingId ?? new Uint8Array(0);
    this.#x25519 = options.x25519 ?? defaultX25519;
  }

  /** The MESSAGE transform (the session uses it only once the handshake is over). */
  readonly transform: FrameTransform = {
    encode: (frame) => this.#traffic!.encode(frame),
    decode: (frame) => this.#traffic?.decode(frame) ?? "CURVE: traffic before the handshake ended",
  };

  /** A server speaks second: nothing to send until HELLO. */
  start(_host: MechanismHost): void {}

  /** HELLO → WELCOME, INITIATE → authenticate → READY; anything else closes. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep {
    if (this.#stage === Stage.HELLO && name === Command.HELLO) return this.#hello(data, host);
    if (this.#stage === Stage.INITIATE && name === Command.INITIATE) {
      return this.#initiate(data, host);
    }
    const wanted = this.#stage === Stage.HELLO ? "HELLO" : "INITIATE";
    return this.#fail(`CURVE: expected ${wanted} from the client, got ${JSON.stringify(name)}`);
  }

  #hello(data: Uint8Array, host: MechanismHost): MechanismStep {
    if (data.length !== Size.HELLO_DATA) {
      return this.#fail(`CURVE: expected a HELLO of 200 octets, got ${data.length + 6}`);
    }
    if (data[0] !== 1 || data[1] !== 0) {
      return this.#fail(`CURVE: expected HELLO version 1.0, got ${data[0]}.${data[1]}`);
    }
    const n = readCounter(data, 106);
    if (n < 1) return this.#fail("CURVE: HELLO nonce 0 is not a valid short nonce");
    this.#clientTransient = data.slice(74, 106);
    const signed = data.slice(106);
    return { kind: "pending", next: this.#welcome(signed, n, host) };
  }

  /** Opens HELLO's signature box and builds WELCOME; the step sends it. */
  async #welcome(signed: Uint8Array, n: number, host: MechanismHost): Promise<() => MechanismStep> {
    // HELLO and WELCOME are both boxed between C' and S: one X25519 serves the two.
    let helloKey: Uint8Array;
    try {
      helloKey = await precompute(this.#x25519, this.#clientTransient, this.#secretKey);
    } catch {
      return () => this.#fail("CURVE: the client's transient key is a low-order point");
    }
    try {
      const signature = open(
        helloKey,
        nonce(Prefix.HELLO, signed.subarray(0, 8)),
        signed.subarray(8),
      );
      if (signature === null) {
        return () =>
          this.#fail(
            "CURVE: the HELLO box does not open: the client was not given our public key " +
              "(wrong curveServerKey on the client?)",
          );
      }
      this.#transientSecret = this.#random(KEY_SIZE).slice();
      this.#cookieKey = this.#random(KEY_SIZE).slice();
      const cookieNonce = this.#random(16).slice();
      const welcomeNonce = this.#random(16).slice();
      const transientPublic = await this.#x25519.publicKey(this.#transientSecret);
      // Cookie: secretbox[C' ‖ s'](K), readable only by us, for this connection.
      const cookiePlain = new Uint8Array(2 * KEY_SIZE);
      cookiePlain.set(this.#clientTransient);
      cookiePlain.set(this.#transientSecret, KEY_SIZE);
      const cookieBox = seal(this.#cookieKey, nonce(Prefix.COOKIE, cookieNonce), cookiePlain);
      cookiePlain.fill(0);
      const welcomePlain = new Uint8Array(KEY_SIZE + Size.COOKIE);
      welcomePlain.set(transientPublic);
      welcomePlain.set(cookieNonce, KEY_SIZE);
      welcomePlain.set(cookieBox, KEY_SIZE + 16);
      const welcome = commandBody(
        Command.WELCOME,
        welcomeNonce,
        seal(helloKey, nonce(Prefix.WELCOME, welcomeNonce), welcomePlain),
      );
      return () => {
        this.#peerNonce = n;
        host.sendCommand(welcome);
        this.#stage = Stage.INITIATE;
        return { kind: "continue" };
      };
    } finally {
      helloKey.fill(0);
    }
  }

  #initiate(data: Uint8Array, host: MechanismHost): MechanismStep {
    const minimum = Size.COOKIE + 8 + BOX_OVERHEAD + KEY_SIZE + Size.VOUCH;
    if (data.length < minimum) {
      return this.#fail(
        `CURVE: expected an INITIATE of at least 257 octets, got ${data.length + 9}`,
      );
    }
    // The cookie must open with this connection's key and hold exactly C' and s'.
    const cookie = open(
      this.#cookieKey,
      nonce(Prefix.COOKIE, data.subarray(0, 16)),
      data.subarray(16, Size.COOKIE),
    );
    this.#cookieKey.fill(0);
    if (
      cookie === null || !sameBytes(cookie.subarray(0, KEY_SIZE), this.#clientTransient) ||
      !sameBytes(cookie.subarray(KEY_SIZE), this.#transientSecret)
    ) {
      cookie?.fill(0);
      return this.#fail("CURVE: the INITIATE cookie is not the one we sent on this connection");
    }
    cookie.fill(0);
    const n = readCounter(data, Size.COOKIE);
    if (n <= this.#peerNonce) {
      return this.#fail(`CURVE: INITIATE nonce ${n} is not above HELLO's (${this.#peerNonce})`);
    }
    return { kind: "pending", next: this.#vouched(data.slice(Size.COOKIE), n, host) };
  }

  /** Opens INITIATE's box and the vouch in it (two X25519 in turn: C is inside the box). */
  async #vouched(
    boxed: Uint8Array,
    n: number,
    host: MechanismHost,
  ): Promise<() => MechanismStep> {
    try {
      return await this.#openInitiate(boxed, n, host);
    } finally {
      this.#transientSecret.fill(0); // s' has done its work: the precomputed key remains
      this.#x25519.forget?.(this.#transientSecret);
    }
  }

  async #openInitiate(
    boxed: Uint8Array,
    n: number,
    host: MechanismHost,
  ): Promise<() => MechanismStep> {
    const lowOrder = () => this.#fail("CURVE: the client's transient key is a low-order point");
    try {
      this.#key = await precompute(this.#x25519, this.#clientTransient, this.#transientSecret);
    } catch {
      return lowOrder;
    }
    const inner = open(this.#key, nonce(Prefix.INITIATE, boxed.subarray(0, 8)), boxed.subarray(8));
    if (inner === null) return () => this.#fail("CURVE: the INITIATE box does not authenticate");
    const clientKey = inner.slice(0, KEY_SIZE);
    // Vouch: Box[C' ‖ S](C → S') proves the holder of C made this connection to us.
    let vouchKey: Uint8Array;
    try {
      vouchKey = await precompute(this.#x25519, clientKey, this.#transientSecret);
    } catch {
      return () => this.#fail("CURVE: the INITIATE vouch does not open");
    }
    const vouch = open(
      vouchKey,
      nonce(Prefix.VOUCH, inner.subarray(KEY_SIZE, KEY_SIZE + 16)),
      inner.subarray(KEY_SIZE + 16, KEY_SIZE + Size.VOUCH),
    );
    vouchKey.fill(0);
    return () => {
      if (vouch === null) return this.#fail("CURVE: the INITIATE vouch does not open");
      if (
        !sameBytes(vouch.subarray(0, KEY_SIZE), this.#clientTransient) ||
        !sameBytes(vouch.subarray(KEY_SIZE), this.#publicKey)
      ) {
        return this.#fail("CURVE: the INITIATE vouch names another connection or server");
      }
      this.#peerNonce = n;
      const parsed = parseMetadata(inner.subarray(KEY_SIZE + Size.VOUCH));
      if (!parsed.ok) return this.#fail(`CURVE: INITIATE ${parsed.reason}`);
      const rejected = host.validate(parsed.properties);
      if (rejected !== null) return { ...this.#fail(rejected), reply: rejected };
      this.#stage = Stage.AUTHENTICATING;
      return {
        kind: "authenticate",
        request: {
          domain: this.#domain,
          address: this.#address,
          routingId: this.#routingId,
          mechanism: "CURVE",
          credentials: [clientKey],
        },
        resume: (reply) => this.#authenticated(reply, parsed.properties, host),
      };
    };
  }

  #authenticated(
    reply: ZapReply,
    properties: Map<string, Uint8Array>,
    host: MechanismHost,
  ): MechanismStep {
    if (this.#stage !== Stage.AUTHENTICATING) {
      return this.#fail("CURVE: authentication answered twice");
    }
    if (reply.status !== 200) {
      return {
        ...this.#fail(
          `CURVE: the authenticator refused the client key (status ${reply.status}` +
            (reply.statusText ? `: ${reply.statusText})` : ")"),
        ),
        code: "EACCES", // a refusal, not a protocol fault (as PLAIN's)
        // 300 (temporary) closes without ERROR, as libzmq's zap_client does for every mechanism.
        ...(reply.status === 300 ? {} : { reply: String(reply.status) }),
      };
    }
    if (reply.userId !== undefined) properties.set("user-id", utf8.encode(reply.userId));
    for (const [name, value] of reply.metadata ?? []) properties.set(name.toLowerCase(), value);
    const metadata = host.metadata;
    const plain = new Uint8Array(metadataSize(metadata));
    encodeMetadata(metadata, plain, 0);
    const readyNonce = nonce(Prefix.READY, 1);
    host.sendCommand(
      commandBody(Command.READY, readyNonce.subarray(16), seal(this.#key!, readyNonce, plain)),
    );
    this.#traffic = new CurveTraffic(this.#key!, true, 1, this.#peerNonce);
    this.#stage = Stage.DONE;
    return { kind: "ready", properties };
  }

  #fail(reason: string): { kind: "error"; reason: string } {
    this.#stage = Stage.DONE;
    this.#cookieKey.fill(0);
    this.#transientSecret.fill(0);
    this.#x25519.forget?.(this.#transientSecret);
    this.#key?.fill(0);
    return { kind: "error", reason };
  }
}
