// The embed: www/embed.html holds one script tag and one <unseen-camera mode="protect"> element; with
// the fake camera it starts, reports both faces through bubbling unseen:frame events, covers them,
// and asks nothing of any other site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const TRUTH = JSON.parse(readFileSync(join(ROOT, "tests/data/generated/two-faces.json"), "utf8"));
const contains = (outer, inner) => outer.x <= inner.x + 1 && outer.y <= inner.y + 1 &&
  outer.x + outer.w >= inner.x + inner.w - 1 && outer.y + outer.h >= inner.y + inner.h - 1;

test("the embedded element starts, reports faces and covers them", { timeout: 180_000 }, async () => {
  const b = await start({ camera: CLIP });
  try {
    const { page } = b;
    await page.addInitScript(() => {
      window.__frames = [];
      document.addEventListener("unseen:frame", (e) => window.__frames.push(e.detail));
    });
    await page.goto(`${b.origin}/embed.html`);
    await page.locator("unseen-camera").getByRole("button", { name: "Start camera" }).click();
    await page.waitForFunction(() => window.__frames.filter((f) => f.faces.length === 2).length >= 5, null, { timeout: 120_000 });
    const frames = await page.evaluate(() => window.__frames.filter((f) => f.faces.length === 2));
    for (const f of frames) {
      assert.equal(f.mode, "protect");
      for (const t of TRUTH.faces) assert.ok(f.covered.some((c) => contains(c, t)), `a cover holds the face at ${t.x},${t.y}`);
    }
    assert.match(await page.locator("unseen-camera").getByRole("status").textContent(), /2 faces found, covered/);
    // The attribute is live: switching to see mode shows boxes instead of covers.
    await page.locator("unseen-camera").getByRole("button", { name: "Protect faces" }).click();
    await page.waitForFunction(() => window.__frames.at(-1)?.mode === "see");
    assert.equal(await page.getAttribute("unseen-camera", "mode"), "see");
    assert.deepEqual(b.foreignRequests(), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
