/**
 * The chat room: the routes of lonng/nano's chat demo, so nano's own web client works too.
 *  - request `room.join` `{name?}` → `{code: 0, result: "success"}`, plus `name` when a name was
 *    asked: the one asked for, or with a suffix when someone in the room has it (`ann (2)`);
 *    the joiner gets the push
 *    `onMembers` `{members: [uid…], users: [{uid, name}…]}`, the others `onNewUser`
 *    `{content, uid, name}`;
 *  - notify `room.message` `{content}` → push `onMessage` `{name, content}` to everyone, with the
 *    sender's name as the room gave it (a guest, who joined without a name as nano's client does,
 *    may send `name`); the page shows each message with the time it arrived;
 *  - when someone leaves, the others get `onUserLeft` `{uid, name}`.
 * @module
 */

import type { App, Group, Session } from "../../src/nano.ts";

const text = (value: unknown, max: number) =>
  typeof value === "string" ? value.trim().slice(0, max) : "";

export class Room {
  #room!: Group;

  init(app: App): void {
    this.#room = app.group("room");
  }

  join(session: Session, payload: { name?: unknown } | undefined) {
    if (this.#room.contains(session)) {
      return { code: 0, result: "success", name: session.get<string>("name") };
    }
    // Clustered, each gate numbers its own sessions: the gate's id makes the uid unique.
    const uid = session.gate === undefined ? session.id : `${session.gate}/${session.id}`;
    const asked = text(payload?.name, 24);
    const name = this.#unique(asked || `guest-${uid}`);
    session.bind(uid);
    session.set("name", name);
    session.set("guest", !asked);
    const others = this.#room.members();
    const users = [...others, session].map((s) => ({ uid: s.uid, name: s.get("name") }));
    session.push("onMembers", { members: others.map((s) => s.uid), users });
    this.#room.broadcast("onNewUser", { content: `New user: ${name}`, uid, name });
    this.#room.add(session);
    session.onClosed(() => this.#room.broadcast("onUserLeft", { uid, name }));
    // nano's answer, plus the name given when one was asked (nano's clients ask none).
    return asked ? { code: 0, result: "success", name } : { code: 0, result: "success" };
  }

  /** `name`, or `name (2)`, `name (3)`… when someone in the room already has it. */
  #unique(name: string): string {
    const taken = new Set(this.#room.members().map((s) => s.get<string>("name")));
    let given = name;
    for (let n = 2; taken.has(given); n++) given = `${name} (${n})`;
    return given;
  }

  message(session: Session, payload: { name?: unknown; content?: unknown } | undefined) {
    const content = text(payload?.content, 500);
    if (!content || !this.#room.contains(session)) return;
    // The name the room gave at join, whatever the payload says; a guest (nano's web client joins
    // without a name and sends one with each message) goes by the name it sends.
    const given = session.get<string>("name") ?? `guest-${session.id}`;
    const name = (session.get<boolean>("guest") && text(payload?.name, 24)) || given;
    this.#room.broadcast("onMessage", { name, content });
  }
}
