// Run from a scratch project by tools/check_package.mjs: the nano server and client entries as a
// user imports them (the server entry brings @bufbuild/protobuf, a dependency of the package).
import { App, type Session } from "@weft/weft/nano";
import { connect } from "@weft/weft/nano/client";

class Greeter {
  hello(session: Session, body: { name: string }) {
    return { code: 0, greeting: `hello ${body.name} (session ${session.id})` };
  }
}

await using app = new App({ port: 0, host: "127.0.0.1" });
app.register(new Greeter(), { name: "greeter" });
const { port } = await app.listen();
await using client = await connect(`ws://127.0.0.1:${port}/`);
const reply = await client.request("greeter.hello", { name: "ann" }) as { greeting: string };
console.log(`nano: ${reply.greeting}`);
