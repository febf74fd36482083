// Debian's Firefox ESR for the browser tests, driven by puppeteer-core over WebDriver BiDi (never a
// downloaded browser), with Firefox's own fake camera; the same shape as harness.mjs's `start`.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { serve } from "../../scripts/serve.mjs";
import { WWW } from "./harness.mjs";
import { captureSaves, savedFile } from "./saved-file.mjs";

export const FIREFOX = process.env.FIREFOX || "/usr/bin/firefox-esr";

/** `mounts`: other folders served beside the site (URL prefix → folder), as scripts/serve.mjs takes. */
export async function startFirefox({ mounts = {} } = {}) {
  if (!existsSync(FIREFOX)) throw new Error(`Firefox ESR is not installed at ${FIREFOX}: apt-get install firefox-esr (.ci/run does)`);
  const server = await serve(WWW, 0, "127.0.0.1", mounts);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profile = mkdtempSync(join(tmpdir(), "unseen-firefox-"));
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      // A synthetic camera, allowed without asking.
      "media.navigator.streams.fake": true,
      "media.navigator.permission.disabled": true,
    },
  });
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  return {
    origin, page, errors, requests, version: await browser.version(),
    /** Run a script body in the page, as WebDriver runs one (and as WebKit's `run` does). */
    run: (script) => page.evaluate(`(() => { ${script} })()`),
    foreignRequests: () => requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:")),
    async close() {
      await browser.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Click an element through the DOM (the page's own handler), as a keyboard user's Enter would. */
export const press = (page, selector) => page.$eval(selector, (b) => b.click());

/** Run `save` on the page and return the name and bytes of the file it hands over. */
export async function savedBytes(page, save) {
  await page.evaluate(captureSaves);
  await save();
  const { name, bytes } = await page.evaluate(savedFile);
  return { name, bytes: Uint8Array.from(bytes) };
}
