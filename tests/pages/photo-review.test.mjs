// The photo page's review state without a page: faces left uncovered on purpose, covers drawn,
// moved and removed, clicks on nested faces, the threshold, and undo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_UNDO, Review } from "../../www/js/page/photo-review.js";

const crowd = () => new Review(1000, 800, [
  { x: 100, y: 100, w: 200, h: 200, score: 0.9 },
  { x: 150, y: 150, w: 50, h: 50, score: 0.8 },  // a small face inside the big one's box
  { x: 600, y: 100, w: 80, h: 80, score: 0.55 }, // shown only at a low threshold
]);

test("every face shown is covered until it is left uncovered; drawn covers are covered too", () => {
  const r = crowd();
  assert.deepEqual(r.coverBoxes(0.75), [100, 100, 200, 200, 150, 150, 50, 50]);
  assert.deepEqual(r.coverBoxes(0.5).length, 12);
  r.setUncovered(r.faces[0], true);
  assert.deepEqual(r.coverBoxes(0.75), [150, 150, 50, 50]);
  assert.equal(r.addCover({ x: 900, y: 700, w: 300, h: 300 }), 0, "a cover past the edge is clipped");
  assert.deepEqual(r.manual[0], { x: 900, y: 700, w: 100, h: 100 });
  assert.deepEqual(r.coverBoxes(0.75), [150, 150, 50, 50, 900, 700, 100, 100]);
  assert.deepEqual(r.counts(0.75), { faces: 2, open: 1, drawn: 1 });
  assert.equal(r.addCover({ x: 10, y: 10, w: 1, h: 40 }), -1, "a sliver is not a cover");
  assert.equal(r.addCover({ x: 50, y: 60, w: -40, h: -50 }), 1, "a cover dragged up and left");
  assert.deepEqual(r.manual[1], { x: 10, y: 10, w: 40, h: 50 });
});

test("a click removes the drawn cover under it, else toggles the smallest face shown there", () => {
  const r = crowd();
  assert.equal(r.clickAt(170, 170, 0.75), "face");
  assert.equal(r.faces[1].uncovered, true, "the small face nested in the big one");
  assert.equal(r.faces[0].uncovered, false);
  assert.equal(r.clickAt(120, 280, 0.75), "face");
  assert.equal(r.faces[0].uncovered, true);
  assert.equal(r.clickAt(640, 140, 0.75), null, "a face below the threshold is not there");
  r.addCover({ x: 600, y: 100, w: 100, h: 100 });
  assert.equal(r.clickAt(640, 140, 0.5), "cover", "a drawn cover comes before a face under it");
  assert.equal(r.manual.length, 0);
  assert.equal(r.clickAt(990, 790, 0.5), null);
});

test("undo takes back each change in turn, and remembers at most MAX_UNDO", () => {
  const r = crowd();
  assert.equal(r.canUndo, false);
  assert.equal(r.undo(), false);
  r.setUncovered(r.faces[0], true);
  r.addCover({ x: 10, y: 10, w: 20, h: 20 });
  r.removeCover(0);
  assert.equal(r.manual.length, 0);
  assert.equal(r.undo(), true);
  assert.deepEqual(r.manual, [{ x: 10, y: 10, w: 20, h: 20 }]);
  r.undo();
  assert.deepEqual(r.manual, []);
  assert.equal(r.faces[0].uncovered, true);
  r.undo();
  assert.equal(r.faces[0].uncovered, false);
  assert.equal(r.canUndo, false);
  // Setting a face to what it is already is no change to undo.
  r.setUncovered(r.faces[0], false);
  assert.equal(r.canUndo, false);
  for (let i = 0; i < MAX_UNDO + 50; i++) r.setUncovered(r.faces[0], i % 2 === 0);
  assert.equal(r.history.length, MAX_UNDO);
});

test("a cover placed with the keyboard moves and resizes inside the photo", () => {
  const r = crowd();
  const i = r.addCover({ x: 0, y: 0, w: 100, h: 100 });
  const step = 0.02 * 800;
  assert.ok(r.nudge(i, 1, 2, false));
  assert.deepEqual(r.manual[i], { x: step, y: 2 * step, w: 100, h: 100 });
  r.nudge(i, -10, -10, false);
  assert.deepEqual(r.manual[i], { x: 0, y: 0, w: 100, h: 100 }, "not past the top left");
  r.nudge(i, 1000, 1000, true);
  assert.deepEqual(r.manual[i], { x: 0, y: 0, w: 1000, h: 800 }, "not larger than the photo");
  r.nudge(i, -1000, -1000, true);
  assert.deepEqual(r.manual[i], { x: 0, y: 0, w: step, h: step }, "not smaller than one step");
  assert.equal(r.nudge(5, 1, 1, false), false, "no such cover");
});
