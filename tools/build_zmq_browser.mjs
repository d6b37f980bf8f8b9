#!/usr/bin/env node
// Bundles weft/zmq/browser (src/zmq_browser.ts: ZeroMQ sockets over the page's WebSocket,
// ZWS 2.0) into one browser ES module with esbuild: dist/weft-zmq-browser.js (or the path given
// as the first argument). Serve it next to your page and `import { Dealer } from "./weft-zmq-browser.js"`.
import { bundle } from "./_bundle.mjs";

bundle("build_zmq_browser", "src/zmq_browser.ts", process.argv[2] ?? "dist/weft-zmq-browser.js");
