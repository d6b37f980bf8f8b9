// Shared by the browser tests: build the weft/zmq/browser bundle, serve a page with it on
// 127.0.0.1, and open that page in headless Chromium through peers/zws_page.mjs.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { run } from "../_run.ts";
export { type Ran, run } from "../_run.ts";

const DRIVER = fileURLToPath(new URL("./peers/zws_page.mjs", import.meta.url));

/** Serves the page and the bundle on 127.0.0.1; resolves the page's base URL. */
export async function serve(bundle: string, page: string) {
  const js = readFileSync(bundle);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(page);
    else if (path === "/weft-zmq-browser.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    } else res.writeHead(path === "/favicon.ico" ? 204 : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** Opens `url` in headless Chromium; resolves the page's result and console errors. */
export async function openPage(
  url: string,
): Promise<{ result: Record<string, unknown>; errors: string[] }> {
  const chromium = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
  const ran = await run("node", [DRIVER, url, chromium], 120_000);
  if (ran.code !== 0) throw new Error(`zws_page.mjs failed:\n${ran.stderr}\n${ran.stdout}`);
  return JSON.parse(ran.stdout.trim().split("\n").pop()!);
}
