// Leak-proof live mode, counted on the page itself: the fake camera plays a clip with protect on from
// the start, and every paint of the view is checked against the camera's own pixels by the leak probe.
// The motion clip (fast motion, a face entering from the edge, an occluder, cuts) on the live page and
// in <unseen-camera>; the adversarial edge clip (tests/common/edges.rs) per scenario with both
// models. tests/leak.rs counts the same natively, frame by frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "./harness.mjs";
import { EDGES_CLIP, MOTION_CLIP, assertEdgeClip, assertMotionClip, clipTruth, leakReport, startProtected } from "./leak-probe.mjs";

/** Save the paints the probe kept (unreadable ones, ones showing a face) as PNGs in the temp folder. */
async function saveShots(page, name) {
  const { unreadable, leakShots, hiddenShots } = await page.evaluate(() => window.__leakProbe);
  const save = (urls, kind) => urls.slice(0, 40).forEach((url, i) => writeFileSync(join(tmpdir(), `unseen-${name}-${kind}-${i}.png`), Buffer.from(url.split(",")[1], "base64")));
  save(unreadable, "unreadable");
  save(leakShots, "leak");
  save(hiddenShots, "hidden");
  if (unreadable.length || leakShots.length || hiddenShots.length) console.log(`paints kept: ${join(tmpdir(), `unseen-${name}-*.png`)}`);
}

/** Protect mode on `page` (the live page, or the embed page's <unseen-camera>) over two passes of
 *  the motion clip: not one painted frame may show any block of a face as the camera delivered it,
 *  the face entering from the right edge included (the view runs 4 frames late for that). */
async function motionClipLeaksNothing(page, name) {
  const b = await start({ camera: MOTION_CLIP });
  try {
    await startProtected(b, { page });
    await b.page.waitForFunction(() => {
      const r = window.__leakProbe.report();
      return r.decoded >= 300 && r.camera_frames === 150;
    }, null, { timeout: 120000, polling: 1000 });
    const r = await leakReport(b.page);
    console.log(`${name} leak probe: ${JSON.stringify({ ...r, scenes: undefined })}`);
    await saveShots(b.page, name);
    assertMotionClip(r, 280, `Chromium, ${name}`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
}

test("live page: protect mode over fast motion, an edge entry, an occluder and cuts", () => motionClipLeaksNothing("index.html", "motion"));

// The adversarial clip (tests/common/edges.rs): faces entering and leaving at all four edges at 3, 8
// and 20 px a frame, parked half out of the frame, large faces cut by an edge, crossings, an
// occluder and cuts. Every face at least half in view (the rule the independent check uses) must be
// covered in every painted frame, with each model; faces a quarter in view are reported too.
for (const model of ["short", "full"]) {
  test(`live page: protect mode over the adversarial edge clip (${model}-range), per scenario`, async () => {
    const b = await start({ camera: EDGES_CLIP });
    try {
      await startProtected(b, { clip: EDGES_CLIP, model });
      const frames = clipTruth(EDGES_CLIP).frames.length;
      // A whole pass of the clip seen by the camera, and at least as many paints as one pass has
      // frames (about two passes at the page's rate).
      await b.page.waitForFunction((n) => {
        const r = window.__leakProbe.report(0.5);
        return r.camera_frames === n && r.decoded >= n;
      }, frames, { timeout: 240000, polling: 1000 });
      const quarter = await b.page.evaluate(() => window.__leakProbe.report(0.25));
      const r = await leakReport(b.page, 0.5);
      await saveShots(b.page, `edges-${model}`);
      assertEdgeClip(r, quarter, `edge clip, ${model}-range`);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}

// <unseen-camera mode="protect"> paints through the same worker and the same rules: the same probe
// reads every paint of its canvas over the motion clip.
test("<unseen-camera> in protect mode: no face painted uncovered", () => motionClipLeaksNothing("embed.html", "unseen-camera"));
