/**
 * The security-mechanism contract of a ZMTP session, and the NULL mechanism (RFC 23/37).
 *
 * A mechanism owns the handshake after the greeting: it sends its commands through the host
 * and consumes the peer's until it reports "ready" (with the peer's metadata) or "error".
 * PLAIN (HELLO/WELCOME/INITIATE/READY) and CURVE fit the same shape; CURVE also sets
 * {@link Mechanism.transform} to wrap every traffic frame in a MESSAGE command.
 * @module
 */

import { Command, parseError, parseReady, readyCommand } from "./command.ts";
import type { Properties } from "./metadata.ts";
import {
  peerErrorStep,
  type ZapContext,
  zapRefusal,
  type ZapReply,
  type ZapRequest,
} from "./zap.ts";

/** What a mechanism may use from the session during the handshake. */
export interface MechanismHost {
  /** Queues a command (its body: name-len name data) to the peer. */
  sendCommand(body: Uint8Array): void;
  /** Our metadata for READY (or INITIATE): Socket-Type, Identity, X- properties. */
  readonly metadata: Properties;
  /**
   * Checks the peer's metadata (socket-type compatibility). Returns `null` when acceptable, or
   * the reason to send in an ERROR command and report.
   */
  validate(properties: Map<string, Uint8Array>): string | null;
}

/** What a handshake command led to. */
export type MechanismStep =
  | { readonly kind: "continue" }
  | { readonly kind: "ready"; readonly properties: Map<string, Uint8Array> }
  | {
    readonly kind: "error";
    /** Why, for the error event. */
    readonly reason: string;
    /** The error code to report: `EACCES` for an authentication refusal; default `EPROTO`. */
    readonly code?: "EPROTO" | "EACCES";
    /** If set, send ERROR with this reason before giving up. */
    readonly reply?: string;
  }
  | {
    /**
     * The server side asks its authenticator (ZAP) before going on. The session holds the
     * handshake (no more commands are fed) until the answer comes, then calls `resume` with
     * it and treats the result as the step (input arriving meanwhile is held). A session
     * without an authenticator answers `{ status: 200 }` itself; the socket layer gives every
     * PLAIN server one whose fallback refuses (libzmq fails PLAIN without a ZAP handler).
     */
    readonly kind: "authenticate";
    readonly request: ZapRequest;
    readonly resume: (reply: ZapReply) => MechanismStep;
  }
  | {
    /**
     * The mechanism waits for asynchronous work of its own (CURVE's X25519 on WebCrypto). The
     * session holds the handshake as for `authenticate` (input arriving meanwhile is held, the
     * handshake limit still applies) and, once `next` resolves and the session is still open,
     * calls the function it gave and treats the result as the step. The function does what
     * must happen in order (sending the next command); a rejection closes with `EPROTO`.
     */
    readonly kind: "pending";
    readonly next: Promise<() => MechanismStep>;
  };

/** A frame as the transform sees it: flags (MORE=1, COMMAND=4) and body. */
export interface WireFrame {
  readonly flags: number;
  readonly body: Uint8Array;
}

/** Message-level transform for mechanisms that encrypt traffic (CURVE's MESSAGE command). */
export interface FrameTransform {
  /** Turns an outgoing frame into the frame to put on the wire. */
  encode(frame: WireFrame): WireFrame;
  /** Turns a received wire frame back into the original; a string is a fatal reason. */
  decode(frame: WireFrame): WireFrame | string;
}

/** A ZMTP security mechanism, as the session drives it. */
export interface Mechanism {
  /** The greeting's mechanism name: `NULL`, `PLAIN`, `CURVE`. */
  readonly name: string;
  /** The greeting's as-server flag (always false for NULL). */
  readonly asServer: boolean;
  /**
   * Called once the greetings are exchanged: send the first handshake command(s). May return
   * a step (NULL with an authenticator asks it before sending READY, as libzmq; a CURVE client
   * is `pending` while it computes its HELLO).
   */
  start(host: MechanismHost): MechanismStep | void;
  /** Handles one handshake command from the peer. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep;
  /** Traffic-phase frame transform, or undefined when frames pass as they are. */
  readonly transform?: FrameTransform;
}

/**
 * The NULL mechanism: both sides send READY with their metadata at once and wait for the
 * other's; the receiver of an unacceptable READY answers ERROR (RFC 37) and closes. libzmq's
 * behaviour is mirrored: a second READY, an unknown command, or a malformed READY/ERROR is a
 * protocol error; an ERROR from the peer ends the handshake.
 *
 * @example
 * ```ts
 * import { NullMechanism } from "./mechanism.ts";
 * import assert from "node:assert/strict";
 * const sent: Uint8Array[] = [];
 * const host = { sendCommand: (b: Uint8Array) => sent.push(b), metadata: [], validate: () => null };
 * const m = new NullMechanism();
 * m.start(host);
 * assert.equal(sent.length, 1); // our READY
 * const step = m.handshakeCommand("READY", new Uint8Array(0), host);
 * assert.equal(step.kind, "ready");
 * ```
 */
export class NullMechanism implements Mechanism {
  /** Always `NULL`. */
  readonly name = "NULL";
  /** NULL has no roles; libzmq sends 0. */
  readonly asServer = false;
  #received = false;
  readonly #zap: ZapContext | undefined;

  /**
   * With `zap`, the mechanism asks the authenticator (mechanism `NULL`, no credentials) before
   * it sends READY, as libzmq does when `ZMQ_ZAP_DOMAIN` is set; without, it sends READY at once.
   */
  constructor(options: { readonly zap?: ZapContext } = {}) {
    this.#zap = options.zap;
  }

  /** Sends our READY, or first asks the authenticator when there is one. */
  start(host: MechanismHost): MechanismStep | void {
    if (this.#zap === undefined) return host.sendCommand(readyCommand(host.metadata));
    return {
      kind: "authenticate",
      request: { ...this.#zap, mechanism: "NULL", credentials: [] },
      resume: (reply: ZapReply): MechanismStep => {
        if (reply.status !== 200) return zapRefusal("NULL", reply);
        host.sendCommand(readyCommand(host.metadata));
        return { kind: "continue" };
      },
    };
  }

  /** Accepts one READY (or an ERROR); anything else is a protocol error. */
  handshakeCommand(name: string, data: Uint8Array, host: MechanismHost): MechanismStep {
    if (this.#received) {
      return {
        kind: "error",
        reason: `unexpected ${name} command after READY during the handshake`,
      };
    }
    if (name === Command.READY) {
      this.#received = true;
      const parsed = parseReady(data);
      if (!parsed.ok) return { kind: "error", reason: parsed.reason };
      const rejected = host.validate(parsed.properties);
      if (rejected !== null) return { kind: "error", reason: rejected, reply: rejected };
      return { kind: "ready", properties: parsed.properties };
    }
    if (name === Command.ERROR) {
      this.#received = true;
      return peerErrorStep("NULL", parseError(data));
    }
    return {
      kind: "error",
      reason: `expected READY or ERROR during the NULL handshake, got ${JSON.stringify(name)}`,
    };
  }
}
