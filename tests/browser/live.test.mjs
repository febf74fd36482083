// The live page in headless Chromium with a fake camera playing a clip made from real photos
// (examples/make_clip.rs): faces are found where they are; in protect mode the faces' pixels differ
// from the camera's and the rest do not; after switching to protect no unprotected frame is painted;
// nothing is requested from any other origin; a refused camera gets its message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const TRUTH = JSON.parse(readFileSync(join(ROOT, "tests/data/generated/two-faces.json"), "utf8"));

function iou(a, b) {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.w * a.h + b.w * b.h - inter);
}
const contains = (outer, inner) => outer.x <= inner.x + 1 && outer.y <= inner.y + 1 &&
  outer.x + outer.w >= inner.x + inner.w - 1 && outer.y + outer.h >= inner.y + inner.h - 1;

/** Installed before the page's scripts: keeps every `unseen:frame` detail, and on request samples the
 *  shown canvas against the camera's own pixels at given points on every animation frame. */
function instrument() {
  window.__frames = [];
  document.addEventListener("unseen:frame", (e) => window.__frames.push({ ...e.detail, at: performance.now() }));
  window.__samples = [];
  window.__sample = (points) => {
    const cam = new OffscreenCanvas(640, 480).getContext("2d", { willReadFrequently: true });
    const tick = () => {
      const view = document.getElementById("view");
      const video = document.getElementById("camera");
      if (view.width === 640 && video.readyState >= 2) {
        cam.drawImage(video, 0, 0, 640, 480);
        const shown = view.getContext("2d").getImageData(0, 0, 640, 480).data;
        const camera = cam.getImageData(0, 0, 640, 480).data;
        window.__samples.push(points.map(({ x, y, r }) => {
          let diff = 0, n = 0;
          for (let yy = y - r; yy <= y + r; yy++) for (let xx = x - r; xx <= x + r; xx++) {
            const i = (yy * 640 + xx) * 4;
            diff += Math.abs(shown[i] - camera[i]) + Math.abs(shown[i + 1] - camera[i + 1]) + Math.abs(shown[i + 2] - camera[i + 2]);
            n += 3;
          }
          return diff / n;
        }));
      }
      if (!window.__stopSampling) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
}

test("live page: see, then protect, failing closed", async () => {
  const b = await start({ camera: CLIP });
  try {
    await b.page.addInitScript(instrument);
    await b.page.goto(`${b.origin}/index.html`);
    await b.page.getByRole("button", { name: "Start camera" }).click();

    // See mode: both faces found where they are, in several frames.
    await b.page.waitForFunction(() => window.__frames.filter((f) => f.mode === "see" && f.faces.length === 2).length >= 8, null, { timeout: 60000 });
    const seen = await b.page.evaluate(() => window.__frames.filter((f) => f.mode === "see"));
    const last = seen.at(-1);
    assert.equal(last.width, TRUTH.width);
    assert.equal(last.height, TRUTH.height);
    for (const truth of TRUTH.faces) {
      const best = Math.max(...last.faces.map((f) => iou(f, truth)));
      assert.ok(best > 0.4, `face ${JSON.stringify(truth)} found with IoU ${best.toFixed(2)}`);
    }
    assert.ok(last.faces.every((f) => f.score > 0.6 && f.score <= 1));
    assert.deepEqual(last.covered, []);
    assert.ok(last.inferenceMs > 0 && last.frameMs >= last.inferenceMs);

    // Threshold slider: instant effect.
    await b.page.locator("#threshold").fill("0.99");
    await b.page.waitForFunction(() => window.__frames.at(-1).faces.length === 0, null, { timeout: 10000 });
    await b.page.locator("#threshold").fill("0.6");
    await b.page.waitForFunction(() => window.__frames.at(-1).faces.length === 2, null, { timeout: 10000 });

    // Protect: start sampling the shown canvas at the face centres and in two far corners, then switch.
    const centre = (f, r) => ({ x: Math.round(f.x + f.w / 2), y: Math.round(f.y + f.h / 2), r });
    const points = [...TRUTH.faces.map((f) => centre(f, 6)), { x: 20, y: 20, r: 6 }, { x: 620, y: 460, r: 6 }];
    await b.page.evaluate((points) => window.__sample(points), points);
    await b.page.waitForFunction(() => window.__samples.length >= 3);
    const switchedAt = await b.page.evaluate(() => { window.__samplesBefore = window.__samples.length; document.getElementById("protect").click(); return performance.now(); });
    await b.page.waitForFunction((t) => window.__frames.filter((f) => f.at > t && f.mode === "protect").length >= 30, switchedAt, { timeout: 60000 });
    const { frames, samples, before } = await b.page.evaluate(() => {
      window.__stopSampling = true;
      return { frames: window.__frames, samples: window.__samples, before: window.__samplesBefore };
    });

    const after = frames.filter((f) => f.at > switchedAt);
    assert.ok(after.every((f) => f.mode === "protect"), "every frame announced after the switch is protected");
    for (const f of after) {
      for (const truth of TRUTH.faces) {
        assert.ok(f.covered.some((c) => contains(c, truth)), `frame ${f.frame}: face ${JSON.stringify(truth)} not inside ${JSON.stringify(f.covered)}`);
      }
    }
    // Before the switch the face centres showed the camera's pixels (plus overlay at most)...
    // ...after it, never again: each sample at a face centre differs strongly from the camera.
    const protectedSamples = samples.slice(before + 1);
    assert.ok(protectedSamples.length >= 10, `${protectedSamples.length} samples`);
    for (const [i, s] of protectedSamples.entries()) {
      assert.ok(s[0] > 25 && s[1] > 25, `sample ${i} after the switch shows a face: ${s.map((v) => v.toFixed(1))}`);
    }
    // The network-input thumbnail (which shows faces uncovered) is blanked in protect mode.
    const thumbnailBlank = await b.page.evaluate(() => {
      const c = document.getElementById("input");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      return d.every((v, i) => i % 4 === 3 || v === 0x22);
    });
    assert.ok(thumbnailBlank, "the network input is hidden while protecting");
    // Far from the faces, the protected frame is the camera's picture (blurred fallback frames aside).
    const lastSample = protectedSamples.at(-1);
    assert.ok(lastSample[2] < 12 && lastSample[3] < 12, `corners changed: ${lastSample.map((v) => v.toFixed(1))}`);

    assert.deepEqual(b.foreignRequests(), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("live page: a refused camera gets its message and a way on", async () => {
  const b = await start({ camera: "deny" });
  try {
    await b.page.goto(`${b.origin}/index.html`);
    await b.page.getByRole("button", { name: "Start camera" }).click();
    const alert = b.page.getByRole("alert");
    await alert.waitFor({ state: "visible", timeout: 15000 });
    assert.match(await alert.textContent(), /Camera permission was refused/);
    assert.ok(await b.page.getByRole("button", { name: "Use a demo picture" }).isVisible());
    // The way on works: the demo picture is processed and its face announced.
    await b.page.evaluate(() => { window.__frames = []; document.addEventListener("unseen:frame", (e) => window.__frames.push(e.detail)); });
    await b.page.getByRole("button", { name: "Use a demo picture" }).click();
    await b.page.waitForFunction(() => window.__frames.some((f) => f.faces.length === 1), null, { timeout: 30000 });
    assert.deepEqual(b.foreignRequests(), []);
  } finally {
    await b.close();
  }
});
