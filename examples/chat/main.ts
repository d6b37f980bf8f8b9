// `npm start`: the chat demo. Open the printed page in two browser tabs.
// PORT and HOST override 127.0.0.1:3250.
import process from "node:process";
import { startChat } from "./chat.ts";

const chat = await startChat({
  port: Number(process.env.PORT ?? 3250),
  host: process.env.HOST ?? "127.0.0.1",
});
console.log(`weft chat: open ${chat.page} (in two tabs)`);
console.log(`  WebSocket ${chat.ws}   raw TCP pomelo ${chat.tcp}   (Ctrl+C stops it)`);
process.on("SIGINT", async () => {
  await chat.app.close({ reason: "server shutdown" });
  process.exit(0);
});
