/**
 * `device(a, b)`: forwards messages both ways between two raw sockets of peer protocols (a
 * raw REP in front of a raw REQ, say), headers and all, as `nng_device` does. With one socket
 * (raw BUS or PAIR) it reflects what arrives back out: BUS to every other peer, PAIR to its
 * peer.
 * @module
 */

import { WeftError } from "../../core/errors.ts";
import type { SpSocket } from "./socket.ts";
import { EMPTY } from "./message.ts";
import { SpProtocols } from "../../protocol/sp/ids.ts";

const REFLECTORS: ReadonlySet<number> = new Set([
  SpProtocols.bus0.id,
  SpProtocols.pair0.id,
  SpProtocols.pair1.id,
]);

// One-way protocols: as nng_device, forward only in the direction they can carry (a pump
// reading a PUSH or PUB would fail with ENOTSUP and end the whole device).
const SEND_ONLY: ReadonlySet<number> = new Set([SpProtocols.push0.id, SpProtocols.pub0.id]);
const RECV_ONLY: ReadonlySet<number> = new Set([SpProtocols.pull0.id, SpProtocols.sub0.id]);
const carries = (from: SpSocket, to: SpSocket) =>
  !SEND_ONLY.has(from.protocolId) && !RECV_ONLY.has(to.protocolId);

/**
 * Forwards between `a` and `b` (or reflects on `a` alone) until either closes; resolves then.
 * One-way protocols (pull0→push0, sub0→pub0) are forwarded in the direction they carry.
 * Rejects at once with EINVAL when a socket is not raw or the protocols are not peers.
 *
 * @example
 * ```ts
 * import { Bus0, device } from "@weft/weft/sp";
 * import assert from "node:assert/strict";
 * await using hub = new Bus0({ raw: true });
 * let joined = 0;
 * hub.events.on("handshake", () => joined++);
 * await hub.listen("inproc://sp-device-doc");
 * const running = device(hub); // one raw socket: forwards each message to its other peers
 * await using a = new Bus0();
 * await using b = new Bus0();
 * await a.dial("inproc://sp-device-doc");
 * await b.dial("inproc://sp-device-doc");
 * while (joined < 2) await new Promise((r) => setTimeout(r, 1));
 * await a.send("via the hub");
 * assert.equal(new TextDecoder().decode(await b.recv()), "via the hub");
 * hub.close();
 * await running; // resolves once the socket closes
 * ```
 */
export function device(a: SpSocket, b?: SpSocket): Promise<void> {
  const other = b ?? a;
  if (!a.raw || !other.raw) {
    return Promise.reject(
      new WeftError("EINVAL", "device: expected raw sockets, got a cooked one"),
    );
  }
  if (other === a && !REFLECTORS.has(a.protocolId)) {
    return Promise.reject(
      new WeftError("EINVAL", `device: one socket must be bus or pair, got ${a.protocol}`),
    );
  }
  if (other !== a && a.peer !== other.protocol) {
    return Promise.reject(
      new WeftError(
        "EINVAL",
        `device: expected peer protocols, got ${a.protocol} and ${other.protocol}`,
      ),
    );
  }
  // A BUS header is a pipe id of the socket that received it: meaningless on another socket.
  const keepHeader = other === a || a.protocolId !== SpProtocols.bus0.id;
  const pump = async (from: SpSocket, to: SpSocket) => {
    for (;;) {
      const m = await from.recvMsg();
      await to.sendMsg({ header: keepHeader ? m.header : EMPTY, body: m.body });
    }
  };
  return new Promise<void>((resolve, reject) => {
    const stop = (error: unknown) => {
      if (error instanceof WeftError && error.code === "ECLOSED") resolve();
      else reject(error);
      // Whichever side is left open keeps serving its own users; the device is done.
    };
    if (carries(a, other)) pump(a, other).catch(stop);
    if (other !== a && carries(other, a)) pump(other, a).catch(stop);
    // A one-way device only reads one socket: closing the other must end it too.
    void Promise.race([a.closed, other.closed]).then(() => resolve(), () => resolve());
  });
}
