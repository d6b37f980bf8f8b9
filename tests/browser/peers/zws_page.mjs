// Opens a page in headless Chromium (playwright-core driving Debian's chromium) that loads the
// weft/zmq/browser bundle and talks ZWS 2.0 to the servers named in the page URL; prints the
// page's JSON result as one line. Usage: node zws_page.mjs <page url> [chromium path]
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "weft-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const errors = [];
try {
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => globalThis.__result);
  console.log(JSON.stringify({ result, errors }));
} catch (e) {
  console.error(`zws_page: ${e.stack ?? e}\npage errors: ${errors.join("\n")}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
