// Opens the chat demo twice in headless Chromium (playwright-core driving Debian's chromium):
// alice and bob join, alice sends a message, bob's page must show it. Usage:
//   node chat_browser.mjs <page url> <screenshot.png> [chromium path]
// Prints one JSON line (what each page shows); exits 1 on failure.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "weft-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 900, height: 640 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const errors = [];
try {
  context.setDefaultTimeout(15_000);
  const open = async (name) => {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`${name}: ${m.text()}`));
    await page.goto(url);
    await page.waitForSelector("#status.open");
    await page.fill("#nickname", name);
    await page.click("#join button");
    await page.getByText(`you joined as ${name}`).waitFor();
    return page;
  };
  const alice = await open("alice");
  const bob = await open("bob");
  await alice.locator("#members li", { hasText: "bob" }).waitFor();
  await alice.fill("#message", "hello bob, this is alice");
  await alice.press("#message", "Enter");
  await bob.locator("#messages li", { hasText: "hello bob, this is alice" }).waitFor();
  await alice.locator("#messages li.mine", { hasText: "hello bob, this is alice" }).waitFor();
  await bob.fill("#message", "hi alice!");
  await bob.click("#send button");
  await alice.locator("#messages li", { hasText: "hi alice!" }).waitFor();
  if (screenshot) await alice.screenshot({ path: screenshot, fullPage: true });
  const text = (page) => page.locator("#messages li").allInnerTexts();
  const members = (page) => page.locator("#members li").allInnerTexts();
  console.log(JSON.stringify({
    alice: { messages: await text(alice), members: await members(alice) },
    bob: { messages: await text(bob), members: await members(bob) },
    errors,
  }));
} catch (e) {
  console.error(`chat_browser: ${e.stack ?? e}\npage errors: ${errors.join("\n")}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
