/**
 * Serializers turn handler payloads into message bodies and back: JSON by default, Google
 * protobuf (through `@bufbuild/protobuf`) with message descriptors supplied per route. One
 * serializer per app; its `name` goes to the client in the handshake (`sys.serializer`).
 * @module
 */

import {
  create,
  type DescMessage as ProtobufDescMessage,
  fromBinary,
  isMessage,
  toBinary,
} from "@bufbuild/protobuf";
import { WeftError } from "../core/errors.ts";
import { utf8Decode, utf8Encode } from "../core/utf8.ts";

/**
 * `DescMessage` from `@bufbuild/protobuf`: a protobuf-es message descriptor (e.g. the
 * `…Schema` export of protoc-gen-es generated code). Kept out of weft's docs on purpose: it is
 * protobuf-es's type, documented there, and re-exporting it would drag its whole descriptor
 * model into weft's public API.
 * @ignore
 */
type DescMessage = ProtobufDescMessage;

/**
 * What a body is: a client `request` or `notify`, a server `response` (to the request route)
 * or `push`.
 *
 * @example
 * ```ts
 * import { jsonSerializer } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const json = jsonSerializer();
 * // The kind says which way a body goes; a protobuf serializer picks its schema by it.
 * const bytes = json.encode({ text: "hi" }, "chat.say", "push");
 * assert.deepEqual(json.decode(bytes, "chat.say", "request"), { text: "hi" });
 * ```
 */
export type BodyKind = "request" | "notify" | "response" | "push";

/**
 * Encodes and decodes message bodies. `route` is the message route (for a response: the route
 * of the request it answers), so schemas can be chosen per route.
 *
 * @example
 * ```ts
 * import type { Serializer } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const text: Serializer = {
 *   name: "text",
 *   encode: (data) => new TextEncoder().encode(String(data)),
 *   decode: (body) => new TextDecoder().decode(body),
 * };
 * assert.equal(text.decode(text.encode("hi", "a.b", "push"), "a.b", "request"), "hi");
 * ```
 */
export interface Serializer {
  /** Sent to clients as `sys.serializer` ("json", "protobuf"). */
  readonly name: string;
  /** Payload → body bytes. Throws when it cannot (the app logs it; a response becomes 500). */
  encode(data: unknown, route: string, kind: BodyKind): Uint8Array;
  /** Body bytes → payload. Throws on a bad body (a request then gets a 400 error response). */
  decode(body: Uint8Array, route: string, kind: BodyKind): unknown;
}

const EMPTY = new Uint8Array(0);

/**
 * The JSON serializer (UTF-8 `JSON.stringify` / `JSON.parse`). `undefined` encodes as `{}`
 * (stock clients `JSON.parse` every body); an empty body decodes as `undefined`.
 * On Deno a short body is a view of a shared block (cheaper than an array of its own there):
 * read it with its `byteOffset`, never transfer its `buffer`.
 *
 * @example
 * ```ts
 * import { jsonSerializer } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const json = jsonSerializer();
 * const body = json.encode({ text: "hé" }, "chat.say", "response");
 * assert.equal(new TextDecoder().decode(body), '{"text":"hé"}');
 * assert.deepEqual(json.decode(body, "chat.say", "request"), { text: "hé" });
 * assert.equal(new TextDecoder().decode(json.encode(undefined, "a", "push")), "{}");
 * ```
 */
export function jsonSerializer(): Serializer {
  return {
    name: "json",
    encode: (data) => utf8Encode(data === undefined ? "{}" : JSON.stringify(data)),
    decode: (body) => (body.length === 0 ? undefined : JSON.parse(utf8Decode(body))),
  };
}

/**
 * Protobuf message descriptors (`DescMessage` from `@bufbuild/protobuf`) of one route: `request` for what clients send on it (requests
 * and notifies), `response` for the answers to its requests, `push` for what the server pushes
 * on it.
 *
 * @example
 * ```ts
 * import { protobufSerializer, type RouteSchema } from "@weft/weft/nano";
 * import { StringValueSchema } from "@bufbuild/protobuf/wkt";
 * import assert from "node:assert/strict";
 * const onChat: RouteSchema = { push: StringValueSchema }; // the server only pushes on it
 * const pb = protobufSerializer({ routes: { onChat } });
 * assert.deepEqual([...pb.encode({ value: "hi" }, "onChat", "push")], [10, 2, 104, 105]);
 * assert.throws(() => pb.encode({ value: "hi" }, "onChat", "request"), { code: "EINVAL" });
 * ```
 */
export interface RouteSchema {
  /** Schema of request and notify bodies on this route. */
  readonly request?: DescMessage;
  /** Schema of response bodies to requests on this route. */
  readonly response?: DescMessage;
  /** Schema of push bodies on this route. */
  readonly push?: DescMessage;
}

/**
 * Options of {@link protobufSerializer}.
 *
 * @example
 * ```ts
 * import { type ProtobufSerializerOptions, protobufSerializer } from "@weft/weft/nano";
 * import { StringValueSchema } from "@bufbuild/protobuf/wkt";
 * import assert from "node:assert/strict";
 * const options: ProtobufSerializerOptions = {
 *   routes: { onChat: { push: StringValueSchema } },
 *   fallback: "json", // routes without a schema: JSON, as pomelo does without protos
 * };
 * const pb = protobufSerializer(options);
 * assert.deepEqual([...pb.encode({ value: "hi" }, "onChat", "push")], [10, 2, 104, 105]);
 * const json = pb.encode({ ok: true }, "room.join", "response");
 * assert.equal(new TextDecoder().decode(json), '{"ok":true}');
 * ```
 */
export interface ProtobufSerializerOptions {
  /** Schemas by route. */
  readonly routes: Readonly<Record<string, RouteSchema>>;
  /**
   * Bodies of routes (and kinds) without a schema: "json" falls back to JSON (as pomelo does
   * for routes without protos), "error" (the default) refuses them.
   */
  readonly fallback?: "json" | "error";
}

/**
 * A Google protobuf serializer over `@bufbuild/protobuf` (as nano's `serialize/protobuf`):
 * bodies are plain protobuf messages, chosen per route and kind. Handlers receive decoded
 * messages (`MessageShape`) and may return either a message or a plain init object
 * (`create(schema, init)` is applied).
 *
 * @example
 * ```ts
 * import { protobufSerializer } from "@weft/weft/nano";
 * import { create, createFileRegistry } from "@bufbuild/protobuf";
 * import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
 * import assert from "node:assert/strict";
 * const file = create(FileDescriptorProtoSchema, {
 *   name: "chat.proto", package: "chat", syntax: "proto3",
 *   messageType: [{ name: "Say", field: [{ name: "text", number: 1, type: 9, label: 1, jsonName: "text" }] }],
 * });
 * const Say = createFileRegistry(file, () => undefined).getMessage("chat.Say")!;
 * const pb = protobufSerializer({ routes: { "chat.say": { request: Say, response: Say } } });
 * const body = pb.encode({ text: "hi" }, "chat.say", "response");
 * assert.deepEqual([...body], [10, 2, 104, 105]);
 * assert.equal((pb.decode(body, "chat.say", "request") as { text: string }).text, "hi");
 * assert.equal(pb.name, "protobuf");
 * ```
 */
export function protobufSerializer(options: ProtobufSerializerOptions): Serializer {
  const routes = options.routes;
  const json = options.fallback === "json" ? jsonSerializer() : undefined;
  const schemaOf = (route: string, kind: BodyKind): DescMessage | undefined => {
    const r = routes[route];
    if (!r) return undefined;
    return kind === "response" ? r.response : kind === "push" ? r.push : r.request;
  };
  const missing = (route: string, kind: BodyKind): never => {
    throw new WeftError(
      "EINVAL",
      `protobuf: expected a ${kind} schema for route ${route}, got none`,
    );
  };
  return {
    name: "protobuf",
    encode(data, route, kind) {
      const schema = schemaOf(route, kind);
      if (!schema) return json ? json.encode(data, route, kind) : missing(route, kind);
      if (data === undefined) return EMPTY;
      const message = isMessage(data, schema) ? data : create(schema, data as never);
      return toBinary(schema, message);
    },
    decode(body, route, kind) {
      const schema = schemaOf(route, kind);
      if (!schema) return json ? json.decode(body, route, kind) : missing(route, kind);
      return fromBinary(schema, body);
    },
  };
}
