/**
 * Components (nano's `component.Component`): plain classes whose public methods become
 * handlers at `<component>.<method>` (their optional lifecycle hooks, `Component`, are
 * declared with the `App` that calls them, in `app.ts`).
 * @module
 */

import { WeftError } from "../core/errors.ts";
import type { Handler } from "./types.ts";

/**
 * Naming options of `App.register` (nano's `WithName` / `WithNameFunc`).
 *
 * @example
 * ```ts
 * import { App } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * class Room {
 *   Join() {
 *     return { ok: true };
 *   }
 * }
 * await using app = new App();
 * app.register(new Room(), { name: "room", nameFunc: (method) => method.toLowerCase() });
 * assert.deepEqual(app.routes(), ["room.join"]);
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
 * import { componentRoutes } from "@weft/weft/nano";
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
