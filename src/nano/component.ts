/**
 * Components (nano's `component.Component`): plain classes whose public methods become
 * handlers at `<component>.<method>`, with optional lifecycle hooks.
 * @module
 */

import { WeftError } from "../core/errors.ts";
import type { App } from "./app.ts";
import type { Session } from "./session.ts";

/**
 * A handler: gets the session and the decoded payload; for a request its return value (or
 * resolved value) is the response, for a notify it is ignored. A thrown error becomes an error
 * response (see `HandlerError`).
 *
 * @example
 * ```ts
 * import type { Handler } from "./component.ts";
 * import assert from "node:assert/strict";
 * // `payload: never` in the type lets handlers declare any payload type they expect.
 * const echo: Handler = (_session, payload: { text: string }) => payload.text;
 * assert.equal(typeof echo, "function");
 * ```
 */
export type Handler = (session: Session, payload: never) => unknown;

/**
 * Lifecycle hooks a component may have. Startup calls `init` on every component then
 * `afterInit` on every component, in registration order; shutdown calls `beforeShutdown` then
 * (after the sessions are gone) `shutdown`, in reverse order. Hooks may be async.
 *
 * @example
 * ```ts
 * import type { Component } from "./component.ts";
 * import assert from "node:assert/strict";
 * class Room implements Component {
 *   init() {}
 *   join(_s: unknown, p: { name: string }) { return { hello: p.name }; }
 * }
 * assert.deepEqual(new Room().join(null, { name: "ann" }), { hello: "ann" });
 * ```
 */
export interface Component {
  /** Called once when the app starts (before it accepts connections). */
  init?(app: App): void | Promise<void>;
  /** Called after every component's `init`. */
  afterInit?(app: App): void | Promise<void>;
  /** Called when the app starts closing, before sessions are drained and kicked. */
  beforeShutdown?(app: App): void | Promise<void>;
  /** Called last, after every session is gone. */
  shutdown?(app: App): void | Promise<void>;
}

/**
 * Naming options of `App.register` (nano's `WithName` / `WithNameFunc`).
 *
 * @example
 * ```ts
 * import type { RegisterOptions } from "./component.ts";
 * import assert from "node:assert/strict";
 * const o: RegisterOptions = { name: "room", nameFunc: (m) => m.toLowerCase() };
 * assert.equal(o.nameFunc!("Join"), "join");
 * ```
 */
export interface RegisterOptions {
  /** The component part of the routes (default: the class name). */
  readonly name?: string;
  /** Rewrites each method name into the method part of its route (default: unchanged). */
  readonly nameFunc?: (method: string) => string;
}

const LIFECYCLE = new Set(["constructor", "init", "afterInit", "beforeShutdown", "shutdown"]);

/**
 * The handlers of a component by route: every function-valued method on its prototype chain
 * (below `Object.prototype`) except the constructor, the lifecycle hooks and names starting
 * with `_`, bound to the instance. Own function-valued fields count too (arrow properties).
 *
 * @example
 * ```ts
 * import { componentRoutes } from "./component.ts";
 * import assert from "node:assert/strict";
 * class Room {
 *   init() {}
 *   Join() { return 1; }
 *   _helper() {}
 *   get size() { return 0; }
 * }
 * const routes = componentRoutes(new Room(), { nameFunc: (m) => m.toLowerCase() });
 * assert.deepEqual([...routes.keys()], ["Room.join"]);
 * ```
 */
export function componentRoutes(
  component: object,
  options: RegisterOptions = {},
): Map<string, Handler> {
  const name = options.name ?? component.constructor?.name;
  if (!name || name === "Object") {
    throw new WeftError("EINVAL", "component name: expected a class instance or a `name` option");
  }
  const nameFunc = options.nameFunc ?? ((m: string) => m);
  const routes = new Map<string, Handler>();
  const seen = new Set<string>();
  const add = (key: string, value: unknown) => {
    if (seen.has(key)) return;
    seen.add(key);
    if (typeof value !== "function" || LIFECYCLE.has(key) || key.startsWith("_")) return;
    const route = `${name}.${nameFunc(key)}`;
    if (routes.has(route)) {
      throw new WeftError("EINVAL", `route ${route}: two methods map to it`);
    }
    routes.set(route, (value as (...args: unknown[]) => unknown).bind(component) as Handler);
  };
  for (const key of Object.keys(component)) {
    add(key, (component as Record<string, unknown>)[key]);
  }
  for (
    let proto = Object.getPrototypeOf(component);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!d || !("value" in d)) {
        seen.add(key); // accessors are not handlers
        continue;
      }
      add(key, d.value);
    }
  }
  return routes;
}
