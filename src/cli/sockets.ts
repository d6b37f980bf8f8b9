/**
 * Socket types by name for the `weft` command, what each can do, and binding/connecting a
 * socket to the endpoints given on the command line.
 * @module
 */

import {
  Dealer,
  Pair,
  Pub,
  Pull,
  Push,
  Rep,
  Req,
  Router,
  type Socket,
  type SocketOptions,
  Sub,
  XPub,
  XSub,
} from "../zmq.ts";
import { type FlagSpec, UsageError } from "./args.ts";
import { checkConnectUrl } from "./hints.ts";

/** The socket types the command knows, lowercase as typed. */
export const SOCKET_TYPES = [
  "push",
  "pull",
  "pub",
  "sub",
  "xpub",
  "xsub",
  "req",
  "rep",
  "dealer",
  "router",
  "pair",
] as const;

/** One of {@link SOCKET_TYPES}. */
export type CliSocketType = typeof SOCKET_TYPES[number];

/**
 * The flags that pick a command's socket: `--<type>` (or `--type`/`-t`) and its endpoints
 * (`--bind`/`-b`, `--connect`/`-c`, each repeatable). Commands spread it into their own table.
 *
 * @example
 * ```ts
 * import { SOCKET_FLAGS } from "./sockets.ts";
 * import { parseArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 * const args = parseArgs(["--dealer", "-c", "tcp://127.0.0.1:5555"], SOCKET_FLAGS);
 * assert.ok(args.booleans.has("dealer"));
 * assert.deepEqual(args.lists.get("connect"), ["tcp://127.0.0.1:5555"]);
 * ```
 */
export const SOCKET_FLAGS: Readonly<Record<string, FlagSpec>> = {
  ...Object.fromEntries(SOCKET_TYPES.map((t) => [t, { kind: "boolean" } as FlagSpec])),
  type: { kind: "string", short: "t" },
  bind: { kind: "list", short: "b" },
  connect: { kind: "list", short: "c" },
};

/** What each type does: all send and receive but the one-way ends (pull, sub; push, pub). */
const SENDS: ReadonlySet<CliSocketType> = new Set(
  SOCKET_TYPES.filter((type) => type !== "pull" && type !== "sub"),
);
const RECEIVES: ReadonlySet<CliSocketType> = new Set(
  SOCKET_TYPES.filter((type) => type !== "push" && type !== "pub"),
);

/**
 * Checks a socket type name (any case).
 *
 * @example
 * ```ts
 * import { toSocketType } from "./sockets.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toSocketType("ROUTER", "--type"), "router");
 * assert.throws(() => toSocketType("queue", "--type"));
 * ```
 */
export function toSocketType(name: string, flag: string): CliSocketType {
  const lower = name.toLowerCase();
  if (!(SOCKET_TYPES as readonly string[]).includes(lower)) {
    throw new UsageError(`${flag} expects one of ${SOCKET_TYPES.join(", ")}, got "${name}"`);
  }
  return lower as CliSocketType;
}

/**
 * Whether sockets of a type can send / receive.
 *
 * @example
 * ```ts
 * import { abilities } from "./sockets.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(abilities("push"), { sends: true, receives: false });
 * ```
 */
export function abilities(type: CliSocketType): { sends: boolean; receives: boolean } {
  return { sends: SENDS.has(type), receives: RECEIVES.has(type) };
}

/**
 * Creates a socket of a type (the runtime's transports unless `options.transports` is set).
 *
 * @example
 * ```ts
 * import { createSocket } from "./sockets.ts";
 * import assert from "node:assert/strict";
 * const sock = createSocket("dealer", { routingId: "me" });
 * assert.equal(sock.socketType, "DEALER");
 * sock.close();
 * ```
 */
export function createSocket(type: CliSocketType, options: SocketOptions = {}): Socket {
  return new SOCKET_CLASSES[type](options);
}

const SOCKET_CLASSES: Record<CliSocketType, new (options: SocketOptions) => Socket> = {
  push: Push,
  pull: Pull,
  pub: Pub,
  sub: Sub,
  xpub: XPub,
  xsub: XSub,
  req: Req,
  rep: Rep,
  dealer: Dealer,
  router: Router,
  pair: Pair,
};

/**
 * Binds and connects a socket; returns the endpoints actually bound (real ports). Throws a
 * {@link UsageError} when there is no endpoint at all, or when a connect names every interface
 * (`tcp://*:5555`, which only a bind can use).
 *
 * @example
 * ```ts
 * import { attach, createSocket } from "./sockets.ts";
 * import assert from "node:assert/strict";
 * await using sock = createSocket("pull");
 * const bound = await attach(sock, { bind: ["inproc://attach-example"], connect: [] }, "--bind");
 * assert.deepEqual(bound, ["inproc://attach-example"]);
 * ```
 */
export async function attach(
  socket: Socket,
  endpoints: { bind: readonly string[]; connect: readonly string[] },
  flags: string,
): Promise<string[]> {
  if (endpoints.bind.length === 0 && endpoints.connect.length === 0) {
    throw new UsageError(`expected at least one endpoint: ${flags}`);
  }
  const connectFlag = /--[\w-]*connect/.exec(flags)?.[0] ?? "--connect";
  for (const url of endpoints.connect) checkConnectUrl(url, connectFlag);
  const bound: string[] = [];
  for (const url of endpoints.bind) {
    await socket.bind(url);
    bound.push(socket.lastEndpoint ?? url);
  }
  for (const url of endpoints.connect) socket.connect(url);
  return bound;
}
