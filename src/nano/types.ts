/**
 * The small shapes the app's files share (handlers, the logger), kept apart so no two files in
 * `src/nano/` need each other: `app.ts` imports the rest, nothing imports `app.ts` back.
 * @module
 */

import type { Session } from "./session.ts";

/**
 * A handler: gets the session and the decoded payload; for a request its return value (or
 * resolved value) is the response, for a notify it is ignored. A thrown error becomes an error
 * response (see `HandlerError`).
 *
 * @example
 * ```ts
 * import { App, type Handler } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * // `payload: never` in the type lets handlers declare any payload type they expect.
 * const echo: Handler = (_session, payload: { text: string }) => payload.text;
 * const app = new App().handle("echo.say", echo);
 * assert.deepEqual(app.routes(), ["echo.say"]);
 * await app.close();
 * ```
 */
export type Handler = (session: Session, payload: never) => unknown;

/**
 * Where the app's log lines go. `console` fits.
 *
 * @example
 * ```ts
 * import { App, type Logger } from "@weft/weft/nano";
 * import assert from "node:assert/strict";
 * const lines: unknown[][] = [];
 * const logger: Logger = { error: (...a) => lines.push(a), warn: (...a) => lines.push(a) };
 * const app = new App({ logger });
 * logger.warn("slow client", "tcp://127.0.0.1:1"); // what the app does for a slow client
 * assert.equal(lines.length, 1);
 * await app.close();
 * ```
 */
export interface Logger {
  /** Handler failures (code ≥ 500), middleware and hook errors. */
  error(...args: unknown[]): void;
  /** Protocol errors, 4xx answers, kicks for overflow. */
  warn(...args: unknown[]): void;
}
