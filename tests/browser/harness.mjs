// Shared by the browser tests and the bench: serve www/ on loopback, launch Debian's Chromium headless
// (never a downloaded browser) with an optional fake camera, record every request the page makes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve.mjs";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const WWW = join(ROOT, "www");

const FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
];

/** Start the site and a browser. `camera`: absolute path of a .y4m clip for the fake camera, or
 *  "deny" for a browser that refuses camera permission. `mounts`: extra folders to serve (bench peers). */
export async function start({ camera = null, mounts = {}, locale = "en-GB", extraArgs = [] } = {}) {
  const server = await serve(WWW, 0, "127.0.0.1", mounts);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profile = mkdtempSync(join(tmpdir(), "unseen-chromium-"));
  const args = [...FLAGS, ...extraArgs];
  if (camera && camera !== "deny") {
    args.push("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${camera}`);
  } else if (camera === "deny") {
    args.push("--use-fake-device-for-media-stream", "--deny-permission-prompts");
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args,
    ignoreDefaultArgs: ["--headless"],
    locale,
  });
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return {
    origin, page, context, requests, errors, profile,
    foreignRequests: () => requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:")),
    async close() {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's WCAG 2.1 A and AA violations on the page as it is now, as readable lines. */
export async function axeViolations(page) {
  await page.evaluate(AXE); // evaluated through the DevTools protocol, so the page's CSP does not apply
  const found = await page.evaluate(() => window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }).then((r) => r.violations));
  return found.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
