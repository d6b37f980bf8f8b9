/**
 * A child process for the nano close test: a weft/nano app on 127.0.0.1 (prints its port);
 * `room.flood {n, size}` pushes `n` messages (in rounds) of `size` characters to the caller, then the app
 * closes (`await app.close()`) and the process exits at once. Every push must reach the client,
 * then the KICK.
 * @module
 */
import process from "node:process";
import { App, type Session } from "../../../src/nano.ts";

const app = new App({ port: 0, host: "127.0.0.1", logger: { error() {}, warn() {} } });
app.register({
  async flood(session: Session, payload: { n: number; size: number }) {
    const filler = "x".repeat(payload.size);
    // Rounds of 500 (each under the outbound limit), handed to the transport between rounds,
    // so megabytes are in flight to the client when the app closes.
    for (let i = 0; i < payload.n; i++) {
      session.push("onFlood", { i, filler });
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 0));
    }
    // Close as a program ends: then exit, without waiting for anything else.
    setTimeout(async () => {
      await app.close({ reason: "done" });
      process.exit(0);
    }, 0);
    return { queued: payload.n };
  },
}, { name: "room" });
const { port } = await app.listen();
console.log(port);
