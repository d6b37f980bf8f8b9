/**
 * A WebSocket relay: accepts WebSocket connections on one endpoint, opens one to a target for
 * each, and forwards every message both ways unchanged, translating only the subprotocol names
 * of the opening handshake (a browser can offer `ZWS2.0-CURVE` but not libzmq's
 * `ZWS2.0/CURVE`). It holds no keys and parses no payload: an end-to-end encrypted protocol
 * (CurveZMQ) stays end to end.
 * @module
 */

import { bindHost, type Endpoint, formatEndpoint, parseEndpoint } from "../../core/endpoint.ts";
import { WeftError } from "../../core/errors.ts";
import { checkOptions, integerOption, type OptionNames } from "../../core/options.ts";
import type {
  ByteStream,
  StreamListener,
  TlsOptions,
  Transport,
  TransportRegistry,
} from "../types.ts";
import { CloseCode } from "./frame.ts";
import { checkRequest } from "./handshake.ts";
import { formatResponse } from "./http.ts";
import { PeekStream } from "./peek.ts";
import type { WsStream } from "./stream.ts";
import { DEFAULT_MAX_MESSAGE_SIZE } from "./stream.ts";
import { upgradeClientStream, upgradeServerStream, type WsRoute } from "./upgrade.ts";

/** Options of {@link WsRelay.start}. */
export interface WsRelayOptions {
  /** Where clients connect: `ws://host:port/path` (port 0 picks one) or `wss://…` with `tls`. */
  readonly listen: string;
  /** Where each client's connection is relayed: `ws://host:port/path` or `wss://…`. */
  readonly target: string;
  /** The transports to listen and dial with (the runtime's `tcp`, and `tls+tcp` for wss). */
  readonly transports: TransportRegistry;
  /**
   * The name to offer the target for each subprotocol a client offers, or `undefined` to drop
   * it. The client is answered with its own name for the one the target selects. Default: the
   * same name.
   */
  readonly targetProtocol?: (offered: string) => string | undefined;
  /** Largest message relayed, in bytes; a larger one closes that pair with 1009. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Both upgrades (the client's and the target's) must be done within this many ms. Default 10 000. */
  readonly handshakeTimeoutMs?: number;
  /** The certificate and key for a `wss://` listen endpoint. */
  readonly tls?: TlsOptions;
  /** TLS settings for a `wss://` target (e.g. a private CA). */
  readonly targetTls?: TlsOptions;
  /** Called for each relayed pair opened or closed, and for each connection refused. */
  readonly onEvent?: (event: WsRelayEvent) => void;
}

/** What {@link WsRelayOptions.onEvent} hears. */
export interface WsRelayEvent {
  /** `open`: a pair is relaying; `close`: it ended; `refused`: a client was turned away. */
  readonly type: "open" | "close" | "refused";
  /** The client's address (`ws://127.0.0.1:53122`). */
  readonly client: string;
  /** The subprotocols: the client's name and the target's (`ZWS2.0-CURVE → ZWS2.0/CURVE`). */
  readonly protocol?: string;
  /** Why it closed or was refused (for `close`: which side ended, with its close code). */
  readonly reason?: string;
}

const NAMES: OptionNames = {
  owner: "a WebSocket relay option",
  known: new Set([
    "listen",
    "target",
    "transports",
    "targetProtocol",
    "maxMessageSize",
    "handshakeTimeoutMs",
    "tls",
    "targetTls",
    "onEvent",
  ]),
  guesses: { bind: "listen", connect: "target", upstream: "target", timeout: "handshakeTimeoutMs" },
};

const CHECKS = {
  maxMessageSize: integerOption(1, "bytes"),
  handshakeTimeoutMs: integerOption(1, "ms"),
};

/** The base transport's scheme under a ws scheme. */
function baseScheme(endpoint: Endpoint, option: string): string {
  if (endpoint.scheme === "ws") return "tcp";
  if (endpoint.scheme === "wss") return "tls+tcp";
  throw new WeftError(
    "EINVAL",
    `option ${option}: expected a ws:// or wss:// endpoint, got "${endpoint.url}"`,
  );
}

function baseTransport(registry: TransportRegistry, scheme: string): Transport {
  const transport = registry.get(scheme);
  if (!transport) {
    throw new WeftError(
      "ENOTSUP",
      `the relay needs a ${scheme} transport; the registry has ${registry.schemes().join(", ")}`,
    );
  }
  return transport;
}

/** Close codes an endpoint may send; the others are replaced when passed on. */
function passOn(code: number | undefined, reason: string, side: string): [number, string] {
  if (code === undefined || code === CloseCode.NO_STATUS) return [CloseCode.NORMAL, reason];
  if (code === CloseCode.ABNORMAL) {
    return [CloseCode.GOING_AWAY, `the ${side} connection ended without a close frame`];
  }
  const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
    (code >= 3000 && code <= 4999);
  return sendable ? [code, reason] : [CloseCode.INTERNAL_ERROR, reason];
}

/**
 * A running relay. Each client connection gets its own connection to the target, opened before
 * the client's upgrade is answered: the client is answered 101 with its own name for the
 * subprotocol the target selected, or refused (502 when the target refused or could not be
 * reached, 400 when no offered subprotocol translates, 404 for another path). Then messages
 * pass both ways as they are; when one side's write buffer is full the other side is not read
 * until it drains; a close on one side closes the other with the same code and reason; bad
 * input (a text message, a message over the limit, a broken frame) closes that pair only.
 * Pings are answered on each hop (a browser cannot send them).
 *
 * @example
 * ```ts
 * import { Rep, Req, runtimeTransports, WsRelay } from "@weft/weft/zmq";
 * import assert from "node:assert/strict";
 * await using rep = new Rep();
 * await rep.bind("ws://127.0.0.1:0/api");
 * // Names passed as they are; zwsRelay() is this with libzmq's spellings for a page's names.
 * await using relay = await WsRelay.start({
 *   listen: "ws://127.0.0.1:0/api",
 *   target: rep.lastEndpoint!,
 *   transports: runtimeTransports(),
 * });
 * await using req = new Req();
 * req.connect(relay.endpoint);
 * await req.send("via the relay");
 * await rep.send(await rep.receive());
 * assert.equal(new TextDecoder().decode((await req.receive())[0]), "via the relay");
 * assert.equal(relay.connections, 1);
 * ```
 */
export class WsRelay {
  /** The bound endpoint (the real port when 0 was asked). */
  readonly endpoint: string;
  #options: WsRelayOptions;
  #listener: StreamListener;
  #path: string;
  #target: Endpoint;
  #targetBase: Transport;
  #pairs = new Set<RelayPair>();
  #pending = new Set<ByteStream>();
  #closing = false;
  #closed = Promise.withResolvers<void>();

  private constructor(
    options: WsRelayOptions,
    listener: StreamListener,
    endpoint: string,
    path: string,
    target: Endpoint,
    targetBase: Transport,
  ) {
    this.#options = options;
    this.#listener = listener;
    this.endpoint = endpoint;
    this.#path = path;
    this.#target = target;
    this.#targetBase = targetBase;
  }

  /** Checks the options, binds `listen` and starts relaying. */
  static async start(options: WsRelayOptions): Promise<WsRelay> {
    if (options === null || typeof options !== "object") {
      throw new WeftError("EINVAL", "expected relay options { listen, target, transports }");
    }
    checkOptions(options, NAMES, CHECKS);
    for (const name of ["listen", "target"] as const) {
      if (typeof options[name] !== "string") {
        throw new WeftError("EINVAL", `option ${name}: expected a ws:// URL, got ${options[name]}`);
      }
    }
    if (!options.transports || typeof options.transports.get !== "function") {
      throw new WeftError("EINVAL", "option transports: expected a TransportRegistry");
    }
    const listen = parseEndpoint(options.listen);
    const target = parseEndpoint(options.target);
    const listenBase = baseTransport(options.transports, baseScheme(listen, "listen"));
    const targetBase = baseTransport(options.transports, baseScheme(target, "target"));
    // The listener hands streams over before the relay object exists: none is accepted then.
    const made: { relay?: WsRelay } = {};
    const listener = await listenBase.listen(
      parseEndpoint(formatEndpoint(listenBase.scheme, bindHost(listen.host), listen.port)),
      (raw) => made.relay ? made.relay.#accept(raw) : raw.close(0),
      options.tls ? { tls: options.tls } : {},
    );
    const bound = parseEndpoint(listener.endpoint);
    const relay = new WsRelay(
      options,
      listener,
      formatEndpoint(listen.scheme, bound.host, bound.port, listen.path),
      listen.path,
      target,
      targetBase,
    );
    made.relay = relay;
    return relay;
  }

  /** Pairs relaying now. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Settles once the relay and every pair it held are closed. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Stops listening and closes every pair (close code 1001, going away). Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#listener.close();
    for (const raw of this.#pending) raw.close(0);
    const ends = [this.#listener.closed];
    for (const pair of this.#pairs) ends.push(pair.shutDown());
    void Promise.all(ends).then(() => this.#closed.resolve());
  }

  /** `await using relay = …` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.closed;
  }

  #emit(event: WsRelayEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // a listener's error must not break the relay
    }
  }

  #accept(raw: ByteStream): void {
    if (this.#closing) return raw.close(0);
    const client = raw.remoteAddress.replace(
      /^[^:]*:\/\//,
      `${parseEndpoint(this.endpoint).scheme}://`,
    );
    const peek = new PeekStream(raw);
    this.#pending.add(peek);
    const ms = this.#options.handshakeTimeoutMs ?? 10_000;
    let expired = false;
    let target: WsStream | undefined;
    let targetFailure: string | undefined;
    let names = "";
    const timer = setTimeout(() => {
      expired = true;
      peek.close(0);
      target?.close(0);
    }, ms);
    upgradeServerStream(peek, {
      route: async (request) => {
        if (request.path !== this.#path) return undefined; // 404
        const verdict = checkRequest(request);
        const offered = verdict.kind === "upgrade" ? verdict.offered : [];
        const translate = this.#options.targetProtocol ?? ((p: string) => p);
        const pairs = offered.flatMap((p) => {
          const t = translate(p);
          return t === undefined ? [] : [[p, t] as const];
        });
        if (pairs.length === 0 && offered.length > 0) return { selectProtocol: () => undefined };
        try {
          target = await this.#dialTarget(pairs.map(([, t]) => t), ms);
        } catch (error) {
          targetFailure = error instanceof Error ? error.message : String(error);
          throw error;
        }
        const chosen = pairs.find(([, t]) => t === target!.protocol);
        names = chosen ? `${chosen[0]} → ${chosen[1]}` : "";
        const route: WsRoute = {
          // No subprotocol offered (none to translate): none is answered.
          ...(pairs.length > 0 ? { selectProtocol: () => chosen?.[0] } : {}),
          maxMessageSize: this.#options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
          fragmentSize: Infinity,
          textMessages: "refuse",
        };
        return route;
      },
    }).then((down) => {
      clearTimeout(timer);
      this.#pending.delete(peek);
      if (!down || !target) return; // no upgrade asked: answered 400 already
      if (this.#closing) {
        down.closeWith(CloseCode.GOING_AWAY, "the relay is closing", 0);
        target.close(0);
        return;
      }
      const pair = new RelayPair(down, target, (reason) => {
        this.#pairs.delete(pair);
        this.#emit({ type: "close", client, protocol: names, reason });
      });
      this.#pairs.add(pair);
      this.#emit({ type: "open", client, protocol: names });
      pair.start();
    }, (error: unknown) => {
      clearTimeout(timer);
      this.#pending.delete(peek);
      target?.close(0);
      let reason = error instanceof Error ? error.message : String(error);
      if (expired) reason = `the upgrades did not complete within ${ms} ms`;
      else if (targetFailure !== undefined) {
        reason = `the target refused or could not be reached: ${targetFailure}`;
        peek.write(formatResponse(502, [], reason + "\n"));
        peek.close(1000);
      }
      this.#emit({ type: "refused", client, reason });
    });
  }

  async #dialTarget(protocols: readonly string[], ms: number): Promise<WsStream> {
    const t = this.#target;
    const raw = await this.#targetBase.dial(
      parseEndpoint(formatEndpoint(this.#targetBase.scheme, t.host, t.port)),
      {
        connectTimeoutMs: ms,
        ...(this.#options.targetTls ? { tls: this.#options.targetTls } : {}),
      },
    );
    if (this.#closing) {
      raw.close(0);
      throw new WeftError("ECLOSED", "the relay is closing");
    }
    return await upgradeClientStream(raw, {
      host: `${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`,
      path: t.path,
      protocols,
      maxMessageSize: this.#options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      fragmentSize: Infinity, // libzmq refuses fragmented messages
      textMessages: "refuse",
    });
  }
}

/** One client connection and its target connection, forwarding messages both ways. */
class RelayPair {
  #client: WsStream;
  #target: WsStream;
  #onClose: (reason: string) => void;
  #done = false;

  constructor(client: WsStream, target: WsStream, onClose: (reason: string) => void) {
    this.#client = client;
    this.#target = target;
    this.#onClose = onClose;
  }

  start(): void {
    this.#forward(this.#client, this.#target, "client");
    this.#forward(this.#target, this.#client, "target");
  }

  /** Messages from `from` go to `to`; `to`'s full buffer pauses `from` until `to` drains. */
  #forward(from: WsStream, to: WsStream, side: string): void {
    from.start({
      data: (message) => {
        if (!to.write(message)) from.pause();
      },
      drain: () => to.resume(), // `from` can take more: read what goes into it again
      end: (error) => this.#ended(from, to, side, error),
    });
  }

  #ended(from: WsStream, to: WsStream, side: string, error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    // A peer's close carries its reason; a close we made (bad input) has it in the error.
    const given = from.closeReason || (error?.message ?? "");
    const [code, reason] = passOn(from.closeCode, given, side);
    to.closeWith(code, reason);
    const why = error?.message ?? `closed with ${from.closeCode ?? code}` +
        (from.closeReason ? ` (${from.closeReason})` : "");
    this.#onClose(`the ${side} side ended: ${why}`);
  }

  /** Closes both sides (1001) and settles when both connections are gone. */
  shutDown(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      this.#client.closeWith(CloseCode.GOING_AWAY, "the relay is closing");
      this.#target.closeWith(CloseCode.GOING_AWAY, "the relay is closing");
      this.#onClose("the relay closed");
    }
    return Promise.all([this.#client.closed, this.#target.closed]).then(() => {});
  }
}
