// Run from a scratch project by tools/check_package.mjs: the ZeroMQ entry as a user imports it.
import { Pull, Push } from "@weft/weft/zmq";

await using pull = new Pull();
await pull.bind("tcp://127.0.0.1:0");
await using push = new Push();
push.connect(pull.lastEndpoint!);
await push.send(["job", "42"]);
const [kind, id] = await pull.receive();
console.log(`zmq: ${new TextDecoder().decode(kind)} ${new TextDecoder().decode(id)}`);
