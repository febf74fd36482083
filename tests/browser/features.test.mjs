// A browser missing what the detector needs gets one sentence naming it, never a blank page or a
// crash: each feature is removed in turn before the page's scripts run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, WWW } from "./harness.mjs";

const en = JSON.parse(readFileSync(join(WWW, "i18n/en.json"), "utf8"));

const STUBS = {
  "live.error.simd": () => { const validate = WebAssembly.validate; WebAssembly.validate = (bytes) => (bytes.length === 31 ? false : validate(bytes)); },
  // A browser with classic workers only never reads the options' `type`.
  "live.error.module-workers": () => { const W = Worker; window.Worker = function Worker(url) { return new W(url); }; },
  "live.error.offscreen-canvas": () => { delete window.OffscreenCanvas; },
};

for (const [key, stub] of Object.entries(STUBS)) {
  test(`without ${key.replace("live.error.", "")}: the live page and <unseen-camera> say so in one sentence`, { timeout: 60_000 }, async () => {
    const b = await start();
    try {
      await b.context.addInitScript(stub);
      await b.page.goto(`${b.origin}/index.html`);
      await b.page.waitForSelector("#message:not([hidden])", { timeout: 20000 });
      assert.equal(await b.page.textContent("#message-text"), en[key]);
      assert.ok(await b.page.isDisabled("#start"), "the camera cannot be started");
      await b.page.goto(`${b.origin}/embed.html`);
      await b.page.evaluate(() => document.querySelector("unseen-camera").start());
      await b.page.waitForFunction((want) => document.querySelector("unseen-camera").shadowRoot.querySelector(".status").textContent === want, en[key], { timeout: 20000 });
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}
