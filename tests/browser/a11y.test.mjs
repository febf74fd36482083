// WCAG 2.1 AA with axe-core (npm) on every view of the site: the live page before and after the
// camera starts, in the step-through and in classroom mode, the live page when the camera is refused, the embed example, the photo page empty and
// in review, the video page empty and in review.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { axeViolations, start, ROOT } from "./harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const PHOTO = join(ROOT, "tests/data/generated/crowd-gps-rot6.jpg");
const VIDEO = join(ROOT, "tests/data/generated/video-portrait.mov");

test("every view passes axe-core's WCAG 2.1 AA rules", { timeout: 300_000 }, async () => {
  const live = await start({ camera: CLIP });
  try {
    const { page } = live;
    await page.goto(`${live.origin}/index.html`);
    assert.deepEqual(await axeViolations(page), [], "live page, before the camera");
    await page.click("#start");
    await page.waitForFunction(() => Number(document.getElementById("count").textContent) > 0, null, { timeout: 120_000 });
    assert.deepEqual(await axeViolations(page), [], "live page, camera running");
    await page.click('.step[data-step="3"]');
    await page.waitForFunction(() => /Step 3 of 4/.test(document.getElementById("step-caption").textContent), null, { timeout: 60_000 });
    assert.deepEqual(await axeViolations(page), [], "live page, how detection works");
    await page.click("#classroom");
    assert.deepEqual(await axeViolations(page), [], "live page, classroom mode");
    await page.click("#classroom");
    await page.click('.step[data-step="0"]');
    await page.locator("#protect").check();
    assert.deepEqual(await axeViolations(page), [], "live page, protecting");
    await page.goto(`${live.origin}/embed.html`);
    assert.deepEqual(await axeViolations(page), [], "embed example, before the camera");
    await page.locator("unseen-camera").getByRole("button", { name: "Start camera" }).click();
    await page.locator("unseen-camera").getByRole("status").filter({ hasText: /faces? found/ }).waitFor({ timeout: 120_000 });
    assert.deepEqual(await axeViolations(page), [], "embed example, protecting");
  } finally {
    await live.close();
  }

  const denied = await start({ camera: "deny" });
  try {
    const { page } = denied;
    await page.goto(`${denied.origin}/index.html`);
    await page.click("#start");
    await page.waitForSelector("#message:not([hidden])");
    assert.deepEqual(await axeViolations(page), [], "live page, camera refused");
  } finally {
    await denied.close();
  }

  const photos = await start();
  try {
    const { page } = photos;
    await page.goto(`${photos.origin}/photo.html`);
    assert.deepEqual(await axeViolations(page), [], "photo page, empty");
    await page.setInputFiles("#files", PHOTO);
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 180_000 });
    assert.deepEqual(await axeViolations(page), [], "photo page, reviewing");
  } finally {
    await photos.close();
  }

  const videos = await start();
  try {
    const { page } = videos;
    await page.goto(`${videos.origin}/video.html`);
    assert.deepEqual(await axeViolations(page), [], "video page, empty");
    await page.setInputFiles("#file", VIDEO);
    await page.waitForFunction(() => !document.getElementById("save").disabled, null, { timeout: 180_000 });
    assert.deepEqual(await axeViolations(page), [], "video page, reviewing");
  } finally {
    await videos.close();
  }
});
