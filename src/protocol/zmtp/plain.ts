/**
 * The PLAIN mechanism (RFC 24): a username and password in clear text, checked by the
 * server's authenticator (ZAP), then metadata both ways.
 *
 * `C: HELLO (S: WELCOME | S: ERROR)`, then `C: INITIATE (S: READY | S: ERROR)`. Validation
 * follows libzmq (`plain_client.cpp`, `plain_server.cpp`): a HELLO whose password length does
 * not account for every remaining octet, a WELCOME with data, or any command out of turn is a
 * protocol error that closes the connection. Roles come from the local options only (libzmq
 * sends as-server 0 whatever its role, so the peer's byte is not checked).
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import { encodeCommand, parseError, parseReady, propertyCommand } from "./command.ts";
import type { ParsedCommand } from "./command.ts";
import type { Mechanism, MechanismHost, MechanismStep } from "./mechanism.ts";
import { peerErrorStep, type ZapContext, zapRefusal, type ZapReply } from "./zap.ts";

/** Longest username or password: one length octet each (RFC 24). */
export const MAX_PLAIN_CREDENTIAL = 255;

const utf8 = new TextEncoder();

/** Command names PLAIN adds to READY and ERROR. */
const HELLO = "HELLO";
const WELCOME = "WELCOME";
const INITIATE = "INITIATE";
const READY = "READY";
const ERROR = "ERROR";

function credential(name: string, value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === "string" ? utf8.encode(value) : value;
  if (bytes.length > MAX_PLAIN_CREDENTIAL) {
    throw new WeftError(
      "EINVAL",
      `expected a PLAIN ${name} of at most ${MAX_PLAIN_CREDENTIAL} bytes (RFC 24), ` +
        `got ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * A HELLO body: `05 "HELLO" ulen username plen password`.
 *
 * @example
 * ```ts
 * import { helloCommand } from "./plain.ts";
 * import assert from "node:assert/strict";
 * const body = helloCommand("ann", "pw");
 * assert.deepEqual([...body.subarray(6)], [3, 0x61, 0x6e, 0x6e, 2, 0x70, 0x77]);
 * ```
 */
export function helloCommand(username: string | Uint8Array, password: string | Uint8Array) {
  const user = credential("username", username);
  const pass = credential("password", password);
  const data = new Uint8Array(2 + user.length + pass.length);
  data[0] = user.length;
  data.set(user, 1);
  data[1 + user.length] = pass.length;
  data.set(pass, 2 + user.length);
  return encodeCommand(HELLO, data);
}

/** HELLO's data as libzmq reads it: both lengths must account for every octet. */
export function parseHello(
  data: Uint8Array,
): { username: Uint8Array; password: Uint8Array } | null {
  if (data.length < 1) return null;
  const ulen = data[0]!;
  if (data.length < 2 + ulen) return null;
  const plen = data[1 + ulen]!;
  if (data.length - 2 - ulen !== plen) return null;
  return {
    username: data.slice(1, 1 + ulen),
    password: data.slice(2 + ulen),
  };
}

/** `^RROR`: how libzmq 4.3.4's PLAIN code spells ERROR (C's `"\x5ERROR"` reads `\x5E` `RROR`). */
const LIBZMQ_ERROR = [0x5e, 0x52, 0x52, 0x4f, 0x52];

/**
 * Reads libzmq 4.3.4's misspelt PLAIN ERROR (`5e 'RROR' len reason`, no name-length octet) as
 * the ERROR it means; `null` for anything else. Its PLAIN server sends nothing else on a
 * refused login (and its PLAIN client accepts only this spelling).
 *
 * @example
 * ```ts
 * import { parseLibzmqPlainError } from "./plain.ts";
 * import assert from "node:assert/strict";
 * const body = new Uint8Array([0x5e, 0x52, 0x52, 0x4f, 0x52, 3, 0x34, 0x30, 0x30]);
 * assert.equal(parseLibzmqPlainError(body)?.name, "ERROR");
 * ```
 */
export function parseLibzmqPlainError(body: Uint8Array): ParsedCommand | null {
  if (body.length < LIBZMQ_ERROR.length || LIBZMQ_ERROR.some((b, i) => body[i] !== b)) return null;
  return { name: ERROR, data: body.subarray(LIBZMQ_ERROR.length) };
}

function unexpected(role: string, expected: string, got: string): MechanismStep {
  return {
    kind: "error",
    reason: `PLAIN ${role}: expected ${expected}, got ${JSON.stringify(got)}` +
      (role === "client" && got === HELLO
        ? " (the peer is a PLAIN client too: set plainServer on one side)"
        : ""),
  };
}

function metadataStep(
  name: string,
  data: Uint8Array,
  host: MechanismHost,
): MechanismStep | Map<string, Uint8Array> {
  const parsed = parseReady(data);
  if (!parsed.ok) return { kind: "error", reason: `malformed ${name}: ${parsed.reason}` };
  const rejected = host.validate(parsed.properties);
  if (rejected !== null) return { kind: "error", reason: rejected, reply: rejected };
  return parsed.properties;
}

/**
 * The PLAIN client: sends HELLO with its credentials, INITIATE with its metadata once
 * welcomed, and is ready on the server's READY. An ERROR at any point ends the handshake
 * (`EACCES` when it carries a ZAP status code, as libzmq's `"400"`).
 *
 * @example
 * ```ts
 * import { PlainClientMechanism } from "./plain.ts";
 * import assert from "node:assert/strict";
 * const sent: Uint8Array[] = [];
 * const host = { sendCommand: (b: Uint8Array) => sent.push(b), metadata: [], validate: () => null };
 * const client = new PlainClientMechanism("ann", "secret");
 * client.start(host); // HELLO
 * assert.equal(client.handshakeCommand("WELCOME", new Uint8Array(0), host).kind, "continue");
 * assert.equal(sent.length, 2); // HELLO, INITIATE
 * assert.equal(client.handshakeCommand("READY", new Uint8Array(0), host).kind, "ready");
 * ```
 */
export class PlainClientMechanism implements Mechanism {
  /** Always `PLAIN`. */
  readonly name = "PLAIN";
  /** A PLAIN client sends as-server 0. */
  readonly asServer = false;
  readonly #hello: Uint8Array;
  #state: "welcome" | "ready" | "done" = "welcome";

  /** Takes the credentials (each at most 255 bytes; `EINVAL` otherwise). */
  constructor(username: string | Uint8Array, password: string | Uint8Array) {
    this.#hello = helloCommand(username, password);
  }

  /** Sends HELLO. */
  start(host: MechanismHost): void {
    host.sendCommand(this.#hello);
  }

  /** WELCOME → INITIATE; READY → ready; ERROR → refused; anything else → protocol error. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep {
    const state = this.#state;
    this.#state = "done";
    if (name === ERROR && state !== "done") return peerErrorStep("PLAIN", parseError(data));
    if (state === "welcome" && name === WELCOME) {
      if (data.length !== 0) return { kind: "error", reason: "malformed WELCOME: it has data" };
      host.sendCommand(propertyCommand(INITIATE, host.metadata));
      this.#state = "ready";
      return { kind: "continue" };
    }
    if (state === "ready" && name === READY) {
      const props = metadataStep(READY, data, host);
      return props instanceof Map ? { kind: "ready", properties: props } : props;
    }
    const expected = state === "welcome"
      ? "WELCOME or ERROR"
      : state === "ready"
      ? "READY or ERROR"
      : "nothing more";
    return unexpected("client", expected, name);
  }
}

/**
 * The PLAIN server: waits for HELLO, asks the authenticator with `[username, password]`
 * (an `authenticate` step), answers WELCOME on 200 or ERROR with the status code, then takes
 * INITIATE and answers READY. `zap` is required: PLAIN has no meaning without someone to
 * check the password (libzmq fails the handshake when no ZAP handler is bound).
 *
 * @example
 * ```ts
 * import { helloCommand, PlainServerMechanism } from "./plain.ts";
 * import assert from "node:assert/strict";
 * const host = { sendCommand: () => {}, metadata: [], validate: () => null };
 * const server = new PlainServerMechanism({ domain: "", address: "127.0.0.1", routingId: new Uint8Array(0) });
 * server.start(host);
 * const step = server.handshakeCommand("HELLO", helloCommand("ann", "pw").subarray(6), host);
 * assert.equal(step.kind, "authenticate");
 * if (step.kind === "authenticate") {
 *   assert.equal(new TextDecoder().decode(step.request.credentials[0]), "ann");
 *   assert.equal(step.resume({ status: 400 }).kind, "error"); // wrong password
 * }
 * ```
 */
export class PlainServerMechanism implements Mechanism {
  /** Always `PLAIN`. */
  readonly name = "PLAIN";
  /** RFC 24 says the server sets as-server (libzmq sends 0 and ignores the byte). */
  readonly asServer = true;
  readonly #zap: ZapContext;
  #state: "hello" | "zap" | "initiate" | "done" = "hello";

  /** `zap`: what the authenticator is told besides the credentials. */
  constructor(zap: ZapContext) {
    this.#zap = zap;
  }

  /** The server speaks second: nothing to send yet. */
  start(_host: MechanismHost): void {}

  /** HELLO → authenticate; INITIATE → READY and ready; anything else → protocol error. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep {
    const state = this.#state;
    this.#state = "done";
    if (state === "hello" && name === HELLO) {
      const hello = parseHello(data);
      if (hello === null) {
        return {
          kind: "error",
          reason: "malformed HELLO: the username and password lengths do not match its size",
        };
      }
      this.#state = "zap";
      return {
        kind: "authenticate",
        request: {
          ...this.#zap,
          mechanism: "PLAIN",
          credentials: [hello.username, hello.password],
        },
        resume: (reply: ZapReply) => this.#welcome(reply, host),
      };
    }
    if (state === "initiate" && name === INITIATE) {
      const props = metadataStep(INITIATE, data, host);
      if (!(props instanceof Map)) return props;
      host.sendCommand(propertyCommand(READY, host.metadata));
      return { kind: "ready", properties: props };
    }
    const expected = state === "hello" ? "HELLO" : state === "initiate" ? "INITIATE" : "nothing";
    return unexpected("server", expected, name);
  }

  #welcome(reply: ZapReply, host: MechanismHost): MechanismStep {
    if (reply.status !== 200) return zapRefusal("PLAIN", reply);
    host.sendCommand(encodeCommand(WELCOME));
    this.#state = "initiate";
    return { kind: "continue" };
  }
}
