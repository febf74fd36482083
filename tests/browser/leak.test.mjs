// Leak-proof live mode, counted on the page itself: the fake camera plays the leak clip (fast motion, a
// face entering from the edge, an occluder, cuts; tests/common/motion.rs) with protect on from the
// start, and every paint of the view is checked against the camera's own pixels by the leak probe.
// tests/leak.rs counts the same natively, frame by frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "./harness.mjs";
import { MOTION_CLIP, leakReport, startProtected } from "./leak-probe.mjs";

test("live page: protect mode over fast motion, an edge entry, an occluder and cuts", async () => {
  const b = await start({ camera: MOTION_CLIP });
  try {
    await startProtected(b);
    // Two passes of the clip's 150 frames painted, and every camera frame seen.
    await b.page.waitForFunction(() => {
      const r = window.__leakProbe.report();
      return r.decoded >= 300 && r.camera_frames === 150;
    }, null, { timeout: 120000, polling: 1000 });
    const r = await leakReport(b.page);
    console.log(`leak probe: ${JSON.stringify(r)}`);
    if (r.unreadable) {
      const shots = await b.page.evaluate(() => window.__leakProbe.unreadable);
      shots.forEach((url, i) => writeFileSync(join(tmpdir(), `unseen-unreadable-${i}.png`), Buffer.from(url.split(",")[1], "base64")));
      console.log(`unreadable paints saved as ${join(tmpdir(), "unseen-unreadable-*.png")}`);
    }
    assert.ok(r.compared >= 280, `${r.compared} painted frames compared`);
    assert.equal(r.unreadable, 0, "every paint is a decoded camera frame or the blurred fallback");
    // Not one painted frame may show any block of a face as the camera delivered it, the face
    // entering from the right edge included (the view runs 4 frames late for that).
    assert.deepEqual(r.leaks, [], "faces painted uncovered (frame index, blocks)");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
