/**
 * The few Bun socket types the bun transports use, declared locally (Hono's habit) so the code
 * type-checks under `deno check` without depending on bun-types. Only what is used is declared.
 * @module
 */

/** A Bun TCP or unix socket (`Socket<Data>` in bun-types). */
export interface BunSocket<Data> {
  /** Per-connection user data. */
  data: Data;
  /** Writes what the kernel takes now; returns the bytes written (may be partial, -1 closed). */
  write(data: Uint8Array): number;
  /** Graceful close. */
  end(): void;
  /** Abortive close (drops unsent data). */
  terminate(): void;
  /** Shuts down the write side (`shutdown(2)`): the socket still reads until the peer closes. */
  shutdown(halfClose?: boolean): void;
  /** Stops reading from the kernel (no `data` callbacks until `resume`). */
  pause(): void;
  /** Resumes reading after `pause`. */
  resume(): void;
  /** Sets TCP_NODELAY. */
  setNoDelay(noDelay?: boolean): boolean;
  /** Peer address (tcp only). */
  readonly remoteAddress?: string;
  /** Peer port (tcp only). */
  readonly remotePort?: number;
  /** Local address (tcp only). */
  readonly localAddress?: string;
  /** Local port (tcp only). */
  readonly localPort?: number;
}

/** Errors Bun raises for socket calls carry a POSIX code. */
export interface BunSystemError extends Error {
  /** e.g. `ECONNREFUSED`, `EADDRINUSE`, `ENOENT`. */
  readonly code?: string;
}

/** The callbacks Bun calls on a socket (`SocketHandler<Data>` in bun-types). */
export interface BunSocketHandler<Data> {
  /** What `data` receives: `"uint8array"` for plain `Uint8Array`s (Bun's default: `Buffer`). */
  binaryType?: "buffer" | "uint8array" | "arraybuffer";
  /** Connected (dial) or accepted (listen). */
  open?(socket: BunSocket<Data>): void;
  /** Bytes arrived (a `Buffer`, or a plain `Uint8Array` under `binaryType: "uint8array"`). */
  data?(socket: BunSocket<Data>, data: Uint8Array): void;
  /** The kernel can take more after a partial write. */
  drain?(socket: BunSocket<Data>): void;
  /** The socket closed. */
  close?(socket: BunSocket<Data>, error?: Error): void;
  /** The peer sent FIN. */
  end?(socket: BunSocket<Data>): void;
  /** The socket failed. */
  error?(socket: BunSocket<Data>, error: Error): void;
  /** Connecting failed. */
  connectError?(socket: BunSocket<Data>, error: Error): void;
  /** A TLS handshake finished: `success` false with the verification error when it failed. */
  handshake?(socket: BunSocket<Data>, success: boolean, authorizationError: Error | null): void;
}

/** Bun's `TLSOptions` (the fields used; PEM strings). */
export interface BunTlsOptions {
  /** Certificate chain (servers). */
  cert?: string;
  /** Private key (servers). */
  key?: string;
  /** Trusted roots; replaces Bun's bundled ones when given. */
  ca?: string[];
  /** The name to verify and send as SNI (clients). */
  serverName?: string;
  /** false accepts any certificate. */
  rejectUnauthorized?: boolean;
}

/** `Bun.connect` options: tcp (`hostname`/`port`) or unix (`unix`). */
export type BunConnectOptions<Data> =
  & { socket: BunSocketHandler<Data>; data?: Data; tls?: BunTlsOptions }
  & ({ hostname: string; port: number } | { unix: string });

/** `Bun.listen` options: tcp (`hostname`/`port`, optionally SO_REUSEPORT) or unix (`unix`). */
export type BunListenOptions<Data> = BunConnectOptions<Data> & { reusePort?: boolean };

/** What `Bun.listen` returns. */
export interface BunListener {
  /** The bound port (tcp). */
  readonly port: number;
  /** The bound host (tcp). */
  readonly hostname: string;
  /** Stops listening; `true` also closes accepted sockets. */
  stop(closeActiveConnections?: boolean): void;
}

/** The slice of the `Bun` global used here. */
export interface BunApi {
  /** Connects a socket. */
  connect<Data>(options: BunConnectOptions<Data>): Promise<BunSocket<Data>>;
  /** Binds a listener (throws synchronously on failure). */
  listen<Data>(options: BunListenOptions<Data>): BunListener;
}

/**
 * The `Bun` global, typed locally.
 *
 * @example
 * ```ts
 * import { bun } from "./_bun_types.ts";
 * import assert from "node:assert/strict";
 * if ("Bun" in globalThis) { // Bun only: under Deno (`deno test --doc`) the body is skipped
 *   const got = Promise.withResolvers<string>();
 *   const server = bun().listen({ hostname: "127.0.0.1", port: 0, socket: {
 *     data: (_socket, bytes) => got.resolve(new TextDecoder().decode(bytes)),
 *   } });
 *   const client = await bun().connect({
 *     hostname: "127.0.0.1", port: server.port, socket: { data() {} },
 *   });
 *   client.write(new TextEncoder().encode("hi"));
 *   assert.equal(await got.promise, "hi");
 *   client.end();
 *   server.stop(true);
 * }
 * ```
 */
export function bun(): BunApi {
  return (globalThis as unknown as { Bun: BunApi }).Bun;
}
