// Run from a scratch project by tools/check_package.mjs: the SP entry as a user imports it.
import { Rep0, Req0 } from "@weft/weft/sp";

await using rep = new Rep0();
await rep.listen("tcp://127.0.0.1:0");
await using req = new Req0();
await req.dial(rep.lastEndpoint!);
await req.send("ping");
await rep.recv();
await rep.send("pong");
console.log(`sp: ${new TextDecoder().decode(await req.recv())}`);
