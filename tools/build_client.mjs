#!/usr/bin/env node
// Bundles weft/nano/client (src/nano_client.ts) into one browser ES module with esbuild:
// dist/weft-nano-client.js (or the path given as the first argument). The wasm codec travels
// inside as base64 and is instantiated synchronously, so the file needs nothing else.
import { bundle } from "./_bundle.mjs";

bundle("build_client", "src/nano_client.ts", process.argv[2] ?? "dist/weft-nano-client.js");
