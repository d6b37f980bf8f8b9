/**
 * The chat room: the routes of lonng/nano's chat demo, so nano's own web client works too.
 *  - request `room.join` `{name?}` → `{code: 0, result: "success"}`; the joiner gets the push
 *    `onMembers` `{members: [uid…], users: [{uid, name}…]}`, the others `onNewUser`
 *    `{content, uid, name}`;
 *  - notify `room.message` `{name, content}` → push `onMessage` `{name, content}` to everyone;
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
    if (this.#room.contains(session)) return { code: 0, result: "success" };
    const uid = session.id;
    const name = text(payload?.name, 24) || `guest-${uid}`;
    session.bind(uid);
    session.set("name", name);
    const others = this.#room.members();
    const users = [...others, session].map((s) => ({ uid: s.uid, name: s.get("name") }));
    session.push("onMembers", { members: others.map((s) => s.uid), users });
    this.#room.broadcast("onNewUser", { content: `New user: ${name}`, uid, name });
    this.#room.add(session);
    session.onClosed(() => this.#room.broadcast("onUserLeft", { uid, name }));
    return { code: 0, result: "success" };
  }

  message(session: Session, payload: { name?: unknown; content?: unknown } | undefined) {
    const content = text(payload?.content, 500);
    if (!content || !this.#room.contains(session)) return;
    const name = text(payload?.name, 24) || session.get<string>("name") || `guest-${session.id}`;
    this.#room.broadcast("onMessage", { name, content });
  }
}
