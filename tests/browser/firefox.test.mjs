// The site in Debian's Firefox ESR (Gecko): the demo picture finds its face, the fake camera's frames
// flow and are searched, protect mode covers every face of the adversarial edge clip (played by a
// canvas camera), the photo page finds the crowd's faces, and the video page covers a phone
// video, whose every frame, timing, rotation, sound and tags are then checked outside the browser as
// in Chromium's video test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";
import { press, savedBytes, startFirefox } from "./firefox.mjs";
import { assertCleanCopy, leaks } from "./video-check.mjs";
import { EDGES_CLIP, MOTION_CLIP, assertEdgeClip, assertMotionClip, clipPlayedTwice, reportScript, withClipCamera } from "./leak-probe.mjs";

const GENERATED = join(ROOT, "tests/data/generated");

test("Firefox: the demo picture and the camera", { timeout: 180_000 }, async () => {
  const ff = await startFirefox();
  try {
    const { page } = ff;
    await page.goto(`${ff.origin}/index.html`);
    await press(page, "#demo");
    await page.waitForFunction(() => Number(document.getElementById("count").textContent) > 0, { timeout: 120_000 });
    assert.equal(await page.$eval("#count", (e) => e.textContent), "1", "the astronaut's face");
    await press(page, "#start");
    // Firefox's fake camera is a synthetic picture with no face: what counts is that frames flow
    // through the detector.
    await page.waitForFunction(() => Number(document.getElementById("fps").textContent) > 0, { timeout: 120_000 });
    assert.equal(await page.$eval("#message", (e) => e.hidden), true, "no camera error");
    // In French.
    await page.goto(`${ff.origin}/index.html?lang=fr`);
    await page.waitForFunction(() => document.documentElement.lang === "fr", { timeout: 30_000 });
    assert.equal(await page.$eval("#start", (e) => e.textContent), "Démarrer la caméra");
    assert.deepEqual(ff.errors, []);
    assert.deepEqual(ff.foreignRequests(), []);
  } finally {
    await ff.close();
  }
});

test("Firefox: the photo page finds the crowd's faces", { timeout: 240_000 }, async () => {
  const ff = await startFirefox();
  try {
    const { page } = ff;
    await page.goto(`${ff.origin}/photo.html`);
    await (await page.$("#files")).uploadFile(join(GENERATED, "crowd-gps-rot6.jpg"));
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 200_000 });
    assert.match(await page.$eval("#list li .photo-status", (e) => e.textContent), /10 faces found/);
    assert.deepEqual(ff.errors, []);
  } finally {
    await ff.close();
  }
});

test("Firefox: the video page covers every face of a phone video", { timeout: 300_000 }, async () => {
  const ff = await startFirefox();
  const dir = mkdtempSync(join(tmpdir(), "unseen-firefox-video-"));
  try {
    const { page } = ff;
    await page.goto(`${ff.origin}/video.html`);
    const input = join(GENERATED, "video-portrait.mov");
    await (await page.$("#file")).uploadFile(input);
    await page.waitForFunction(() => !document.getElementById("save").disabled || !document.getElementById("message").hidden, { timeout: 240_000 });
    assert.equal(await page.$eval("#message", (e) => e.hidden), true, await page.$eval("#message", (e) => e.innerText));
    const saved = await savedBytes(page, () => press(page, "#save"));
    assert.equal(saved.name, "video-portrait-redacted.mp4");
    const out = join(dir, saved.name);
    writeFileSync(out, saved.bytes);
    for (const s of leaks("portrait", input, out)) assert.equal(s.leaked, 0, `${s.scene}: a face shows in ${s.leaked} of ${s.seen} frames`);
    assertCleanCopy(input, out, true);
    assert.deepEqual(ff.errors, []);
  } finally {
    await ff.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Firefox: the watchlist page recognises an enrolled face and not another", { timeout: 300_000 }, async () => {
  const ff = await startFirefox();
  const people = join(ROOT, "tests/data/fetched/people");
  try {
    const { page } = ff;
    await page.goto(`${ff.origin}/watchlist.html`);
    await page.click("#agreed");
    await (await page.$("#enrol-photo")).uploadFile(join(people, "obama.jpg"));
    await page.waitForFunction(() => document.querySelectorAll("#list li").length === 1, { timeout: 240_000 });
    await (await page.$("#view-photo")).uploadFile(join(people, "obama2.jpg"));
    await page.waitForFunction(() => !document.getElementById("alert").hidden, { timeout: 60_000 });
    assert.match(await page.$eval("#faces", (e) => e.textContent), /Person 1, distance 0\.[0-5]\d: ALERT/);
    await page.click("#alert-match");
    await (await page.$("#view-photo")).uploadFile(join(people, "biden.jpg"));
    await page.waitForFunction(() => /no alert/.test(document.getElementById("faces").textContent), { timeout: 60_000 });
    assert.equal(await page.$eval("#count-alerts", (e) => e.textContent), "1");
    await page.click("#forget");
    assert.equal(await page.$eval("#list", (e) => e.children.length), 0);
    assert.deepEqual(ff.errors, []);
  } finally {
    await ff.close();
  }
});

// Protect mode over the adversarial edge clip (tests/common/edges.rs), played by a canvas camera
// (clip-camera.mjs): the same probe and the same rule as in Chromium (leak.test.mjs), every face at
// least half in view covered in every painted frame, with the live page's default model.
test("Firefox: protect mode over the adversarial edge clip leaves no face uncovered", { timeout: 300_000 }, () =>
  withClipCamera(startFirefox, EDGES_CLIP, async (ff, install) => {
    await ff.page.goto(`${ff.origin}/index.html`);
    await ff.run(install);
    await press(ff.page, "#start");
    await ff.page.waitForFunction(`(() => { ${clipPlayedTwice(150)} })()`, { timeout: 240_000, polling: 1000 });
    const r = await ff.run(reportScript(0.5));
    const quarter = await ff.run(reportScript(0.25));
    assertEdgeClip(r, quarter, `Firefox ${ff.version}, edge clip, short-range`);
    assert.deepEqual(ff.errors, []);
  }));

// <unseen-camera mode="protect"> on the embed page, over the motion clip (fast motion, an edge entry,
// an occluder, cuts) played by the canvas camera: the probe reads every paint of the element's canvas,
// and no block of any face may show, as in Chromium (leak.test.mjs).
test("Firefox: <unseen-camera> in protect mode paints no face uncovered", { timeout: 300_000 }, () =>
  withClipCamera(startFirefox, MOTION_CLIP, async (ff, install) => {
    await ff.page.goto(`${ff.origin}/embed.html`);
    await ff.page.waitForFunction(() => document.querySelector("unseen-camera")?.shadowRoot?.querySelector(".start"), { timeout: 30_000 });
    await ff.run(install);
    await ff.run("document.querySelector('unseen-camera').shadowRoot.querySelector('.start').click()");
    await ff.page.waitForFunction(`(() => { ${clipPlayedTwice(100)} })()`, { timeout: 240_000, polling: 1000 });
    const r = await ff.run(reportScript(0));
    assertMotionClip(r, 100, `Firefox ${ff.version}, <unseen-camera>, motion clip`);
    assert.deepEqual(ff.errors, []);
    assert.deepEqual(ff.foreignRequests(), []);
  }));
