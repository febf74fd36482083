// Honest credits: every model file and library a page fetches while it is used is named in that
// page's footer, with its licence; and the footer names the engine that runs the models and tract as
// the reference it is checked against, never as what runs the site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";

const GENERATED = join(ROOT, "tests/data/generated");
/** What each fetched file must be credited as in the footer, and its licence. */
const CREDIT = {
  "face_detection_front_128x128.onnx": ["BlazeFace", "Apache-2.0"],
  "face_detection_back_256x256.onnx": ["BlazeFace", "Apache-2.0"],
  "retinaface_mnet025.onnx": ["RetinaFace", "MIT"],
  "mediabunny.min.mjs": ["Mediabunny", "MPL-2.0"],
  "dlib_face_recognition_resnet_model_v1.onnx": ["dlib's face recognition network", "public domain", "CC0"],
};

/** Use `page` as a visitor would, then check its footer against what it fetched. */
async function checkCredits(path, use) {
  const site = await start();
  try {
    const { page } = site;
    await page.goto(`${site.origin}/${path}`);
    await use(page);
    const fetched = [...new Set(site.requests.map((u) => new URL(u).pathname.split("/").pop()).filter((f) => f in CREDIT))];
    const footer = await page.locator("footer").innerText();
    assert.ok(fetched.length > 0, `${path} fetched some model`);
    for (const file of fetched) {
      for (const words of CREDIT[file]) assert.ok(footer.includes(words), `${path} fetched ${file} but its footer does not say ${words}: ${footer}`);
    }
    assert.match(footer, /this project's own small inference engine/, `${path} says what runs the models`);
    assert.match(footer, /checked in tests against tract/, `${path} names tract as the reference`);
    assert.doesNotMatch(footer, /Runs with tract/, `${path} does not credit tract for running the site`);
    return fetched;
  } finally {
    await site.close();
  }
}

test("every model and library a page fetches is credited in its footer", { timeout: 420_000 }, async () => {
  const live = await checkCredits("index.html", async (page) => {
    // The demo picture, then protect mode (which brings its second look's model).
    await page.evaluate(() => document.getElementById("demo").click());
    await page.waitForFunction(() => Number(document.getElementById("count").textContent) > 0, null, { timeout: 120_000 });
    await page.evaluate(() => document.getElementById("protect").click());
    await page.waitForTimeout(5000);
  });
  assert.ok(live.includes("face_detection_front_128x128.onnx"), `the live page's model: ${live}`);
  await checkCredits("photo.html", async (page) => {
    await page.setInputFiles("#files", join(GENERATED, "crowd-gps-rot6.jpg"));
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 180_000 });
  });
  const video = await checkCredits("video.html", async (page) => {
    await page.setInputFiles("#file", join(GENERATED, "video-portrait.mov"));
    await page.waitForFunction(() => !document.getElementById("save").disabled, null, { timeout: 180_000 });
  });
  assert.ok(video.includes("mediabunny.min.mjs") && video.includes("retinaface_mnet025.onnx"), `the video page's files: ${video}`);
  const watch = await checkCredits("watchlist.html", async (page) => {
    await page.locator("#agreed").check();
    await page.setInputFiles("#enrol-photo", join(ROOT, "tests/data/fetched/people/obama.jpg"));
    await page.waitForFunction(() => document.querySelectorAll("#list li").length === 1, null, { timeout: 180_000 });
    await page.locator("#protect").check();
    await page.setInputFiles("#view-photo", join(ROOT, "tests/data/fetched/people/obama2.jpg"));
    await page.waitForTimeout(5000);
  });
  assert.ok(watch.includes("dlib_face_recognition_resnet_model_v1.onnx") && watch.includes("retinaface_mnet025.onnx"), `the watchlist page's files: ${watch}`);
});
