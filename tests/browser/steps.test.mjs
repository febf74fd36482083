// "How detection works": on the demo picture each step renders — anchors, scores, threshold, merge —
// with its caption, and each draws something different over the picture; on the camera too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");

async function pixels(page) {
  return page.evaluate(() => {
    const v = document.getElementById("view");
    return Array.from(v.getContext("2d").getImageData(0, 0, v.width, v.height).data.filter((_, i) => i % 97 === 0));
  });
}

test("the step-through renders each step on the demo picture and on the camera", { timeout: 240_000 }, async () => {
  const b = await start({ camera: CLIP });
  try {
    const { page } = b;
    await page.goto(`${b.origin}/index.html`);
    await page.click("#steps-demo");
    const shots = [];
    for (const [n, words] of [[1, /Step 1 of 4 — anchors.*320 fixed places.*896 in all/], [2, /Step 2 of 4 — scores\. \d+ anchors/], [3, /Step 3 of 4 — threshold.*kept: \d+ of \d+/], [4, /Step 4 of 4 — merge.*become 1 face\b/]]) {
      await page.click(`.step[data-step="${n}"]`);
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById("step-caption").textContent), words.source, { timeout: 120_000 });
      await page.waitForTimeout(200);
      shots.push(await pixels(page));
    }
    for (let i = 1; i < shots.length; i++) assert.notDeepEqual(shots[i], shots[i - 1], `step ${i + 1} draws differently from step ${i}`);

    // Keyboard: 0 turns the steps off; on the camera, 3 shows the threshold step live.
    await page.keyboard.press("0");
    assert.equal(await page.textContent("#step-caption"), "");
    await page.click("#start");
    await page.locator("body").press("3");
    await page.waitForFunction(() => /Step 3 of 4/.test(document.getElementById("step-caption").textContent), null, { timeout: 120_000 });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
